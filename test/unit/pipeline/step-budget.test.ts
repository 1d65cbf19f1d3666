import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anomalies, decide, drive, H, plan, START, worker } from './worker-fixture.js';
import { MemoryEngine } from './memory-engine.js';
import type { WorkerBounds } from '../../../src/pipeline/partition-worker.js';

const backfill: WorkerBounds = { kind: 'backfill', from: START, to: START + 36 * H };

describe('partition worker: a step bounded by entity-windows', () => {
  it('ends a step once its windows hold the budget, reads the next step’s first window ahead, and writes the same documents', async () => {
    const clock = { t: START + 100 * H };
    const straight = new MemoryEngine();
    const a = worker(straight, plan(), 'A', clock, backfill);
    await a.options.lease.tryAcquire();
    await drive(a, Infinity, 10);

    const bounded = new MemoryEngine();
    let entities: number[] = [];
    const b = worker(bounded, plan(), 'B', clock, backfill, (o) => {
      if (o.phase === 'scored') entities.push(o.entities);
    });
    await b.options.lease.tryAcquire();
    const steps: number[][] = [];
    for (;;) {
      const step = await b.step(10, 15);
      await decide(b);
      steps.push(entities);
      entities = [];
      if (step.remaining === 0) break;
    }
    // Up to 10 users a window (fewer at night): a step goes on while its windows hold fewer than 15
    // entity-windows, and stops at the window that reaches them.
    for (const step of steps) {
      const beforeLast = step.slice(0, -1).reduce((x, y) => x + y, 0);
      assert.ok(beforeLast < 15, steps.map((s) => s.join('+')).join(' | '));
      assert.ok(
        step.length === 10 || beforeLast + (step.at(-1) ?? 0) >= 15 || step === steps.at(-1),
        steps.map((s) => s.join('+')).join(' | '),
      );
    }
    assert.ok(steps.some((s) => s.length === 2) && steps.length > 3, steps.map((s) => s.join('+')).join(' | '));
    assert.equal(steps.flat().length, 24);
    assert.deepEqual(anomalies(bounded), anomalies(straight));
  });
});
