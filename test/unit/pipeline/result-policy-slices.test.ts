/**
 * The result-write policy through the real partition worker and slice pass (memory engine): the
 * default policy keeps exactly the full run's documents that are alerts, in an alerted incident or score
 * ≥ 50, byte for byte; every entity-window is counted in exactly one daily rollup; and a run killed
 * mid-day and resumed by another runner writes the same documents and rollups (the open periods are
 * committed with the slice checkpoint).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkerBounds } from '../../../src/pipeline/partition-worker.js';
import { shouldWrite } from '../../../src/pipeline/result-policy.js';
import { H, START, anomalies, drive, plan, worker, type SlicePolicy } from './worker-fixture.js';
import { MemoryEngine } from './memory-engine.js';

interface Doc {
  event: { dataset: string };
  vigil: {
    score: number;
    is_alert: boolean;
    incident?: { alerted: boolean };
    entity: { value: string };
    window: { start: string };
    rollup?: { windows: number; max_score: number };
  };
}

const backfill: WorkerBounds = { kind: 'backfill', from: START, to: START + 36 * H };
const DEFAULTS: SlicePolicy = { writeMinScore: 50, rollup: 'day' };

async function run(policy: SlicePolicy, crashAfterSteps?: number): Promise<Map<string, string>> {
  const clock = { t: START + 100 * H };
  const engine = new MemoryEngine();
  const a = worker(engine, plan(), 'A', clock, backfill, undefined, undefined, {}, policy);
  await a.options.lease.tryAcquire();
  if (crashAfterSteps === undefined) {
    await drive(a);
    return anomalies(engine);
  }
  await drive(a, crashAfterSteps, 3);
  clock.t += 31_000; // A's leases lapse: B resumes from the committed state
  const b = worker(engine, plan(), 'B', clock, backfill, undefined, undefined, {}, policy);
  await b.options.lease.tryAcquire();
  await drive(b);
  return anomalies(engine);
}

describe('result-write policy in the slice pass', () => {
  it('keeps the full run’s alerts, alerted incidents’ windows and scores ≥ 50 byte for byte, and counts every entity-window in one rollup', async () => {
    const full = await run({ writeMinScore: 0, rollup: 'none' });
    const policy = await run(DEFAULTS);
    const parse = (s: string): Doc => JSON.parse(s) as Doc;
    const kept = [...full].filter(([, d]) => shouldWrite(parse(d), 50));
    const windows = [...policy].filter(([, d]) => parse(d).event.dataset === 'vigil.anomaly');
    assert.deepEqual(new Map(windows), new Map(kept));
    assert.ok(kept.length < full.size, `${kept.length} of ${full.size} kept`);
    const rollups = [...policy.values()].map(parse).filter((d) => d.event.dataset === 'vigil.rollup');
    // Scored hours 12–35 of 2026-03-02/03: two days, each user seen on both.
    assert.equal(
      rollups.reduce((n, r) => n + r.vigil.rollup!.windows, 0),
      full.size,
    );
    assert.equal(new Set(rollups.map((r) => `${r.vigil.entity.value}@${r.vigil.window.start}`)).size, rollups.length);
    for (const r of rollups) {
      const mine = [...full.values()]
        .map(parse)
        .filter(
          (d) => d.vigil.entity.value === r.vigil.entity.value && d.vigil.window.start.slice(0, 10) === r.vigil.window.start.slice(0, 10),
        );
      assert.equal(r.vigil.rollup!.windows, mine.length);
      assert.equal(r.vigil.rollup!.max_score, Math.max(...mine.map((d) => d.vigil.score)));
    }
  });

  it('a run killed mid-day and resumed by another runner writes the same documents and rollups', async () => {
    const straight = await run(DEFAULTS);
    for (const crashAfter of [2, 4])
      assert.deepEqual(await run({ ...DEFAULTS, checkpointEvery: 2 }, crashAfter), straight, `killed after ${crashAfter} steps`);
  });
});
