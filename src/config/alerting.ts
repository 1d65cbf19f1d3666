import { z } from 'zod';
import { durationSchema } from './job.js';

/**
 * The `alerting:` section of the job configuration: where alerts go and how they are delivered.
 *
 * Secrets (`secret`, `token`, and the `url` itself for Slack/Shuffle-style capability URLs) may be
 * written as `${ENV_VAR}`; the config loader resolves them. The alerting code never logs them: it
 * logs a connector's name, format and origin (scheme://host:port) only.
 */

/** Header names that carry credentials or Vigil's signature: they must come from `secret`/`token`, not `headers`. */
const RESERVED_HEADERS = ['authorization', 'ph-auth-token', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'cookie', 'x-api-key'];

const tlsSchema = z
  .strictObject({
    /** PEM file of the CA that signed the receiver's certificate (added to Node's default trust store). */
    ca_file: z.string().min(1).optional(),
    /** Client certificate + key (PEM) for receivers that require mutual TLS. */
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    /** Certificate verification; turn off only for a lab receiver. */
    verify: z.boolean().default(true),
  })
  .refine((t) => Boolean(t.cert_file) === Boolean(t.key_file), {
    error: 'give both cert_file and key_file for a client certificate, or neither',
  });

const retrySchema = z.strictObject({
  /** Tries per alert, the first included; then the alert is parked in the dead-letter index. */
  max_attempts: z.number().int().min(1).max(50).default(8),
  /** Exponential backoff with full jitter: wait = random(0, min(max_delay_ms, base_delay_ms · 2^(attempt-1))). */
  base_delay_ms: z.number().int().min(1).default(500),
  max_delay_ms: z.number().int().min(1).default(60_000),
  /** Longest Retry-After honoured; a longer one is treated as this. */
  max_retry_after_ms: z.number().int().min(0).default(3_600_000),
});

const breakerSchema = z.strictObject({
  /** Consecutive failed attempts (connection errors, timeouts, 5xx) that open the circuit. */
  failure_threshold: z.number().int().min(1).default(5),
  /** How long an open circuit holds deliveries back before one probe request is let through. */
  open_ms: z.number().int().min(1).default(30_000),
});

/** Per-format knobs; each format documents its default. */
const formatOptionsSchema = z.strictObject({
  /** TheHive `source` (default "vigil"). */
  source: z.string().min(1).optional(),
  /** TheHive alert `type` (default "vigil-anomaly"), XSOAR incident `type` (default "Vigil Anomaly"). */
  type: z.string().min(1).optional(),
  /** Splunk SOAR container label (default "events"). */
  label: z.string().min(1).optional(),
  /** Extra tags added to TheHive / Splunk SOAR / XSOAR payloads. */
  tags: z.array(z.string().min(1)).optional(),
});

/** Where alerts go. */
export const connectorSchema = z.strictObject({
  /** Unique; names the endpoint in logs, stats and dead-letter records. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, ".", "_" and "-" (at most 64)'),
  format: z.enum(['generic', 'thehive', 'splunk-soar', 'xsoar', 'shuffle', 'slack']).default('generic'),
  /** Full endpoint URL; for thehive / splunk-soar a bare base URL gets /api/v1/alert or /rest/container appended. */
  url: z.url({ protocol: /^https?$/ }),
  /** Standard Webhooks signing secret: `whsec_<base64>` or any raw string. Without it requests are not signed. */
  secret: z.string().min(1).optional(),
  /** Receiver credential: TheHive API key (Bearer), Splunk SOAR `ph-auth-token`, XSOAR / generic `Authorization`. */
  token: z.string().min(1).optional(),
  /** Only anomalies with vigil.score ≥ this reach this connector. */
  min_score: z.number().min(0).max(100).default(0),
  /** Whole-request deadline per attempt (connect + response). */
  timeout_ms: z.number().int().min(1).max(300_000).default(10_000),
  /** Requests in flight at once to this endpoint. */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Requests started per second to this endpoint (token bucket, burst = one second's worth). */
  rate_per_second: z.number().positive().max(1000).default(10),
  retry: retrySchema.prefault({}),
  circuit_breaker: breakerSchema.prefault({}),
  tls: tlsSchema.prefault({}),
  /** Extra, non-secret headers. Credentials belong in `token`/`secret`. */
  headers: z
    .record(z.string(), z.string())
    .default({})
    .refine((h) => Object.keys(h).every((k) => !RESERVED_HEADERS.includes(k.toLowerCase())), {
      error: `headers may not set ${RESERVED_HEADERS.join(', ')}: put credentials in "token" and the signing key in "secret"`,
    }),
  options: formatOptionsSchema.prefault({}),
});

/**
 * The host SIEM's own alerting on Vigil's anomaly index (`vigil install`): a Kibana `.es-query`
 * rule, an OpenSearch query-level monitor, and — when `webhook_url` is set — a webhook
 * connector/channel they notify. These are unsigned and not retried by Vigil: they complement the
 * dispatcher (for analysts working in the SIEM), they do not replace it.
 */
const siemSchema = z.strictObject({
  /** Anomalies with vigil.score ≥ this (and vigil.is_alert) fire the rule / monitor. */
  min_score: z.number().min(0).max(100).default(75),
  /** How often the rule / monitor runs. */
  interval: durationSchema.default('5m'),
  /** How far back each run looks (anomalies carry the window end as @timestamp and arrive after the window plus its delay). */
  lookback: durationSchema.default('2h'),
  /** Where the SIEM posts its notification; without it the rule / monitor only raise alerts inside the SIEM. */
  webhook_url: z.url({ protocol: /^https?$/ }).optional(),
  /** Display name of the rule, monitor and connector. */
  name: z.string().min(1).default('Vigil anomalies'),
});

export const alertingSchema = z
  .strictObject({
    connectors: z.array(connectorSchema).default([]),
    /**
     * Hosts alerts may be sent to: `host`, `host:port` or `*.domain`. When set, every connector URL
     * (and any `vigil alerts test --url`) must match it; when empty, only the connectors' own hosts.
     */
    allowed_hosts: z.array(z.string().min(1)).default([]),
    /** Suppress a repeat alert for the same job + entity whose window is within this period of the last one sent ("0s" turns it off). */
    realert: durationSchema.default('1h'),
    /** Send the alerts of one pipeline batch as one notification per connector. */
    grouping: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Largest group; a bigger batch is split. */
        max_alerts: z.number().int().min(2).max(500).default(50),
      })
      .prefault({}),
    /** How long `drain()` waits for retries before leaving the rest in the durable outbox for the next run. */
    drain_timeout: durationSchema.default('5m'),
    /** Delivered-alert markers (idempotency tombstones) are kept this long in the state index. */
    outbox_retention: durationSchema.default('7d'),
    siem: siemSchema.prefault({}),
    /** Base URLs for the "events in Discover" links in every alert. */
    links: z
      .strictObject({
        kibana_url: z.url({ protocol: /^https?$/ }).optional(),
        dashboards_url: z.url({ protocol: /^https?$/ }).optional(),
      })
      .prefault({}),
  })
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    a.connectors.forEach((c, i) => {
      if (seen.has(c.name))
        ctx.addIssue({ code: 'custom', path: ['connectors', i, 'name'], message: `duplicate connector name "${c.name}"` });
      seen.add(c.name);
      if (a.allowed_hosts.length > 0 && !hostAllowed(c.url, a.allowed_hosts)) {
        ctx.addIssue({
          code: 'custom',
          path: ['connectors', i, 'url'],
          message: `host "${new URL(c.url).host}" is not in alerting.allowed_hosts (${a.allowed_hosts.join(', ')}): add it there or fix the URL`,
        });
      }
    });
    if (a.siem.webhook_url && a.allowed_hosts.length > 0 && !hostAllowed(a.siem.webhook_url, a.allowed_hosts)) {
      ctx.addIssue({
        code: 'custom',
        path: ['siem', 'webhook_url'],
        message: `host "${new URL(a.siem.webhook_url).host}" is not in alerting.allowed_hosts: add it there or fix the URL`,
      });
    }
  });

export type SiemAlertingConfig = z.infer<typeof siemSchema>;
export type ConnectorConfig = z.infer<typeof connectorSchema>;
export type AlertingConfig = z.infer<typeof alertingSchema>;
export type ConnectorFormat = ConnectorConfig['format'];

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/**
 * True when the URL's host matches an allow-list entry: `host` (any port), `host:port`, or
 * `*.domain` (sub-domains of domain, not domain itself). Case-insensitive.
 */
export function hostAllowed(url: string, allowedHosts: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = parsed.port || defaultPort(parsed.protocol);
  return allowedHosts.some((raw) => {
    const entry = raw.trim().toLowerCase();
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) return false;
    const entryHost = m[1].replace(/^\[|\]$/g, '');
    if (m[2] !== undefined && m[2] !== port) return false;
    if (entryHost.startsWith('*.')) return host.endsWith(entryHost.slice(1)) && host.length > entryHost.length - 1;
    return host === entryHost;
  });
}

/**
 * Whether Vigil may send to this URL: it must match `allowed_hosts` when that is set, otherwise
 * it must be on the host (and port) of one of the configured connectors.
 */
export function destinationAllowed(url: string, alerting: Pick<AlertingConfig, 'allowed_hosts' | 'connectors'>): boolean {
  if (alerting.allowed_hosts.length > 0) return hostAllowed(url, alerting.allowed_hosts);
  const own = alerting.connectors.map((c) => {
    const u = new URL(c.url);
    return `${u.hostname}:${u.port || defaultPort(u.protocol)}`;
  });
  return hostAllowed(url, own);
}
