/** Shared set-up of the partition-worker unit tests: generated events, the memory executor, a memory engine. */
import { jobSchema } from '../../../src/config/job.js';
import { MemoryExecutor } from '../../../src/features/memory-executor.js';
import { BulkWriter } from '../../../src/pipeline/anomaly-writer.js';
import { planJob, type JobPlan } from '../../../src/pipeline/job-plan.js';
import { JobRunner, type JobRunnerOptions, type WindowOutcome } from '../../../src/pipeline/job-runner.js';
import { Lease } from '../../../src/pipeline/lease.js';
import { PartitionWorker, type WorkerBounds } from '../../../src/pipeline/partition-worker.js';
import type { IncidentAlert } from '../../../src/pipeline/slice-decider.js';
import { SlicePass, type SlicePassOptions } from '../../../src/pipeline/slice-pass.js';
import { SliceRecords } from '../../../src/pipeline/slice-records.js';
import { StateStore } from '../../../src/pipeline/state-store.js';
import { log } from '../../../src/log.js';
import { generateAuthEvents } from '../../fixtures/pipeline-events.js';
import { MemoryEngine } from './memory-engine.js';

export const H = 3_600_000;
export const START = Date.parse('2026-03-02T00:00:00Z');
export const { events, attack } = generateAuthEvents({ start: START, hours: 36, users: 10, hosts: 4, attackHour: 30 });
const executor = new MemoryExecutor(events);
const quiet = log.child({});
quiet.level = 'silent';

export function plan(overrides: Record<string, unknown> = {}): JobPlan {
  return planJob(
    jobSchema.parse({ id: 'auth', preset: 'auth_by_user', index: 'events', window: '1h', slide: '1h', warmup: '12h', ...overrides }),
  );
}

export interface Clock {
  t: number;
}

const slicePasses = new WeakMap<PartitionWorker, SlicePass>();

/** A partition worker, with the slice pass that decides and writes what it scores (see `drive`). */
/** The result-write policy of the slice pass (default: every entity-window, no rollups). */
export type SlicePolicy = Partial<Pick<SlicePassOptions, 'writeMinScore' | 'rollup' | 'checkpointEvery'>>;

export function worker(
  engine: MemoryEngine,
  p: JobPlan,
  holder: string,
  clock: Clock,
  bounds: WorkerBounds,
  onWindow?: (o: WindowOutcome) => void,
  alerts?: IncidentAlert[],
  runnerOptions: Partial<JobRunnerOptions> = {},
  policy: SlicePolicy = {},
): PartitionWorker {
  const writer = new BulkWriter(engine, {
    batchSize: 100,
    maxAttempts: 3,
    initialBackoffMs: 1,
    maxBackoffMs: 2,
    deadLetter: async () => undefined,
  });
  const now = (): number => clock.t;
  const partition = { index: 0, count: 1 };
  const store = new StateStore(engine, 'state', { chunkBytes: 20_000, writer: holder });
  const records = new SliceRecords(engine, 'state');
  const w = new PartitionWorker({
    plan: p,
    partition,
    store,
    lease: new Lease(engine, 'state', { jobId: p.job.id, partition: 0, holder, ttlMs: 30_000, now }),
    runner: new JobRunner({
      plan: p,
      partition,
      executor,
      sink: writer,
      anomalyIndex: () => 'anomalies',
      mode: 'backfill',
      writeMinScore: 0,
      now,
      ...runnerOptions,
    }),
    records,
    bounds,
    now,
    log: quiet,
    onWindow,
  });
  slicePasses.set(
    w,
    new SlicePass({
      engine,
      log: quiet,
      plans: [p],
      store,
      records,
      lease: new Lease(engine, 'state', { jobId: '_slices', partition: 0, holder, ttlMs: 30_000, now }),
      sink: writer,
      anomalyIndex: () => 'anomalies',
      statusIndex: 'status',
      incidents: {},
      writeMinScore: 0,
      checkpointEvery: 1,
      mode: 'backfill',
      now,
      ...policy,
      ...(alerts ? { sendAlerts: async (a: readonly IncidentAlert[]) => void alerts.push(...a) } : {}),
    }),
  );
  return w;
}

/** The slice pass after a step: decides and writes every slice the worker has scored. */
export async function decide(w: PartitionWorker): Promise<void> {
  const slices = slicePasses.get(w)!;
  const b = w.options.bounds;
  if (b.kind === 'run') await slices.runPass();
  else await slices.backfillPass({ from: b.from, to: b.to, restart: false, leaseWaitMs: 0 });
}

export function anomalies(engine: MemoryEngine): Map<string, string> {
  return new Map([...(engine.indices.get('anomalies') ?? new Map()).entries()].map(([id, s]) => [id, JSON.stringify(s.doc)]));
}

export async function drive(w: PartitionWorker, maxSteps = Infinity, perStep = 5): Promise<number> {
  let windows = 0;
  for (let i = 0; i < maxSteps; i++) {
    const step = await w.step(perStep);
    await decide(w);
    windows += step.processed;
    if (step.remaining === 0) break;
  }
  return windows;
}
