import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnomalyDocument } from '../../../src/anomaly/document.js';
import type { WindowOutcome } from '../../../src/pipeline/job-runner.js';
import type { IncidentAlert } from '../../../src/pipeline/slice-decider.js';
import { LeaseLostError, type WorkerBounds } from '../../../src/pipeline/partition-worker.js';
import { H, START, attack, anomalies, drive, plan, worker } from './worker-fixture.js';
import { MemoryEngine } from './memory-engine.js';

describe('partition worker: backfill, crash and resume, lease races', () => {
  const backfill: WorkerBounds = { kind: 'backfill', from: START, to: START + 36 * H };

  it('warms up on the first 12 windows, then scores 24, one document per entity-window, and flags the brute force', async () => {
    const engine = new MemoryEngine();
    const clock = { t: START + 100 * H };
    const outcomes: WindowOutcome[] = [];
    const w2 = worker(engine, plan(), 'A', clock, backfill, (o) => outcomes.push(o));
    await w2.options.lease.tryAcquire();
    assert.equal(await w2.pendingWindows(), 36);
    await drive(w2);
    assert.equal(outcomes.filter((o) => o.phase === 'warmup').length, 12);
    const scored = outcomes.filter((o) => o.phase === 'scored');
    assert.equal(scored.length, 24);
    const entityWindows = scored.reduce((n, o) => n + o.entities, 0);
    const docs = anomalies(engine);
    assert.equal(docs.size, entityWindows);
    assert.equal(engine.indices.get('status')!.size, 24);
    const top = [...docs.values()].map((d) => JSON.parse(d)).sort((a, b) => b.vigil.score - a.vigil.score)[0];
    assert.equal(top.vigil.entity.value, attack.user);
    assert.equal(Date.parse(top.vigil.window.start), START + attack.hour * H);
    assert.equal(top.vigil.is_alert, true);
    const cp = await w2.load();
    assert.equal(cp.nextWindowStart, START + 36 * H);
    assert.equal(cp.windowsScored, 24);
    assert.equal(await w2.pendingWindows(), 0);
  });

  it('a runner killed mid-backfill and resumed by another ends with exactly the same documents', async () => {
    const clock = { t: START + 100 * H };
    const straight = new MemoryEngine();
    const a = worker(straight, plan(), 'A', clock, backfill);
    await a.options.lease.tryAcquire();
    await drive(a);

    const crashed = new MemoryEngine();
    const b = worker(crashed, plan(), 'B', clock, backfill);
    await b.options.lease.tryAcquire();
    await drive(b, 3, 3); // warm-up + 6 scored windows, then "SIGKILL": B never runs again
    const partial = anomalies(crashed).size;
    assert.ok(partial > 0 && partial < anomalies(straight).size);

    const c = worker(crashed, plan(), 'C', clock, backfill);
    assert.equal((await c.options.lease.tryAcquire()).held, false); // B's lease still runs
    clock.t += 31_000;
    assert.equal((await c.options.lease.tryAcquire()).held, true);
    await drive(c);
    assert.deepEqual(anomalies(crashed), anomalies(straight));
  });

  it('every document is one decision (is_alert ⇔ score ≥ cut) and each incident alerts once, across a crash and resume', async () => {
    const clock = { t: START + 100 * H };
    const straightAlerts: IncidentAlert[] = [];
    const straight = new MemoryEngine();
    const a = worker(straight, plan(), 'A', clock, backfill, undefined, straightAlerts);
    await a.options.lease.tryAcquire();
    await drive(a);
    const docs = [...anomalies(straight).values()].map((d) => JSON.parse(d) as AnomalyDocument);
    for (const d of docs) {
      assert.ok(d.vigil.threshold > 0 && d.vigil.threshold <= 100);
      assert.equal(d.vigil.is_alert, d.vigil.score >= d.vigil.threshold);
      if (d.vigil.is_alert) assert.ok(d.vigil.incident?.alerted);
    }
    const first = straightAlerts.filter((x) => x.revision === 0).map((x) => x.id);
    assert.ok(first.length >= 1, 'the brute force alerts');
    assert.equal(new Set(first).size, first.length, 'one first alert per incident');
    const brute = docs.find((d) => d.vigil.entity.value === attack.user && Date.parse(d.vigil.window.start) === START + attack.hour * H)!;
    assert.ok(brute.vigil.incident && first.includes(brute.vigil.incident.id));

    const crashedAlerts: IncidentAlert[] = [];
    const crashed = new MemoryEngine();
    const b = worker(crashed, plan(), 'B', clock, backfill, undefined, crashedAlerts);
    await b.options.lease.tryAcquire();
    await drive(b, 4, 4);
    clock.t += 31_000;
    const c = worker(crashed, plan(), 'C', clock, backfill, undefined, crashedAlerts);
    await c.options.lease.tryAcquire();
    await drive(c);
    // Same alerts (incident id, revision) as the uninterrupted run; a redone slice may hand one over again (the outbox drops it).
    const key = (x: IncidentAlert): string => `${x.id}#${x.revision}`;
    assert.deepEqual([...new Set(crashedAlerts.map(key))].sort(), [...new Set(straightAlerts.map(key))].sort());
    assert.deepEqual(anomalies(crashed), anomalies(straight));
  });

  it('refuses to commit without the lease, and a runner that lost the race cannot overwrite the winner', async () => {
    const engine = new MemoryEngine();
    const clock = { t: START + 100 * H };
    const a = worker(engine, plan(), 'A', clock, backfill);
    await a.options.lease.tryAcquire();
    await a.step(1); // warm-up committed
    // A stalls past its TTL; B takes over and commits a window.
    clock.t += 31_000;
    const b = worker(engine, plan(), 'B', clock, backfill);
    assert.equal((await b.options.lease.tryAcquire()).held, true);
    await b.step(1);
    await assert.rejects(a.step(1), LeaseLostError);
    // A cannot get the lease back while B renews it.
    await a.options.lease.tryAcquire();
    assert.equal(a.options.lease.held, false);
  });
});
