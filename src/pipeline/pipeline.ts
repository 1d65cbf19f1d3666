/**
 * Wires one configuration to a cluster: job plans, the anomaly/status writer with its
 * dead-letter sink, the alert dispatcher, the state store and one PartitionWorker (with its lease)
 * per (job, partition) this process is asked to work on. `vigil run` and `vigil backfill` build
 * on this; `vigil detect` (no cluster) uses the JobRunner directly.
 */
import type { VigilConfig } from '../config/schema.js';
import type { JobConfig } from '../config/job.js';
import type { Engine } from '../engine/engine.js';
import { AggregationExecutor } from '../features/aggregation-executor.js';
import type { FeatureExecutor } from '../features/executor.js';
import type { Logger } from '../log.js';
import { createDispatcher } from '../alerting/dispatcher.js';
import { BulkWriter } from './anomaly-writer.js';
import { clusterDeadLetterSink } from './dead-letter-sink.js';
import { durationMs } from '../config/duration.js';
import { planJob, type JobPlan } from './job-plan.js';
import { JobRunner, type AlertDispatcher, type RunMode, type WindowOutcome } from './job-runner.js';
import { Lease } from './lease.js';
import { PartitionWorker, type WorkerBounds } from './partition-worker.js';
import { StateStore } from './state-store.js';

/** The anomaly index a window's documents go to (monthly by window start when configured). */
export function anomalyIndexFor(config: Pick<VigilConfig, 'output' | 'pipeline'>, windowStart: number): string {
  if (config.pipeline.anomaly_index_period === 'none') return config.output.anomaly_index;
  const d = new Date(windowStart);
  return `${config.output.anomaly_index}-${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function bulkWriterFor(engine: Engine, config: VigilConfig, log: Logger): BulkWriter {
  const bulk = config.pipeline.bulk;
  return new BulkWriter(engine, {
    batchSize: bulk.batch_size,
    maxAttempts: bulk.max_attempts,
    initialBackoffMs: durationMs(bulk.initial_backoff),
    maxBackoffMs: durationMs(bulk.max_backoff),
    deadLetter: clusterDeadLetterSink(engine, config.output.dead_letter_index, log),
  });
}

/** Jobs selected by id (all when `ids` is empty); unknown ids are an error naming the known ones. */
export function selectJobs(config: VigilConfig, ids: readonly string[] | undefined): JobConfig[] {
  if (!ids || ids.length === 0) return config.jobs;
  const known = new Map(config.jobs.map((j) => [j.id, j]));
  return ids.map((id) => {
    const job = known.get(id);
    if (!job) throw new Error(`no job "${id}" in the config (jobs: ${[...known.keys()].join(', ')})`);
    return job;
  });
}

export function planJobs(jobs: readonly JobConfig[]): JobPlan[] {
  return jobs.map((job) => planJob(job));
}

export interface WorkerSetOptions {
  readonly config: VigilConfig;
  readonly engine: Engine;
  readonly log: Logger;
  /** Lease holder id of this process. */
  readonly holder: string;
  readonly mode: Exclude<RunMode, 'detect'>;
  readonly bounds: WorkerBounds;
  readonly jobIds?: readonly string[];
  /** Partitions to work on (default: all of every job). */
  readonly partitions?: readonly number[];
  /** Send alerts to the configured connectors (default true). */
  readonly alerts?: boolean;
  readonly executor?: FeatureExecutor;
  readonly dispatcher?: AlertDispatcher;
  readonly now?: () => number;
  readonly onWindow?: (worker: PartitionWorker, outcome: WindowOutcome) => void;
  readonly stopRequested?: () => boolean;
  /** Aborted when a shutdown's grace period is over: the window in progress is abandoned. */
  readonly abort?: AbortSignal;
}

export interface WorkerSet {
  readonly workers: PartitionWorker[];
  readonly plans: JobPlan[];
  readonly store: StateStore;
  readonly dispatcher: AlertDispatcher | undefined;
  close(): Promise<void>;
}

export function createWorkers(options: WorkerSetOptions): WorkerSet {
  const { config, engine, log } = options;
  const plans = planJobs(selectJobs(config, options.jobIds));
  const store = new StateStore(engine, config.output.state_index, { chunkBytes: config.pipeline.state_chunk_bytes, writer: options.holder });
  const writer = bulkWriterFor(engine, config, log);
  const executor = options.executor ?? new AggregationExecutor(engine);
  let dispatcher = options.dispatcher;
  let ownDispatcher: { close(): Promise<void> } | undefined;
  if (!dispatcher && options.alerts !== false && config.alerting.connectors.length > 0) {
    const created = createDispatcher({ config: config.alerting, engine, deadLetterIndex: config.output.dead_letter_index, stateIndex: config.output.state_index });
    dispatcher = created;
    ownDispatcher = created;
  }
  const ttlMs = durationMs(config.pipeline.lease_ttl);
  const workers: PartitionWorker[] = [];
  for (const plan of plans) {
    const count = plan.job.partitions;
    const wanted = options.partitions ?? Array.from({ length: count }, (_, i) => i);
    for (const index of wanted) {
      if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`job ${plan.job.id} has ${count} partition(s): partition ${index} does not exist`);
      const partition = { index, count };
      const lease = new Lease(engine, config.output.state_index, { jobId: plan.job.id, partition: index, holder: options.holder, ttlMs, now: options.now });
      const runner = new JobRunner({
        plan,
        partition,
        executor,
        sink: writer,
        anomalyIndex: (start) => anomalyIndexFor(config, start),
        statusIndex: config.output.status_index,
        dispatcher: options.alerts === false ? undefined : dispatcher,
        mode: options.mode,
        writeMinScore: config.pipeline.write_min_score,
        now: options.now,
        signal: options.abort,
      });
      const worker: PartitionWorker = new PartitionWorker({
        plan,
        partition,
        store,
        lease,
        runner,
        bounds: options.bounds,
        now: options.now,
        log,
        stopRequested: options.stopRequested,
        abort: options.abort,
        checkpointEvery: config.pipeline.checkpoint_every,
        onWindow: (outcome) => options.onWindow?.(worker, outcome),
      });
      workers.push(worker);
    }
  }
  return {
    workers,
    plans,
    store,
    dispatcher,
    close: async () => {
      await ownDispatcher?.close();
    },
  };
}
