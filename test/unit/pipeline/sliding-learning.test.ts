/**
 * Sliding windows are all scored, but the models learn only from the windows that tile time
 * (window-planner.ts learnsFrom): hourly windows sliding by 15 minutes teach the ensemble what
 * hourly windows that do not slide would, no event four times.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryExecutor } from '../../../src/features/memory-executor.js';
import { FirstSeenStore } from '../../../src/pipeline/first-seen-store.js';
import { JobRunner, type DocumentSink, type PartitionState } from '../../../src/pipeline/job-runner.js';
import { windowsInRange } from '../../../src/pipeline/window-planner.js';
import { generateAuthEvents } from '../../fixtures/pipeline-events.js';
import { H, plan, START } from './worker-fixture.js';

const { events } = generateAuthEvents({ start: START, hours: 30, users: 10, hosts: 4, attackHour: 28 });
/** `score` writes nothing (the slice pass does); the sink is never called. */
const sink: DocumentSink = { write: () => Promise.reject(new Error('score() must not write')) };

async function learnedAfter(slide: string): Promise<{ learned: number; scoredWindows: number; entityWindows: number }> {
  const p = plan({ slide, warmup: '12h' });
  const runner = new JobRunner({
    plan: p,
    partition: { index: 0, count: 1 },
    executor: new MemoryExecutor(events),
    sink,
    anomalyIndex: () => 'anomalies',
    mode: 'detect',
    writeMinScore: 0,
  });
  const state: PartitionState = { ensemble: null, firstSeen: new FirstSeenStore() };
  const warm = windowsInRange(p.spec, START, START + 12 * H + p.spec.windowMs - p.spec.slideMs);
  await runner.warmup(warm, state);
  const scored = windowsInRange(p.spec, START + 12 * H, START + 24 * H);
  let entityWindows = 0;
  for (const w of scored) entityWindows += (await runner.score(w, state)).entities;
  const json = state.ensemble?.toJSON();
  assert.ok(json);
  return { learned: json.learned, scoredWindows: scored.length, entityWindows };
}

describe('sliding windows: every window scored, non-overlapping ones learned', () => {
  it('hourly windows sliding by 15 minutes teach the models what hourly windows do', async () => {
    const hourly = await learnedAfter('1h');
    const sliding = await learnedAfter('15m');
    // Four times as many windows scored …
    assert.equal(hourly.scoredWindows, 12);
    assert.equal(sliding.scoredWindows, 45);
    assert.ok(sliding.entityWindows > 3 * hourly.entityWindows, `${sliding.entityWindows} vs ${hourly.entityWindows}`);
    // … but the same windows learned, warm-up included.
    assert.equal(sliding.learned, hourly.learned);
  });
});
