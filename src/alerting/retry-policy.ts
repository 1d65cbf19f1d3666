/**
 * What to do after an attempt: which failures are worth retrying, how long to wait (exponential
 * backoff with full jitter, or the receiver's Retry-After), and when to give up.
 */
import type { RandomSource } from './clock.js';

export interface RetrySettings {
  readonly max_attempts: number;
  readonly base_delay_ms: number;
  readonly max_delay_ms: number;
  readonly max_retry_after_ms: number;
}

/**
 * Retry connection errors and timeouts (no HTTP answer: status undefined, or 0 as the engine
 * clients report it), 408, 429 and 5xx; every other status is the receiver telling us the request
 * itself is wrong, and repeating it cannot help. Used for webhooks and for engine writes alike.
 */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined || status === 0) return true;
  return status === 408 || status === 429 || status >= 500;
}

/** Full jitter (AWS architecture blog): uniform in [0, min(cap, base·2^(attempt-1))]. `attempt` counts from 1. */
export function backoffDelayMs(
  attempt: number,
  settings: Pick<RetrySettings, 'base_delay_ms' | 'max_delay_ms'>,
  random: RandomSource,
): number {
  const exp = Math.min(settings.max_delay_ms, settings.base_delay_ms * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * exp);
}

/**
 * Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns milliseconds
 * from `nowMs`, or undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The wait before the next attempt: the receiver's Retry-After when it gave one, else jittered backoff. */
export function nextDelayMs(attempt: number, retryAfterMs: number | undefined, settings: RetrySettings, random: RandomSource): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, settings.max_retry_after_ms);
  return backoffDelayMs(attempt, settings, random);
}
