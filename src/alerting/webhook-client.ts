/**
 * One HTTP attempt to one connector (axios): signs the exact body with a fresh timestamp,
 * keeps the webhook-id fixed, and classifies the outcome (delivered / retry / reject) without
 * throwing. Secrets stay inside this module: nothing here logs headers, tokens or the full URL.
 */
import axios, { AxiosError } from 'axios';
import type { ConnectorConfig } from '../config/alerting.js';
import type { Clock } from './clock.js';
import { formatOf, type PayloadFormat } from './formats/index.js';
import { isRetryableStatus, parseRetryAfter } from './retry-policy.js';
import { signWebhook } from './signature.js';
import { agentsFor, type ConnectorAgents } from './tls-agent.js';

export const USER_AGENT = 'vigil-alerting/0.1';

export type AttemptOutcome = 'delivered' | 'retry' | 'reject';

export interface AttemptResult {
  readonly outcome: AttemptOutcome;
  /** HTTP status; undefined when no answer came (connection error, timeout). */
  readonly status?: number;
  /** Short, secret-free description of what went wrong. */
  readonly error?: string;
  readonly retryAfterMs?: number;
  readonly durationMs: number;
  /** First 500 characters of the answer. */
  readonly bodyExcerpt: string;
  /** The receiver refused the request as a duplicate of one it already has: counted as delivered. */
  readonly duplicate?: boolean;
  /** The failure says nothing about the endpoint's health (4xx / 429): do not trip the breaker. */
  readonly neutral?: boolean;
}

const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|UNABLE_TO_GET_ISSUER/;

/** scheme://host:port of a URL: safe to log (capability URLs such as Slack's carry the secret in the path). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

/** The connector URL, with the format's default path when the URL is a bare base URL. */
export function endpointUrl(connector: ConnectorConfig, format: PayloadFormat = formatOf(connector.format)): string {
  const u = new URL(connector.url);
  if (format.defaultPath && (u.pathname === '' || u.pathname === '/')) u.pathname = format.defaultPath;
  return u.toString();
}

export class WebhookClient {
  private readonly format: PayloadFormat;
  private readonly agents: ConnectorAgents;
  readonly url: string;
  readonly origin: string;

  constructor(
    readonly connector: ConnectorConfig,
    private readonly clock: Clock,
    urlOverride?: string,
  ) {
    this.format = formatOf(connector.format);
    this.agents = agentsFor(connector);
    this.url = urlOverride ?? endpointUrl(connector, this.format);
    this.origin = originOf(this.url);
  }

  /** The headers of one attempt. Signed only when the connector has a secret. */
  headers(messageId: string, body: string): Record<string, string> {
    const timestamp = Math.floor(this.clock.now() / 1000);
    const headers: Record<string, string> = {
      ...this.connector.headers,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': messageId,
      'webhook-timestamp': String(timestamp),
      ...this.format.authHeaders(this.connector.token),
    };
    if (this.connector.secret) headers['webhook-signature'] = signWebhook(this.connector.secret, messageId, timestamp, body);
    return headers;
  }

  /** `cancel` cuts the attempt short (the dispatcher closing): the outcome is then a retry. */
  async send(messageId: string, body: string, cancel?: AbortSignal): Promise<AttemptResult> {
    const started = this.clock.now();
    const timeout = this.connector.timeout_ms;
    try {
      const response = await axios.request<string>({
        method: 'POST',
        url: this.url,
        data: body,
        headers: this.headers(messageId, body),
        timeout,
        // The socket timeout above misses a slow trickle; this bounds the whole exchange.
        signal: cancel ? AbortSignal.any([AbortSignal.timeout(timeout + 50), cancel]) : AbortSignal.timeout(timeout + 50),
        httpAgent: this.agents.http,
        httpsAgent: this.agents.https,
        // A redirect could leave the allow-list: treat 3xx as an answer, not a hop.
        maxRedirects: 0,
        proxy: false,
        responseType: 'text',
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
        maxContentLength: 1 << 20,
      });
      return this.classify(response.status, response.data ?? '', headerOf(response.headers, 'retry-after'), started);
    } catch (error) {
      return this.transportFailure(error, started);
    }
  }

  private classify(status: number, body: string, retryAfter: string | undefined, started: number): AttemptResult {
    const durationMs = this.clock.now() - started;
    const bodyExcerpt = body.slice(0, 500);
    if (status >= 200 && status < 300) return { outcome: 'delivered', status, durationMs, bodyExcerpt };
    if (this.format.isDuplicateAck?.(status, body)) return { outcome: 'delivered', status, durationMs, bodyExcerpt, duplicate: true };
    const error = `HTTP ${status}${bodyExcerpt ? `: ${bodyExcerpt.slice(0, 200)}` : ''}`;
    if (isRetryableStatus(status)) {
      return {
        outcome: 'retry',
        status,
        error,
        durationMs,
        bodyExcerpt,
        retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(retryAfter, this.clock.now()) : undefined,
        neutral: status === 429,
      };
    }
    return { outcome: 'reject', status, error, durationMs, bodyExcerpt, neutral: true };
  }

  private transportFailure(error: unknown, started: number): AttemptResult {
    const durationMs = this.clock.now() - started;
    const code = error instanceof AxiosError ? (error.code ?? '') : '';
    const cause = error instanceof AxiosError && error.cause instanceof Error ? error.cause : undefined;
    const causeCode = cause && 'code' in cause ? String((cause as { code: unknown }).code) : '';
    const anyCode = `${code} ${causeCode}`;
    if (TLS_ERRORS.test(anyCode) || TLS_ERRORS.test(error instanceof Error ? error.message : '')) {
      // A certificate problem is configuration, not a passing fault: retrying cannot fix it.
      return {
        outcome: 'reject',
        error: `TLS verification failed (${causeCode || code || 'certificate'}): set tls.ca_file to the receiver's CA`,
        durationMs,
        bodyExcerpt: '',
      };
    }
    const timedOut =
      code === 'ECONNABORTED' ||
      code === 'ETIMEDOUT' ||
      code === 'ERR_CANCELED' ||
      causeCode === 'ETIMEDOUT' ||
      (error instanceof Error && error.name === 'TimeoutError');
    const what = timedOut
      ? `timed out after ${this.connector.timeout_ms} ms`
      : `connection failed (${causeCode || code || (error instanceof Error ? error.message : 'unknown')})`;
    return { outcome: 'retry', error: what, durationMs, bodyExcerpt: '' };
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const h = headers as Record<string, unknown>;
  const value = typeof (h as { get?: unknown }).get === 'function' ? (h as { get: (n: string) => unknown }).get(name) : h[name];
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? String(value[0]) : String(value);
}
