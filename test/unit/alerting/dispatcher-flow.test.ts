/**
 * Dispatcher delivery behaviour against real HTTP receivers on 127.0.0.1 (no engine: in-memory
 * outbox). The durable outbox and the dead-letter index are covered on both engines in
 * test/integration/alerting-dispatcher.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDispatcher } from '../../../src/alerting/dispatcher.js';
import { dispatcherFor, receiverPool } from './support/dispatcher.js';
import { testAnomaly } from './support/anomalies.js';
import { testAlerting } from './support/config.js';

const receiver = receiverPool();

describe('alert dispatcher: flow control, suppression and grouping (HTTP, in-memory outbox)', () => {
  it('keeps at most `concurrency` requests in flight per endpoint', async () => {
    // Slow answers make any overlap beyond the limit visible.
    const r = await receiver(() => ({ status: 200, delayMs: 60 }));
    const d = dispatcherFor(r.url, { concurrency: 2, rate_per_second: 1000 });
    const alerts = Array.from({ length: 12 }, (_, i) => testAnomaly({ user: `u${i}` }));
    await d.enqueue(alerts);
    const stats = await d.drain();
    await d.close();
    assert.equal(stats.delivered, 12);
    assert.equal(r.accepted.length, 12);
    assert.equal(r.maxInFlight(), 2, `max in flight ${r.maxInFlight()}`);
  });

  it('rate-limits requests per endpoint (5/s → 10 requests take ≥ 1 s)', async () => {
    const r = await receiver(() => ({ status: 200 }));
    const created = Date.now();
    const d = dispatcherFor(r.url, { rate_per_second: 5, concurrency: 10 });
    await d.enqueue(Array.from({ length: 10 }, (_, i) => testAnomaly({ user: `rate${i}` })));
    await d.drain();
    await d.close();
    assert.equal(r.accepted.length, 10);
    // The bucket starts full (a burst of 5) and refills at 5/s from its creation: the 10th request
    // cannot arrive before 1 s after it, however slowly the first five went out on a loaded machine.
    const span = r.requests[9].at - created;
    assert.ok(span >= 950, `10 requests at 5/s spanned ${span} ms from the limiter's creation`);
  });

  it('opens the circuit after consecutive failures and holds requests back while open', async () => {
    const r = await receiver(() => ({ status: 500 }));
    const d = dispatcherFor(r.url, {
      concurrency: 1,
      retry: { max_attempts: 10, base_delay_ms: 1, max_delay_ms: 2 },
      circuit_breaker: { failure_threshold: 3, open_ms: 1_500 },
    });
    await d.enqueue([testAnomaly()]);
    const deadline = Date.now() + 5_000;
    while (r.requests.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Three quick failures opened the circuit; nothing more may arrive while it is open.
    assert.equal(r.requests.length, 3, `requests while the circuit is open: ${r.requests.length}`);
    r.setHandler(() => ({ status: 200 }));
    const stats = await d.drain();
    await d.close();
    assert.equal(r.accepted.length, 1);
    assert.equal(r.requests.length, 4);
    assert.ok(r.requests[3].at - r.requests[2].at >= 1_450, 'the probe waited for open_ms');
    assert.ok(Date.now() - started >= 400);
    assert.equal(stats.delivered, 1);
  });

  it('suppresses repeats of the same job + entity within the realert period', async () => {
    const r = await receiver(() => ({ status: 200 }));
    const d = dispatcherFor(r.url, {}, { realert: '2h' });
    const h = 3_600_000;
    const t0 = Date.parse('2024-03-04T00:00:00Z');
    await d.enqueue([
      testAnomaly({ user: 'alice', windowStartMs: t0 }),
      testAnomaly({ user: 'alice', windowStartMs: t0 + h }), // adjacent: repeat
      testAnomaly({ user: 'alice', windowStartMs: t0 + 2 * h }), // 1 h after the last sent window's end: repeat
      testAnomaly({ user: 'alice', windowStartMs: t0 + 3 * h }), // 2 h after: new alert
      testAnomaly({ user: 'bob', windowStartMs: t0 + h }), // other entity
      testAnomaly({ user: 'alice', job: 'other_job', windowStartMs: t0 + h }), // other job
    ]);
    const stats = await d.drain();
    await d.close();
    assert.equal(stats.suppressed, 2);
    assert.equal(stats.delivered, 4);
    assert.equal(r.accepted.length, 4);
  });

  it('does not send the same anomaly twice when it is enqueued again', async () => {
    const r = await receiver(() => ({ status: 200 }));
    const d = dispatcherFor(r.url);
    const a = testAnomaly();
    await d.enqueue([a]);
    await d.drain();
    await d.enqueue([a]);
    const stats = await d.drain();
    await d.close();
    assert.equal(r.accepted.length, 1);
    assert.equal(stats.delivered, 0);
  });

  it('groups a batch into one notification when grouping is on (and splits at max_alerts)', async () => {
    const r = await receiver(() => ({ status: 200 }));
    const d = dispatcherFor(r.url, {}, { grouping: { enabled: true, max_alerts: 3 } });
    await d.enqueue(Array.from({ length: 5 }, (_, i) => testAnomaly({ user: `g${i}` })));
    const stats = await d.drain();
    await d.close();
    assert.equal(stats.delivered, 2);
    const bodies = r.accepted.map((q) => JSON.parse(q.body) as { type: string; data: { count?: number; alerts?: unknown[] } });
    const counts = bodies.map((b) => (b.type === 'vigil.anomaly.group' ? b.data.count : 1)).sort();
    assert.deepEqual(counts, [2, 3]);
    for (const q of r.accepted) assert.match(String(q.headers['webhook-id']), /^vigil_(grp_)?[0-9a-f]{40}$/);
  });

  it('sends only anomalies at or above a connector min_score', async () => {
    const r = await receiver(() => ({ status: 200 }));
    const d = dispatcherFor(r.url, { min_score: 80 });
    await d.enqueue([testAnomaly({ user: 'low', score: 60 }), testAnomaly({ user: 'high', score: 95 })]);
    const stats = await d.drain();
    await d.close();
    assert.equal(stats.delivered, 1);
    assert.equal((JSON.parse(r.accepted[0].body) as { data: { entity: { value: string } } }).data.entity.value, 'high');
  });

  it('refuses at start-up a connector outside allowed_hosts', () => {
    assert.throws(
      () =>
        createDispatcher({
          config: { ...testAlerting([{ url: 'http://127.0.0.1:9/x' }]), allowed_hosts: ['soar.example.com'] },
          deadLetterIndex: 'x',
          stateIndex: 'y',
        }),
      /connectors\[0\]\.url: host "127\.0\.0\.1:9" of connector "c0" is not in alerting\.allowed_hosts/,
    );
  });
});
