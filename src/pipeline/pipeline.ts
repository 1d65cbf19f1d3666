/**
 * Wires one configuration to a cluster: job plans, the anomaly/status writer with its
 * dead-letter sink, the alert dispatcher, the state store, one PartitionWorker (with its lease)
 * per (job, partition) this process is asked to work on, and the slice pass that decides each time
 * slice over every job and writes its documents once. `vigil run` and `vigil backfill` build on
 * this; `vigil detect` (no cluster) uses the JobRunner and the SliceDecider directly.
 */
import type { VigilConfig } from '../config/schema.js';
import type { JobConfig } from '../config/job.js';
import type { Engine } from '../engine/engine.js';
import { AggregationExecutor } from '../features/aggregation-executor.js';
import { lookupTokeniser, privateExecutor } from '../privacy/index.js';
import type { FeatureExecutor } from '../features/executor.js';
import type { Logger } from '../log.js';
import { createDispatcher } from '../alerting/dispatcher.js';
import { analystPassLoader } from '../feedback/analyst-pass.js';
import { compileFilter, ecsTypeOf, type EventPredicate } from '../features/query-filter.js';
import type { RuleHitJob } from '../feedback/rule-hits.js';
import { BulkWriter } from './anomaly-writer.js';
import { clusterDeadLetterSink } from './dead-letter-sink.js';
import { durationMs } from '../config/duration.js';
import { planJob, type JobPlan } from './job-plan.js';
import { liveEntityCap, StateIndexColdStore } from './entity-eviction.js';
import {
  JobRunner,
  type AlertDispatcher,
  type DeliveryCounts,
  type PartitionScores,
  type RunMode,
  type WindowOutcome,
} from './job-runner.js';
import { Lease } from './lease.js';
import { PartitionWorker, type WorkerBounds } from './partition-worker.js';
import type { IncidentAlert } from './slice-decider.js';
import { SLICE_PASS_ID, SlicePass, type AlertSender } from './slice-pass.js';
import { SliceRecords } from './slice-records.js';
import { segmentingSinkFor } from './segment-sink.js';
import { StateStore } from './state-store.js';
import type { IncidentOptionsInput } from '../incidents/index.js';

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

/** The incident pass's options from the deployment-level `threshold` (alerts per day over all jobs). */
export function incidentOptionsOf(config: Pick<VigilConfig, 'threshold'>): IncidentOptionsInput {
  const t = config.threshold;
  return { alertsPerDay: t.alerts_per_day, ...(t.target_fpr !== undefined ? { targetFpr: t.target_fpr } : {}) };
}

/**
 * The one place incident alerts leave the pipeline: the dispatcher's durable outbox (delivery
 * runs in the background; `drain` at the end of a run). The incident id is the alert id; an
 * update carries the same id with its revision.
 */
export function alertSender(dispatcher: AlertDispatcher): AlertSender {
  return (alerts: readonly IncidentAlert[]) => dispatcher.enqueue(alerts.map((a) => ({ id: a.id, doc: a.doc, revision: a.revision })));
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
  /** After every window a partition has scored (warm-up included; nothing is written yet). */
  readonly onWindow?: (worker: PartitionWorker, outcome: WindowOutcome) => void;
  /** After the slice pass wrote a (job, partition) window's documents. */
  readonly onWritten?: (scores: PartitionScores, outcome: WindowOutcome) => void;
  readonly stopRequested?: () => boolean;
  /** Aborted when a shutdown's grace period is over: the window in progress is abandoned. */
  readonly abort?: AbortSignal;
}

export interface WorkerSet {
  readonly workers: PartitionWorker[];
  readonly plans: JobPlan[];
  readonly store: StateStore;
  readonly slices: SlicePass;
  readonly dispatcher: AlertDispatcher | undefined;
  /**
   * End of a run: waits (bounded by alerting.drain_timeout) for the outbox, then stops delivery
   * (what is left stays pending in the cluster for the next run). Undefined without alerting.
   */
  drainAlerts(): Promise<DeliveryCounts | undefined>;
  close(): Promise<void>;
}

/** Backfill commits every 24 windows (a crash redoes at most those); a caught-up run every window. */
function checkpointDefault(mode: 'run' | 'backfill'): number {
  return mode === 'backfill' ? 24 : 1;
}

export function createWorkers(options: WorkerSetOptions): WorkerSet {
  const { config, engine, log } = options;
  const plans = planJobs(selectJobs(config, options.jobIds));
  const store = new StateStore(engine, config.output.state_index, {
    chunkBytes: config.pipeline.state_chunk_bytes,
    writer: options.holder,
  });
  // Entities as documents name them (tokens under privacy.pseudonymise): for fairness segments and rule matches.
  const tokenise = lookupTokeniser(config.privacy);
  const writer = segmentingSinkFor(bulkWriterFor(engine, config, log), config.fairness, tokenise, { engine, log });
  const executor = privateExecutor(options.executor ?? new AggregationExecutor(engine), engine, config.privacy);
  let dispatcher = options.dispatcher;
  let ownDispatcher: { close(): Promise<void> } | undefined;
  if (!dispatcher && options.alerts !== false && config.alerting.connectors.length > 0) {
    const created = createDispatcher({
      config: config.alerting,
      engine,
      deadLetterIndex: config.output.dead_letter_index,
      stateIndex: config.output.state_index,
    });
    dispatcher = created;
    ownDispatcher = created;
  }
  const ttlMs = durationMs(config.pipeline.lease_ttl);
  const records = new SliceRecords(engine, config.output.state_index);
  const sendAlerts = options.alerts === false || !dispatcher ? undefined : alertSender(dispatcher);
  const analyst = analystPassLoader(
    engine,
    {
      feedback: config.feedback,
      lists: config.lists,
      anomalyIndex: config.output.anomaly_index,
      ...(config.rule_hits ? { ruleHits: config.rule_hits, jobs: ruleHitJobs(plans, log) } : {}),
      ...(config.rule_hits && tokenise ? { tokenise } : {}),
    },
    log,
    options.now,
  );
  const slices = new SlicePass({
    engine,
    log,
    plans,
    store,
    records,
    lease: new Lease(engine, config.output.state_index, {
      jobId: SLICE_PASS_ID,
      partition: 0,
      holder: options.holder,
      ttlMs,
      now: options.now,
    }),
    sink: writer,
    anomalyIndex: (start) => anomalyIndexFor(config, start),
    statusIndex: config.output.status_index,
    incidents: incidentOptionsOf(config),
    writeMinScore: config.pipeline.write_min_score,
    rollup: config.pipeline.rollup,
    checkpointEvery: config.pipeline.checkpoint_every ?? checkpointDefault(options.mode),
    mode: options.mode,
    ...(sendAlerts ? { sendAlerts } : {}),
    ...(sendAlerts && dispatcher ? { deliveryCounts: () => dispatcher.takeCounts() } : {}),
    now: options.now,
    stopRequested: options.stopRequested,
    signal: options.abort,
    onWindow: options.onWritten,
    ...(analyst ? { analyst } : {}),
  });
  const workers: PartitionWorker[] = [];
  const jobPartitions = plans.reduce((n, p) => n + (options.partitions?.length ?? p.job.partitions), 0);
  const liveCap = liveEntityCap(config.pipeline.entity_memory_mb, jobPartitions) || Number.MAX_SAFE_INTEGER;
  for (const plan of plans) {
    const count = plan.job.partitions;
    const wanted = options.partitions ?? Array.from({ length: count }, (_, i) => i);
    for (const index of wanted) {
      if (!Number.isInteger(index) || index < 0 || index >= count)
        throw new Error(`job ${plan.job.id} has ${count} partition(s): partition ${index} does not exist`);
      const partition = { index, count };
      const lease = new Lease(engine, config.output.state_index, {
        jobId: plan.job.id,
        partition: index,
        holder: options.holder,
        ttlMs,
        now: options.now,
      });
      const runner = new JobRunner({
        plan,
        partition,
        executor,
        sink: writer,
        anomalyIndex: (start) => anomalyIndexFor(config, start),
        mode: options.mode,
        writeMinScore: config.pipeline.write_min_score,
        neighbours: config.pipeline.neighbours,
        now: options.now,
        signal: options.abort,
        eviction: {
          cap: liveCap,
          store: new StateIndexColdStore(engine, config.output.state_index, plan.job.id, index),
          retentionMs: durationMs(config.pipeline.cold_entity_retention),
        },
      });
      const worker: PartitionWorker = new PartitionWorker({
        plan,
        partition,
        store,
        lease,
        runner,
        records,
        bounds: options.bounds,
        now: options.now,
        log,
        stopRequested: options.stopRequested,
        abort: options.abort,
        checkpointEvery: config.pipeline.checkpoint_every ?? checkpointDefault(options.mode),
        checkpointIntervalMs: durationMs(config.pipeline.checkpoint_interval),
        onWindow: (outcome) => options.onWindow?.(worker, outcome),
      });
      workers.push(worker);
    }
  }
  return {
    workers,
    plans,
    store,
    slices,
    dispatcher,
    drainAlerts: async () => {
      if (!sendAlerts || !dispatcher) return undefined;
      const drained = await dispatcher.drain();
      if (!ownDispatcher) return drained;
      // Closing lets attempts that were under way record their outcome: count those too.
      await ownDispatcher.close();
      const late = dispatcher.takeCounts();
      return {
        delivered: drained.delivered + late.delivered,
        retried: drained.retried + late.retried,
        deadLettered: drained.deadLettered + late.deadLettered,
        suppressed: drained.suppressed + late.suppressed,
        pending: Math.max(0, drained.pending - late.delivered - late.deadLettered),
      };
    },
    close: async () => {
      await ownDispatcher?.close();
    },
  };
}

/**
 * What rule matches may raise, per job: windows of its entity fields, when the job reads the
 * matched event. A filter the in-memory compiler cannot evaluate accepts every match (said once).
 */
function ruleHitJobs(plans: readonly JobPlan[], log: Logger): RuleHitJob[] {
  return plans.map((p) => {
    let accepts: EventPredicate = () => true;
    try {
      accepts = compileFilter(p.resolved.filter, ecsTypeOf);
    } catch (error) {
      log.warn(
        { job: p.job.id, err: error instanceof Error ? error.message : String(error) },
        "rule_hits: the job's filter cannot be checked against rule matches; every match naming its entities counts",
      );
    }
    return { id: p.job.id, entityFields: p.resolved.entityFields, accepts };
  });
}
