import { z } from 'zod';

/** Where alerts go. Secrets (`secret`, `token`) may be `${ENV_VAR}` and are never logged. */
export const connectorSchema = z.strictObject({
  name: z.string().min(1),
  format: z.enum(['generic', 'thehive', 'splunk-soar', 'xsoar', 'shuffle', 'slack']).default('generic'),
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  min_score: z.number().min(0).max(100).default(0),
});

export const alertingSchema = z.strictObject({
  connectors: z.array(connectorSchema).default([]),
  /** Hosts alerts may be sent to; empty means only the connectors' own hosts. */
  allowed_hosts: z.array(z.string()).default([]),
});

export type ConnectorConfig = z.infer<typeof connectorSchema>;
export type AlertingConfig = z.infer<typeof alertingSchema>;
