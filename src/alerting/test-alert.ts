/**
 * `vigil alerts test`: one sample alert to one connector, a single attempt, and a report an admin
 * wiring a playbook can act on — status, time, the start of the answer, and a plain statement
 * when the receiver refused the signature or the credential. Needs no cluster.
 */
import { destinationAllowed, type AlertingConfig, type ConnectorConfig, type ConnectorFormat } from '../config/alerting.js';
import { alertContext, type AlertLinks } from './alert-context.js';
import { systemClock } from './clock.js';
import { formatOf } from './formats/index.js';
import { singleMessageId } from './notifications.js';
import { sampleAlert } from './sample.js';
import { assertDestinationsAllowed, AlertingConfigError } from './validate.js';
import { WebhookClient, originOf } from './webhook-client.js';

export interface TestAlertOptions {
  /** Connector by name (default: the first configured one). */
  readonly connector?: string;
  readonly format?: ConnectorFormat;
  /** Send here instead of the connector's URL (must pass the host allow-list). */
  readonly url?: string;
  readonly links?: AlertLinks;
}

export interface TestAlertReport {
  readonly ok: boolean;
  readonly connector: string;
  readonly format: ConnectorFormat;
  /** scheme://host:port only. */
  readonly destination: string;
  readonly messageId: string;
  readonly signed: boolean;
  readonly status?: number;
  readonly durationMs: number;
  readonly bodyExcerpt: string;
  /** One sentence: what happened and, on failure, what to check. */
  readonly verdict: string;
}

export function pickConnector(config: AlertingConfig, options: TestAlertOptions): ConnectorConfig {
  let base: ConnectorConfig | undefined;
  if (options.connector) {
    base = config.connectors.find((c) => c.name === options.connector);
    if (!base)
      throw new AlertingConfigError(
        `no connector named "${options.connector}" in alerting.connectors (have: ${config.connectors.map((c) => c.name).join(', ') || 'none'})`,
      );
  } else {
    base = config.connectors[0];
  }
  if (!base) {
    if (!options.url)
      throw new AlertingConfigError(
        'alerting.connectors is empty: configure a connector, or give --url (with alerting.allowed_hosts listing its host)',
      );
    base = {
      name: 'test',
      format: options.format ?? 'generic',
      url: options.url,
      min_score: 0,
      timeout_ms: 10_000,
      concurrency: 1,
      rate_per_second: 1,
      retry: { max_attempts: 1, base_delay_ms: 500, max_delay_ms: 500, max_retry_after_ms: 0 },
      circuit_breaker: { failure_threshold: 1, open_ms: 1 },
      tls: { verify: true },
      headers: {},
      options: {},
    };
  }
  return { ...base, format: options.format ?? base.format, url: options.url ?? base.url };
}

export async function sendTestAlert(config: AlertingConfig, options: TestAlertOptions = {}): Promise<TestAlertReport> {
  assertDestinationsAllowed(config);
  const connector = pickConnector(config, options);
  if (options.url && !destinationAllowed(options.url, config)) {
    throw new AlertingConfigError(
      `--url host "${new URL(options.url).host}" is not allowed: add it to alerting.allowed_hosts${config.allowed_hosts.length === 0 ? " (when that list is empty only the connectors' own hosts are allowed)" : ''}`,
    );
  }
  const sample = sampleAlert();
  const messageId = singleMessageId(sample.id);
  const body = JSON.stringify(
    formatOf(connector.format).render({ messageId, alerts: [alertContext(sample.id, sample.doc, options.links)] }, connector),
  );
  const client = new WebhookClient(connector, systemClock, options.url);
  try {
    const result = await client.send(messageId, body);
    const base = {
      connector: connector.name,
      format: connector.format,
      destination: originOf(client.url),
      messageId,
      signed: Boolean(connector.secret),
      status: result.status,
      durationMs: result.durationMs,
      bodyExcerpt: result.bodyExcerpt,
    };
    return {
      ...base,
      ok: result.outcome === 'delivered',
      verdict: verdictOf(result.outcome, result.status, result.error, base.signed, connector),
    };
  } finally {
    client.close();
  }
}

function verdictOf(
  outcome: string,
  status: number | undefined,
  error: string | undefined,
  signed: boolean,
  connector: ConnectorConfig,
): string {
  if (outcome === 'delivered')
    return `accepted (HTTP ${status})${signed ? '; the request was signed (webhook-signature v1)' : '; the request was NOT signed (no secret configured)'}`;
  if (status === 401 || status === 403) {
    const what = [
      signed ? `the signing secret (alerting.connectors "${connector.name}".secret) does not match the receiver's` : '',
      connector.token ? 'the token is not accepted' : 'the receiver may need a token',
    ].filter(Boolean);
    return `REJECTED by the receiver with HTTP ${status}: signature or credential refused — check that ${what.join(', or ')}`;
  }
  if (status !== undefined)
    return `refused with HTTP ${status}${outcome === 'retry' ? ' (a transient error: the dispatcher would retry it)' : ' (not retried by the dispatcher: it would be dead-lettered)'}`;
  return `no answer: ${error ?? 'unknown error'}`;
}
