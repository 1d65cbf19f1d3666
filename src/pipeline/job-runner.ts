/**
 * One job partition, one window at a time: features → observations → ensemble score (and online
 * update) → anomaly documents as the ensemble scored them. In the cluster pipeline these go to the
 * slice pass (slice-pass.ts), which decides incidents over every job and writes them once. Holds no I/O of its own
 * besides the ports it is given, so the same code serves `vigil run`, `vigil backfill` (state in
 * the cluster, partition-worker.ts) and `vigil detect` (NDJSON in, NDJSON out, state in memory).
 *
 * Checkpointing is the caller's: the partition worker commits the partition state only after the
 * window's scores were kept for the slice pass (slice-records.ts). A crash in between redoes the
 * window, and the deterministic ids make that idempotent.
 */
import type { AnomalyDocument, StatusBudget, StatusDocument } from '../anomaly/document.js';
import type { JsonObject } from '../engine/engine.js';
import type { EntityWindow, FeatureExecutor } from '../features/executor.js';
import { FieldIssues } from '../features/field-issues.js';
import { Ensemble, type Observation, type ScoredObservation } from '../models/ensemble.js';
import { LiveSet, type ColdEntityStore } from './entity-eviction.js';
import { buildAnomaly, entityKey, withNeighbours, type BuiltAnomaly } from './anomaly-builder.js';
import { NeighbourMemory } from '../models/neighbours.js';
import { ReadAhead } from './read-ahead.js';
import type { WriteItem, WriteReport } from './anomaly-writer.js';
import type { FirstSeenStore } from './first-seen-store.js';
import type { JobPlan } from './job-plan.js';
import { learnsFrom, type TimeWindow } from './window-planner.js';

/** Where documents go: the cluster (BulkWriter) or a file (NdjsonSink). */
export interface DocumentSink {
  write(items: readonly WriteItem[]): Promise<WriteReport>;
}

export interface DeliveryCounts {
  delivered: number;
  retried: number;
  deadLettered: number;
  suppressed: number;
  /** Gauge: alerts in the outbox not yet delivered or dead-lettered. */
  pending: number;
}

/**
 * The alert dispatcher (src/alerting/dispatcher.ts), as the pipeline uses it. `enqueue` returns once
 * the alerts are in the durable outbox; delivery runs in the background, off the scoring path.
 */
export interface AlertDispatcher {
  enqueue(alerts: readonly { id: string; doc: AnomalyDocument; revision?: number }[]): Promise<void>;
  /** Counts since the last call and the pending gauge; never waits for a receiver. */
  takeCounts(): DeliveryCounts;
  /** End of a run only: waits (bounded by alerting.drain_timeout) for the outbox to empty. */
  drain(): Promise<DeliveryCounts>;
}

export type RunMode = 'run' | 'backfill' | 'detect';

/** What a partition keeps between windows (and in its committed state). */
export interface PartitionState {
  ensemble: Ensemble | null;
  firstSeen: FirstSeenStore;
  /** Live and cold entities when the live set is capped (entity-eviction.ts). */
  live?: LiveSet;
  /** Past windows per entity for nearest-neighbour evidence (src/models/neighbours.ts); bounded, checkpointed with the model. */
  neighbours?: NeighbourMemory;
}

export interface WindowOutcome {
  readonly window: TimeWindow;
  readonly phase: 'warmup' | 'scored';
  readonly events: number;
  readonly entities: number;
  readonly anomaliesWritten: number;
  readonly alerts: number;
  /** Documents refused by the cluster and parked in the dead-letter index. */
  readonly rejected: number;
  readonly retried: number;
  readonly delivery: DeliveryCounts;
  readonly maxScore: number;
  readonly durationMs: number;
  readonly fieldIssues: FieldIssues;
  /** Events in scope skipped because no entity field (nor fallback) held a value. */
  readonly skippedNoEntity: number;
  /** The slice's threshold when verdicts warm-started it (slice pass only). */
  readonly budget?: StatusBudget;
  /** Cold-entity documents swept from the state index after this window's commit (entity-eviction.ts). */
  readonly coldSwept?: number;
}

/**
 * One (job, partition) window scored by the ensemble, before the incident pass: the documents as
 * the ensemble alone would write them, and the window's counts for the status document.
 */
export interface PartitionScores {
  readonly job: string;
  readonly partition: number;
  readonly window: TimeWindow;
  readonly anomalies: BuiltAnomaly[];
  readonly events: number;
  readonly entities: number;
  readonly maxScore: number;
  readonly durationMs: number;
  readonly fieldIssues: FieldIssues;
  /** Events of the window without any entity value (counted, never silently dropped). */
  readonly skippedNoEntity: number;
}

export interface JobRunnerOptions {
  readonly plan: JobPlan;
  readonly partition: { readonly index: number; readonly count: number };
  readonly executor: FeatureExecutor;
  readonly sink: DocumentSink;
  /** Anomaly index for a window (a fixed name, or monthly by window start). */
  readonly anomalyIndex: (windowStart: number) => string;
  /** Status documents (one per scored window) go to this index through the sink; none when undefined. */
  readonly statusIndex?: string;
  readonly mode: RunMode;
  /** Non-alert entity-windows scoring below this are not written (0 = write all). */
  readonly writeMinScore: number;
  /**
   * Add nearest-neighbour evidence (src/models/neighbours.ts) to the documents (`pipeline.neighbours`,
   * on by default). Its memory is part of the partition state, so a runner resumed from its
   * checkpoint writes the same evidence as an uninterrupted one.
   */
  readonly neighbours?: boolean;
  readonly now?: () => number;
  /** Checked between the steps of a window: once aborted, nothing more is written. */
  readonly signal?: AbortSignal;
  /**
   * Cap the live entities of this partition, evicting the idlest to `store` (entity-eviction.ts); none when undefined.
   * Cold entities idle longer than `retentionMs` are forgotten and swept by the partition worker (never when undefined).
   */
  readonly eviction?: { readonly cap: number; readonly store: ColdEntityStore; readonly retentionMs?: number };
}

/** A window's entity-windows as read (sorted by entity), before any scoring. */
export interface ComputedWindow {
  readonly windows: EntityWindow[];
  readonly fieldIssues: FieldIssues;
  readonly skippedNoEntity: number;
}

export class WindowAbortedError extends Error {
  constructor(window: TimeWindow) {
    super(`window ${new Date(window.start).toISOString()} abandoned (shutdown)`);
    this.name = 'WindowAbortedError';
  }
}

const NO_DELIVERY: DeliveryCounts = { delivered: 0, retried: 0, deadLettered: 0, suppressed: 0, pending: 0 };

export function observationOf(w: EntityWindow): Observation {
  return {
    entity: entityKey(w),
    time: w.start,
    features: { ...w.features },
    categorical: w.categorical,
    ...(w.actions ? { actions: w.actions } : {}),
    ...(w.arrivals ? { arrivals: w.arrivals } : {}),
  };
}

/** The executors sort by entity value already; sorting again makes scoring order independent of any executor. */
function byEntity(a: EntityWindow, b: EntityWindow): number {
  return a.entity.value < b.entity.value ? -1 : a.entity.value > b.entity.value ? 1 : 0;
}

export function statusDocumentId(jobId: string, partition: number, windowStart: number): string {
  return `${jobId}:p${partition}:${windowStart}`;
}

export class JobRunner {
  private readonly now: () => number;

  constructor(readonly options: JobRunnerOptions) {
    this.now = options.now ?? Date.now;
  }

  private checkAborted(window: TimeWindow): void {
    if (this.options.signal?.aborted) throw new WindowAbortedError(window);
  }

  /**
   * Reads a window's entity-windows. With `baselineReady`, the engine is read at once and the
   * first-seen baseline applied once it resolves: a caller scoring the previous window meanwhile
   * resolves it after that window has updated the baseline (see `fetch`).
   */
  private async compute(window: TimeWindow, state: PartitionState, baselineReady?: Promise<void>): Promise<ComputedWindow> {
    const { plan, partition, executor } = this.options;
    const result = await executor.computeWindow({
      ...plan.request(window, partition),
      baseline: state.firstSeen,
      ...(baselineReady ? { baselineReady } : {}),
    });
    const issues = new FieldIssues().merge(result.fieldIssues);
    return { windows: [...result.windows].sort(byEntity), fieldIssues: issues, skippedNoEntity: result.skippedNoEntity ?? 0 };
  }

  /**
   * Starts reading `window` while the caller is still scoring the one before it, so the engine's
   * work overlaps the scoring (issue 12). The first-seen baseline is applied only once
   * `baselineReady` resolves, which the caller does after the previous window's `score` (or
   * `warmupWindow`) returned: the entity-windows are exactly those a sequential read gives. Hand the
   * result to `score` / `warmupWindow`.
   */
  fetch(window: TimeWindow, state: PartitionState, baselineReady: Promise<void>): Promise<ComputedWindow> {
    this.checkAborted(window);
    return this.compute(window, state, baselineReady);
  }

  /**
   * Warm-up: computes the windows oldest first (first-seen baselines warmed as it goes) and fits a
   * fresh ensemble on all their observations. Writes nothing.
   */
  async warmup(windows: readonly TimeWindow[], state: PartitionState, onWindow?: (o: WindowOutcome) => void): Promise<WindowOutcome[]> {
    const history: Observation[] = [];
    const outcomes: WindowOutcome[] = [];
    // A fresh fit starts a fresh memory (a warm-up redone after a crash must not remember twice).
    delete state.neighbours;
    const ahead = new ReadAhead(this, state);
    try {
      for (let i = 0; i < windows.length; i++) {
        const outcome = await this.warmupWindow(windows[i], state, history, ahead.take(windows[i], windows[i + 1]));
        ahead.done();
        outcomes.push(outcome);
        onWindow?.(outcome);
      }
    } finally {
      ahead.cancel();
    }
    const lastWindow = windows.at(-1);
    if (lastWindow) this.checkAborted(lastWindow);
    state.ensemble = new Ensemble(this.options.plan.ensembleParams).fit(history);
    const eviction = this.options.eviction;
    if (eviction && lastWindow) {
      // A fresh fit: any earlier cold entities belong to the model that was replaced.
      state.live = new LiveSet(eviction.cap);
      for (const o of history) await state.live.arrive([o.entity], o.time, state, eviction.store);
      await state.live.evictBeyondCap(lastWindow.start, state, eviction.store);
    }
    return outcomes;
  }

  /** One warm-up window: remembered for the fit (`history`), the neighbour memory and the first-seen baseline. */
  private async warmupWindow(
    window: TimeWindow,
    state: PartitionState,
    history: Observation[],
    fetched: Promise<ComputedWindow>,
  ): Promise<WindowOutcome> {
    this.checkAborted(window);
    const started = this.now();
    const { windows: entityWindows, fieldIssues, skippedNoEntity } = await fetched;
    // Computed anyway (first-seen baselines warm on every window); fitted on non-overlapping ones.
    const learned = learnsFrom(this.options.plan.spec, window.start) ? entityWindows.map(observationOf) : [];
    for (const o of learned) history.push(o);
    if (learned.length > 0 && this.options.neighbours) {
      const memory = (state.neighbours ??= new NeighbourMemory({ seed: this.options.plan.job.seed }));
      for (const o of learned) memory.remember(o.entity, o.time, o.features, memory.nearest(o.entity, o.features).nearest[0]?.distance);
    }
    state.firstSeen.update(entityWindows, this.options.plan.resolved.features);
    return {
      window,
      phase: 'warmup',
      events: entityWindows.reduce((n, w) => n + w.eventCount, 0),
      entities: entityWindows.length,
      anomaliesWritten: 0,
      alerts: 0,
      rejected: 0,
      retried: 0,
      delivery: NO_DELIVERY,
      maxScore: 0,
      durationMs: this.now() - started,
      fieldIssues,
      skippedNoEntity,
    };
  }

  /**
   * Scores one window without writing anything: the entity-windows' documents as the ensemble alone
   * would write them (no incident decision yet). Mutates `state` (online learning, baselines). The
   * cluster pipeline hands the result to the slice pass (slice-pass.ts), which decides and writes.
   */
  async score(window: TimeWindow, state: PartitionState, fetched?: Promise<ComputedWindow>): Promise<PartitionScores> {
    const { plan, partition } = this.options;
    const started = this.now();
    this.checkAborted(window);
    const { windows: entityWindows, fieldIssues, skippedNoEntity } = await (fetched ?? this.compute(window, state));
    this.checkAborted(window);

    const ensemble = state.ensemble ?? new Ensemble(plan.ensembleParams).fit([]);
    state.ensemble = ensemble;
    // Score every entity of the window against the same model state, then learn: the scores of a
    // window never depend on the order its entities come in.
    const observations = entityWindows.map(observationOf);
    const eviction = this.options.eviction;
    if (eviction) {
      state.live ??= new LiveSet(eviction.cap);
      await state.live.arrive(
        observations.map((o) => o.entity),
        window.start,
        state,
        eviction.store,
      );
    }
    const scored: ScoredObservation[] = observations.map((o) => ensemble.scoreOne(o));
    const learns = learnsFrom(plan.spec, window.start);
    if (learns) observations.forEach((o, i) => ensemble.learnOne(o, scored[i]));
    state.firstSeen.update(entityWindows, plan.resolved.features);
    if (eviction && state.live) await state.live.evictBeyondCap(window.start, state, eviction.store);

    // Nearest past windows of each entity, looked up before the window is remembered.
    const memory = this.options.neighbours ? (state.neighbours ??= new NeighbourMemory({ seed: plan.job.seed })) : undefined;
    const evidence = memory ? observations.map((o) => memory.nearest(o.entity, o.features)) : [];
    if (memory && learns) observations.forEach((o, i) => memory.remember(o.entity, o.time, o.features, evidence[i].nearest[0]?.distance));

    const anomalies: BuiltAnomaly[] = entityWindows.map((w, i) => {
      const built = buildAnomaly(w, scored[i], plan.info, partition.index);
      return memory ? withNeighbours(built, evidence[i]) : built;
    });
    return {
      job: plan.job.id,
      partition: partition.index,
      window,
      anomalies,
      events: entityWindows.reduce((n, w) => n + w.eventCount, 0),
      entities: entityWindows.length,
      maxScore: anomalies.reduce((m, b) => Math.max(m, b.doc.vigil.score), 0),
      durationMs: this.now() - started,
      fieldIssues,
      skippedNoEntity,
    };
  }

  /**
   * Scores one window and writes its documents as the ensemble scored them, straight to the sink
   * (`vigil detect` without incidents, the evaluation's in-memory runs). Sends no alerts.
   */
  async scoreWindow(window: TimeWindow, state: PartitionState): Promise<WindowOutcome> {
    const scores = await this.score(window, state);
    const toWrite = scores.anomalies.filter((b) => b.doc.vigil.is_alert || b.doc.vigil.score >= this.options.writeMinScore);
    const index = this.options.anomalyIndex(window.start);
    this.checkAborted(window);
    const report = await this.options.sink.write(toWrite.map((b) => ({ index, id: b.id, doc: b.doc as unknown as JsonObject })));
    const outcome = scoredOutcome(scores, {
      written: report.written,
      alerts: scores.anomalies.filter((b) => b.doc.vigil.is_alert).length,
      rejected: report.deadLettered,
      retried: report.retried,
    });
    if (this.options.statusIndex) {
      this.checkAborted(window);
      const doc = statusDocument(scores, outcome, this.options.mode, this.now());
      await this.options.sink.write([
        {
          index: this.options.statusIndex,
          id: statusDocumentId(scores.job, scores.partition, window.start),
          doc: doc as unknown as JsonObject,
        },
      ]);
    }
    return outcome;
  }
}

/** What the slice pass (or the direct writer) did with one partition's window. */
export interface WindowWrites {
  readonly written: number;
  readonly alerts: number;
  readonly rejected: number;
  readonly retried: number;
  readonly delivery?: DeliveryCounts;
  /** The highest score written (default: the ensemble's own). */
  readonly maxScore?: number;
  readonly budget?: StatusBudget;
}

export function scoredOutcome(scores: PartitionScores, writes: WindowWrites): WindowOutcome {
  return {
    window: scores.window,
    phase: 'scored',
    events: scores.events,
    entities: scores.entities,
    anomaliesWritten: writes.written,
    alerts: writes.alerts,
    rejected: writes.rejected,
    retried: writes.retried,
    delivery: writes.delivery ?? NO_DELIVERY,
    maxScore: writes.maxScore ?? scores.maxScore,
    durationMs: scores.durationMs,
    fieldIssues: scores.fieldIssues,
    skippedNoEntity: scores.skippedNoEntity,
    ...(writes.budget ? { budget: writes.budget } : {}),
  };
}

/** The per-window run record of the status index (Pipeline health dashboard). */
export function statusDocument(
  scores: Pick<PartitionScores, 'job' | 'partition'>,
  o: WindowOutcome,
  mode: RunMode,
  now: number,
): StatusDocument {
  return {
    '@timestamp': new Date(o.window.end).toISOString(),
    vigil: {
      status: {
        job_id: scores.job,
        partition: scores.partition,
        window_start: new Date(o.window.start).toISOString(),
        window_end: new Date(o.window.end).toISOString(),
        lag_seconds: Math.max(0, Math.round((now - o.window.end) / 100) / 10),
        events: o.events,
        entities: o.entities,
        events_skipped_no_entity: o.skippedNoEntity,
        anomalies_written: o.anomaliesWritten,
        alerts: o.alerts,
        documents_rejected: o.rejected,
        alerts_delivered: o.delivery.delivered,
        alerts_retried: o.delivery.retried,
        alerts_dead_lettered: o.delivery.deadLettered,
        alerts_pending: o.delivery.pending,
        duration_ms: Math.round(o.durationMs),
        mode: mode === 'backfill' ? 'backfill' : 'run',
        ...(o.budget ? { budget: o.budget } : {}),
      },
    },
  };
}
