import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WindowOutcome } from '../../../src/pipeline/job-runner.js';
import { type WorkerBounds } from '../../../src/pipeline/partition-worker.js';
import { H, START, anomalies, drive, plan, worker } from './worker-fixture.js';
import { MemoryEngine } from './memory-engine.js';

describe('partition worker: re-runs, changed jobs, real-time mode', () => {
  const backfill: WorkerBounds = { kind: 'backfill', from: START, to: START + 36 * H };

  it('re-running the range after a reset overwrites in place: same ids, same count', async () => {
    const engine = new MemoryEngine();
    const clock = { t: START + 100 * H };
    const w = worker(engine, plan(), 'A', clock, backfill);
    await w.options.lease.tryAcquire();
    await drive(w);
    const first = anomalies(engine);
    assert.equal(await w.pendingWindows(), 0);
    await w.reset();
    assert.equal(await w.pendingWindows(), 36);
    await drive(w);
    assert.deepEqual(anomalies(engine), first);
  });

  it('a changed job (new features) re-fits on the warm-up span before the checkpoint, without re-scoring', async () => {
    const engine = new MemoryEngine();
    const clock = { t: START + 100 * H };
    const short: WorkerBounds = { kind: 'backfill', from: START, to: START + 20 * H };
    const w = worker(engine, plan(), 'A', clock, short);
    await w.options.lease.tryAcquire();
    await drive(w);
    const before = anomalies(engine).size;
    const outcomes: WindowOutcome[] = [];
    const changed = plan({ features: [{ kind: 'count', name: 'extra_count' }] });
    const w2 = worker(engine, changed, 'A', clock, backfill, (o) => outcomes.push(o));
    await w2.options.lease.tryAcquire();
    await drive(w2);
    // Re-fit on the 12 windows before the checkpoint (08:00–20:00), then scoring resumes at 20:00.
    assert.deepEqual(
      outcomes.filter((o) => o.phase === 'warmup').map((o) => (o.window.start - START) / H),
      [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    );
    assert.deepEqual(
      outcomes.filter((o) => o.phase === 'scored').map((o) => (o.window.start - START) / H),
      Array.from({ length: 16 }, (_, i) => 20 + i),
    );
    assert.ok(anomalies(engine).size > before);
  });

  it('run mode starts at the newest complete window after a warm-up, then follows the clock with bounded catch-up', async () => {
    const engine = new MemoryEngine();
    const clock = { t: START + 20 * H + 5 * 60_000 }; // 20:05, delay 1m → newest complete window 19:00
    const w = worker(engine, plan(), 'A', clock, { kind: 'run' });
    await w.options.lease.tryAcquire();
    let step = await w.step(4);
    assert.equal(step.processed, 12 + 1);
    assert.equal(step.checkpoint.nextWindowStart, START + 20 * H);
    assert.equal(step.remaining, 0);
    clock.t = START + 30 * H + 5 * 60_000; // ten windows later
    await w.options.lease.renew();
    step = await w.step(4);
    assert.equal(step.processed, 4);
    assert.equal(step.remaining, 6);
    step = await w.step(100);
    assert.equal(step.processed, 6);
    assert.equal(step.checkpoint.nextWindowStart, START + 30 * H);
  });
});
