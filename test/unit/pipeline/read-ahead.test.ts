import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeatureExecutor, WindowRequest, WindowResult } from '../../../src/features/executor.js';
import { FieldIssues } from '../../../src/features/field-issues.js';
import { MemoryExecutor } from '../../../src/features/memory-executor.js';
import { FirstSeenStore } from '../../../src/pipeline/first-seen-store.js';
import { JobRunner, type ComputedWindow, type PartitionState } from '../../../src/pipeline/job-runner.js';
import { ReadAhead } from '../../../src/pipeline/read-ahead.js';
import { windowAt, type TimeWindow } from '../../../src/pipeline/window-planner.js';
import { events, plan, START, H } from './worker-fixture.js';

/** An executor that logs when each window's read starts and when its baseline is applied. */
class LoggingExecutor implements FeatureExecutor {
  readonly log: string[] = [];
  /** first_seen_host of every entity-window read. */
  readonly newHosts: number[] = [];
  private readonly inner = new MemoryExecutor(events);

  async computeWindow(req: WindowRequest): Promise<WindowResult> {
    const hour = (req.start - START) / H;
    this.log.push(`read ${hour}`);
    const result = await this.inner.computeWindow(req);
    this.log.push(`finished ${hour}`);
    for (const w of result.windows) this.newHosts.push(w.features.first_seen_host);
    return result;
  }
}

function runnerWith(executor: FeatureExecutor): JobRunner {
  const p = plan();
  return new JobRunner({
    plan: p,
    partition: { index: 0, count: 1 },
    executor,
    sink: { write: async () => ({ written: 0, retried: 0, deadLettered: 0, requests: 0 }) },
    anomalyIndex: () => 'anomalies',
    mode: 'backfill',
    writeMinScore: 0,
    neighbours: true,
    now: () => 0,
  });
}

function hours(from: number, to: number): TimeWindow[] {
  const spec = plan().spec;
  return Array.from({ length: to - from }, (_, i) => windowAt(spec, START + (from + i) * H));
}

const fresh = (): PartitionState => ({ ensemble: null, firstSeen: new FirstSeenStore() });

describe('ReadAhead', () => {
  it('reads the next window while this one is scored, and scores exactly what one-by-one reading scores', async () => {
    const warm = hours(0, 12);
    const scored = hours(12, 36);

    // One by one: each window read only once the one before it is scored.
    const plain = runnerWith(new MemoryExecutor(events));
    const a = fresh();
    await plain.warmup(warm, a);
    const one: string[] = [];
    for (const w of scored) for (const b of (await plain.score(w, a)).anomalies) one.push(JSON.stringify(b));

    const executor = new LoggingExecutor();
    const ahead = runnerWith(executor);
    const b = fresh();
    await ahead.warmup(warm, b);
    const reader = new ReadAhead(ahead, b);
    const both: string[] = [];
    executor.log.length = 0;
    for (let i = 0; i < scored.length; i++) {
      const scores = await ahead.score(scored[i], b, reader.take(scored[i], scored[i + 1]));
      executor.log.push(`scored ${12 + i}`);
      reader.done();
      for (const x of scores.anomalies) both.push(JSON.stringify(x));
    }
    reader.cancel();

    assert.equal(both.length, one.length);
    assert.deepEqual(both, one, 'the same documents, first-seen features included');
    // The comparison covers first-seen hosts, what the baseline gate protects: known hosts (0) and new ones.
    assert.ok(executor.newHosts.includes(0) && executor.newHosts.some((n) => n > 0), executor.newHosts.join(','));
    // Window 13 is read before window 12 is scored, and finished only after it.
    const at = (s: string): number => executor.log.indexOf(s);
    assert.ok(at('read 13') >= 0 && at('read 13') < at('scored 12'), executor.log.slice(0, 8).join(', '));
    assert.ok(at('finished 13') > at('scored 12'), executor.log.slice(0, 8).join(', '));
    // The engine sees one window's reads at a time.
    assert.ok(at('read 13') > at('finished 12'));
  });

  it('surfaces a failed read ahead where its window is taken, and an abandoned one nowhere', async () => {
    const fetched: number[] = [];
    const runner = {
      fetch: (window: TimeWindow, _state: PartitionState, ready: Promise<void>): Promise<ComputedWindow> => {
        fetched.push(window.start);
        if (window.start === START + 2 * H) return Promise.reject(new Error('engine down'));
        return ready.then(() => ({ windows: [], fieldIssues: new FieldIssues(), skippedNoEntity: 0 }));
      },
    };
    const [w0, w1, w2, w3] = hours(0, 4);
    const reader = new ReadAhead(runner, fresh());
    await reader.take(w0, w1);
    reader.done();
    const second = reader.take(w1, w2);
    await second;
    reader.done();
    await assert.rejects(reader.take(w2, w3), /engine down/);
    // w3's read ahead is never taken: cancelled without an unhandled rejection, its gate released.
    reader.cancel();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      fetched.map((t) => (t - START) / H),
      [0, 1, 2],
      'each window read once; w3 is not read after w2 failed',
    );
  });

  it('the memory executor applies no baseline before baselineReady resolves', async () => {
    const executor = new MemoryExecutor(events);
    const p = plan();
    const w = windowAt(p.spec, START + 13 * H);
    let open = (): void => undefined;
    const gate = new Promise<void>((r) => (open = r));
    let done = false;
    const pending = executor
      .computeWindow({ ...p.request(w, { index: 0, count: 1 }), baselineReady: gate })
      .then((r) => ((done = true), r));
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    open();
    const result = await pending;
    assert.ok(result.windows.length > 0);
  });
});
