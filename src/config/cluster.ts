import { z } from 'zod';

/**
 * How Vigil reaches a cluster. TLS verification is on unless explicitly turned off; secrets may be
 * written as `${ENV_VAR}` and are resolved by the loader (config/load.ts), never logged.
 */
export const clusterSchema = z.strictObject({
  /** "auto" asks the cluster; set it when a proxy hides the product headers. */
  flavour: z.enum(['auto', 'elasticsearch', 'opensearch']).default('auto'),
  urls: z.array(z.url({ protocol: /^https?$/ })).min(1, 'at least one cluster URL, e.g. https://search.example:9200'),
  auth: z
    .union([z.strictObject({ username: z.string().min(1), password: z.string().min(1) }), z.strictObject({ api_key: z.string().min(1) })])
    .optional(),
  tls: z
    .strictObject({
      /** PEM file of a custom CA. */
      ca_file: z.string().optional(),
      /** Client certificate + key (PEM) for mutual TLS. */
      cert_file: z.string().optional(),
      key_file: z.string().optional(),
      verify: z.boolean().default(true),
    })
    .default({ verify: true }),
  request_timeout_ms: z.number().int().positive().default(30_000),
  max_retries: z.number().int().min(0).max(10).default(3),
});

export type ClusterConfig = z.infer<typeof clusterSchema>;
