import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, isRetryableStatus, nextDelayMs, parseRetryAfter } from '../../../src/alerting/retry-policy.js';
import { seededRandom } from '../../../src/alerting/clock.js';

const SETTINGS = { max_attempts: 8, base_delay_ms: 100, max_delay_ms: 1_000, max_retry_after_ms: 5_000 };

describe('retry policy', () => {
  it('retries connection errors, 408, 429 and 5xx; never other 4xx or 2xx/3xx', () => {
    const retried = [undefined, 0, 408, 429, 500, 502, 503, 504, 599].filter(isRetryableStatus);
    assert.deepEqual(retried, [undefined, 0, 408, 429, 500, 502, 503, 504, 599]);
    assert.deepEqual([200, 301, 400, 401, 403, 404, 409, 413, 422].filter(isRetryableStatus), []);
  });

  it('full jitter: uniform in [0, min(cap, base·2^(n-1))], reproducible with a seed', () => {
    const random = seededRandom(1);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const cap = Math.min(1_000, 100 * 2 ** (attempt - 1));
      const samples = Array.from({ length: 200 }, () => backoffDelayMs(attempt, SETTINGS, random));
      assert.ok(
        samples.every((s) => s >= 0 && s <= cap),
        `attempt ${attempt}`,
      );
      // Full jitter spreads over the whole range, not just near the cap.
      assert.ok(Math.min(...samples) < cap * 0.1 && Math.max(...samples) > cap * 0.9, `attempt ${attempt} spread`);
    }
    const a = Array.from({ length: 5 }, (_, i) => backoffDelayMs(i + 1, SETTINGS, seededRandom(42)));
    const b = Array.from({ length: 5 }, (_, i) => backoffDelayMs(i + 1, SETTINGS, seededRandom(42)));
    assert.deepEqual(a, b);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    assert.equal(parseRetryAfter('2', now), 2_000);
    assert.equal(parseRetryAfter(' 120 ', now), 120_000);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('uses Retry-After when given (capped), jittered backoff otherwise', () => {
    assert.equal(
      nextDelayMs(1, 2_000, SETTINGS, () => 0.5),
      2_000,
    );
    assert.equal(
      nextDelayMs(1, 60_000, SETTINGS, () => 0.5),
      5_000,
    );
    assert.equal(
      nextDelayMs(3, undefined, SETTINGS, () => 0.5),
      200,
    );
  });
});
