/**
 * Dispatcher delivery behaviour against real HTTP receivers on 127.0.0.1 (no engine: in-memory
 * outbox). The durable outbox and the dead-letter index are covered on both engines in
 * test/integration/alerting-dispatcher.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dispatcherFor, receiverPool } from './support/dispatcher.js';
import { startReceiver } from './support/receiver.js';
import { verifyWebhook } from './support/verify-standard-webhooks.js';
import { testAnomaly } from './support/anomalies.js';
import { TEST_SECRET } from './support/config.js';

const receiver = receiverPool();

describe('alert dispatcher: retries, backoff and refusals (HTTP, in-memory outbox)', () => {
  it('retries 503 twice, then the receiver accepts exactly one delivery; every request verifies', async () => {
    const r = await receiver((_req, i) => (i < 2 ? { status: 503 } : { status: 202 }));
    const d = dispatcherFor(r.url);
    const alert = testAnomaly();
    await d.enqueue([alert]);
    const stats = await d.drain();
    await d.close();
    assert.equal(r.requests.length, 3);
    assert.equal(r.accepted.length, 1);
    assert.deepEqual(
      { delivered: stats.delivered, retried: stats.retried, deadLettered: stats.deadLettered },
      { delivered: 1, retried: 2, deadLettered: 0 },
    );
    // Same idempotency key on every attempt, derived from the anomaly id.
    assert.deepEqual(new Set(r.requests.map((q) => q.headers['webhook-id'])), new Set([`vigil_${alert.id}`]));
    // Same body every time, and each attempt signed (fresh timestamp) so the independent verifier accepts it.
    assert.equal(new Set(r.requests.map((q) => q.body)).size, 1);
    for (const q of r.requests) assert.deepEqual(verifyWebhook(TEST_SECRET, q.headers, q.body), { ok: true });
    assert.deepEqual(
      verifyWebhook('whsec_' + Buffer.from('another key').toString('base64'), r.accepted[0].headers, r.accepted[0].body).ok,
      false,
    );
  });

  it('honours Retry-After: 2 on a 429 (next attempt no sooner than 2 s)', async () => {
    const r = await receiver((_req, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    const d = dispatcherFor(r.url);
    await d.enqueue([testAnomaly()]);
    const stats = await d.drain();
    await d.close();
    assert.equal(r.requests.length, 2);
    const gap = r.requests[1].at - r.requests[0].at;
    assert.ok(gap >= 2_000, `second attempt after ${gap} ms, expected ≥ 2000`);
    assert.ok(gap < 6_000, `second attempt after ${gap} ms: Retry-After should be honoured, not exceeded by much`);
    assert.equal(stats.delivered, 1);
    assert.equal(stats.retried, 1);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const r = await receiver((_req, i) =>
      i === 0 ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 1_500).toUTCString() } } : { status: 200 },
    );
    const d = dispatcherFor(r.url);
    await d.enqueue([testAnomaly()]);
    await d.drain();
    await d.close();
    assert.equal(r.requests.length, 2);
    // HTTP dates have one-second resolution: at least ~0.5 s must have passed.
    assert.ok(r.requests[1].at - r.requests[0].at >= 500, `gap ${r.requests[1].at - r.requests[0].at} ms`);
  });

  it('does not retry a 400 and counts it dead-lettered', async () => {
    const r = await receiver(() => ({ status: 400, body: '{"error":"missing field title"}' }));
    const d = dispatcherFor(r.url);
    await d.enqueue([testAnomaly()]);
    const stats = await d.drain();
    await d.close();
    assert.equal(r.requests.length, 1);
    assert.deepEqual(
      { delivered: stats.delivered, retried: stats.retried, deadLettered: stats.deadLettered },
      { delivered: 0, retried: 0, deadLettered: 1 },
    );
  });

  it('times out a receiver that never answers, retries, and gives up after max_attempts', async () => {
    const r = await receiver(() => 'hang');
    const d = dispatcherFor(r.url, { timeout_ms: 300, retry: { max_attempts: 2, base_delay_ms: 20, max_delay_ms: 40 } });
    const started = Date.now();
    await d.enqueue([testAnomaly()]);
    const stats = await d.drain();
    await d.close();
    const took = Date.now() - started;
    assert.equal(r.requests.length, 2);
    assert.equal(stats.deadLettered, 1);
    assert.equal(stats.retried, 1);
    assert.ok(took >= 600 && took < 6_000, `two 300 ms timeouts took ${took} ms`);
  });

  it('retries connection errors (nothing listening) and parks after max_attempts', async () => {
    // A receiver that is closed straight away leaves a port nothing listens on.
    const r = await startReceiver(() => ({ status: 200 }));
    const url = r.url;
    await r.close();
    const d = dispatcherFor(url, { retry: { max_attempts: 3, base_delay_ms: 10, max_delay_ms: 20 } });
    await d.enqueue([testAnomaly()]);
    const stats = await d.drain();
    await d.close();
    assert.deepEqual({ retried: stats.retried, deadLettered: stats.deadLettered }, { retried: 2, deadLettered: 1 });
  });

  it('drain() does not wait out a Retry-After beyond its deadline: the alert stays pending in the outbox', async () => {
    const r = await receiver(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    const d = dispatcherFor(r.url);
    await d.enqueue([testAnomaly()]);
    const started = Date.now();
    const stats = await d.drain();
    const took = Date.now() - started;
    await d.close();
    assert.equal(r.requests.length, 1);
    assert.deepEqual([stats.delivered, stats.retried, stats.deadLettered, stats.pending], [0, 1, 0, 1]);
    assert.ok(took < 5_000, `drain returned after ${took} ms (drain_timeout is 30 s)`);
  });

  it('an acknowledgement lost in transit is retried with the same webhook-id and body (what receivers dedup on)', async () => {
    // The receiver takes the first request but answers after the client gave up.
    const r = await receiver((_q, i) => (i === 0 ? { status: 200, delayMs: 600 } : { status: 200 }));
    const d = dispatcherFor(r.url, { timeout_ms: 200 });
    await d.enqueue([testAnomaly()]);
    const stats = await d.drain();
    await d.close();
    assert.equal(r.requests.length, 2);
    assert.equal(r.requests[0].headers['webhook-id'], r.requests[1].headers['webhook-id']);
    assert.equal(r.requests[0].body, r.requests[1].body);
    assert.equal(new Set(r.requests.map((q) => q.headers['webhook-id'])).size, 1, 'a receiver de-duplicating on webhook-id keeps one');
    assert.deepEqual([stats.delivered, stats.retried], [1, 1]);
  });

  it('TheHive refusing a retry as a duplicate sourceRef counts as delivered, not dead-lettered', async () => {
    const r = await receiver((_q, i) =>
      i === 0
        ? { status: 201, delayMs: 600 }
        : { status: 400, body: '{"type":"CreateError","message":"Alert vigil/vigil-anomaly/x already exists"}' },
    );
    const d = dispatcherFor(`${r.url}/`, { format: 'thehive', timeout_ms: 200 });
    await d.enqueue([testAnomaly()]);
    const stats = await d.drain();
    await d.close();
    assert.equal(r.requests.length, 2);
    assert.deepEqual([stats.delivered, stats.deadLettered], [1, 0]);
  });
});
