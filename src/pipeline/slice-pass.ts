/**
 * The second phase of every time slice: once every partition of every job has scored the windows
 * ending at a slice end (and kept them as records, slice-records.ts), the slice pass takes them
 * all, runs the incident pass over them (slice-decider.ts → src/incidents), and
 *
 *   1. hands the slice's incident alerts to the alert sender (first alert or update, incident id),
 *   2. writes the slice's documents once, decided (score, cut, is_alert, incident id), under the
 *      result-write policy (result-policy.ts: alerts, incident windows and scores at or above
 *      `write_min_score`, plus per-entity rollups of every entity-window), and one status
 *      document per (job, partition) window,
 *   3. commits its checkpoint with the incident state and the open rollups, then forgets the
 *      slice's records.
 *
 * Restartable like the jobs (ElastAlert's writeback idea): its checkpoint and incident state live
 * in the state index (a StateStore head under the pseudo-job `_slices`: partition 0 for `vigil
 * run`, 1 for a `vigil backfill` range) and it runs under its own lease, so one slice pass runs at
 * a time whatever the number of runners. A crash before the commit redoes the slice from the last
 * committed incident state: the same documents (deterministic ids), the same incident ids and
 * alert revisions (the outbox drops what it already has).
 */
import type { StatusBudget } from '../anomaly/document.js';
import { VersionConflictError, type Engine, type JsonObject } from '../engine/engine.js';
import type { AnalystPass, PassRange } from '../feedback/analyst-pass.js';
import type { IncidentOptionsInput, SliceDecision } from '../incidents/index.js';
import type { Logger } from '../log.js';
import type { WriteItem, WriteReport } from './anomaly-writer.js';
import type { JobPlan } from './job-plan.js';
import {
  scoredOutcome,
  statusDocument,
  statusDocumentId,
  type DeliveryCounts,
  type DocumentSink,
  type PartitionScores,
  type WindowOutcome,
} from './job-runner.js';
import { Lease } from './lease.js';
import { RollupAccumulator, shouldWrite, type RollupDocument, type RollupPeriod, type RollupState } from './result-policy.js';
import { SliceDecider, type DecidedSlice, type IncidentAlert, type SliceDeciderState } from './slice-decider.js';
import type { SliceRecords } from './slice-records.js';
import { stateHeadId, type JobCheckpoint, type JobStateHead, type StateHandle, type StateStore } from './state-store.js';

/** The pseudo-job the slice pass's checkpoint, incident state and lease are kept under. */
export const SLICE_PASS_ID = '_slices';
const RUN_SLOT = 0;
const BACKFILL_SLOT = 1;

/** Sends a slice's incident alerts (the dispatcher's outbox today; any delivery path plugs in here). */
export type AlertSender = (alerts: readonly IncidentAlert[]) => Promise<void>;

export interface SlicePassOptions {
  readonly engine: Engine;
  readonly log: Logger;
  /** The jobs whose slices are decided together (every partition of each). */
  readonly plans: readonly JobPlan[];
  readonly store: StateStore;
  readonly records: SliceRecords;
  readonly lease: Lease;
  readonly sink: DocumentSink;
  readonly anomalyIndex: (windowStart: number) => string;
  readonly statusIndex: string;
  readonly incidents: IncidentOptionsInput;
  /** Non-alert documents outside any incident scoring below this are not written. */
  readonly writeMinScore: number;
  /** Per-entity rollups of every decided entity-window, by hour or day (default none). */
  readonly rollup?: RollupPeriod;
  /** Commit after this many slices (and at the end of a pass). */
  readonly checkpointEvery: number;
  readonly mode: 'run' | 'backfill';
  /** Undefined: no alerts are sent (documents are still written). */
  readonly sendAlerts?: AlertSender;
  /** Delivery since the previous call and the outbox's pending gauge, for the status documents. */
  readonly deliveryCounts?: () => DeliveryCounts;
  readonly now?: () => number;
  /** Checked between slices: once true the pass commits what it did and stops. */
  readonly stopRequested?: () => boolean;
  /** Once aborted nothing more is written or committed. */
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called for every (job, partition) window whose documents were written. */
  readonly onWindow?: (scores: PartitionScores, outcome: WindowOutcome) => void;
  /** The analyst's input (verdicts, lists, rule matches over the pass's windows), read once per pass and applied before the incident pass. */
  readonly analyst?: (range?: PassRange) => Promise<AnalystPass | undefined>;
}

export interface SlicePassReport {
  /** done: slices decided; already_done: the range was done before; standby: another runner holds the lease. */
  status: 'done' | 'already_done' | 'nothing_to_do' | 'standby' | 'stopped';
  slices: number;
  documents: number;
  /** Documents with is_alert true. */
  alertDocuments: number;
  /** Incidents that alerted for the first time / alert updates sent. */
  incidents: number;
  updates: number;
  written: number;
  retried: number;
  deadLettered: number;
  /** Rollup documents written (closed periods, and the open ones at the end of a backfill range). */
  rollups: number;
  /** (job, partition) windows due whose record was missing (logged; should never happen). */
  missing: number;
  holder?: string;
}

function emptyReport(status: SlicePassReport['status']): SlicePassReport {
  return {
    status,
    slices: 0,
    documents: 0,
    alertDocuments: 0,
    incidents: 0,
    updates: 0,
    written: 0,
    retried: 0,
    deadLettered: 0,
    rollups: 0,
    missing: 0,
  };
}

/** Thrown when the lease was lost or another runner committed the slice checkpoint first. */
export class SliceLeaseLostError extends Error {
  constructor(detail: string) {
    super(`slice pass: ${detail}; leaving the work to the runner that holds the lease`);
    this.name = 'SliceLeaseLostError';
  }
}

export class SliceAbortedError extends Error {
  constructor() {
    super('slice pass: aborted (shutdown)');
    this.name = 'SliceAbortedError';
  }
}

/** Where one job partition is, from its state head. */
interface PartitionBound {
  readonly partition: number;
  readonly scoreFrom: number;
  /** End of the newest window the partition has scored (and kept a record of). */
  readonly doneEnd: number;
}

interface JobBound {
  readonly plan: JobPlan;
  readonly partitions: readonly PartitionBound[];
}

interface Slot {
  readonly slot: number;
  /** What the checkpoint belongs to (run, or one backfill range). */
  readonly tag: string;
  checkpoint: JobCheckpoint | null;
  handle: StateHandle | null;
  decider: SliceDecider;
  /** Open rollup periods per job (committed with the checkpoint). */
  rollups: Map<string, RollupAccumulator>;
}

interface SlotPayload {
  version: 2;
  decider: SliceDeciderState | null;
  /** Per job; absent in states written before rollups existed. */
  rollups?: Record<string, RollupState>;
}

export class SlicePass {
  constructor(readonly options: SlicePassOptions) {}

  /**
   * Where every job is. Undefined while some selected job has a partition without state when
   * others have some (another runner has not started it yet: its slices must wait); jobs that
   * never ran at all are left out.
   */
  async bounds(): Promise<JobBound[] | undefined> {
    const { engine, store } = this.options;
    const jobs: JobBound[] = [];
    for (const plan of this.options.plans) {
      const partitions: PartitionBound[] = [];
      for (let p = 0; p < plan.job.partitions; p++) {
        const head = await engine.getState<JobStateHead>(store.index, stateHeadId(plan.job.id, p));
        if (!head) continue;
        const { spec } = plan;
        const done = head.doc.fitted ? head.doc.next_window_start - spec.slideMs + spec.windowMs : -Infinity;
        partitions.push({ partition: p, scoreFrom: head.doc.score_from, doneEnd: done });
      }
      if (partitions.length === 0) continue;
      if (partitions.length < plan.job.partitions) return undefined;
      jobs.push({ plan, partitions });
    }
    return jobs.length > 0 ? jobs : undefined;
  }

  /** `vigil run`: every slice after the run checkpoint that all jobs have scored. */
  async runPass(): Promise<SlicePassReport> {
    const status = await this.options.lease.tryAcquire();
    if (!status.held) return { ...emptyReport('standby'), holder: status.holder };
    return this.withLease(async () => {
      const jobs = await this.bounds();
      if (!jobs) return emptyReport('nothing_to_do');
      const slot = await this.loadSlot(RUN_SLOT, 'run');
      const from = slot.checkpoint ? slot.checkpoint.nextWindowStart : firstEnd(jobs);
      return this.decide(slot, jobs, from, completeEnd(jobs));
    });
  }

  /**
   * `vigil backfill`: the slices of [from, to) that all jobs have scored. Resumes an interrupted
   * pass over the same range; `restart` (or a new range) starts over with a fresh incident state.
   */
  async backfillPass(range: { from: number; to: number; restart: boolean; leaseWaitMs: number }): Promise<SlicePassReport> {
    await this.acquireWaiting(range.leaseWaitMs);
    return this.withLease(async () => {
      const jobs = await this.bounds();
      if (!jobs) return emptyReport('nothing_to_do');
      const slot = await this.loadSlot(BACKFILL_SLOT, `backfill:${range.from}:${range.to}`, range.restart);
      const to = Math.min(range.to, completeEnd(jobs));
      const from = slot.checkpoint ? slot.checkpoint.nextWindowStart : firstEnd(jobs);
      const report = await this.decide(slot, jobs, from, to);
      // The range is done: its open periods are written as they stand (a later range overwrites them).
      if (to >= range.to && report.status !== 'stopped') await this.flushRollups(slot, report);
      return report;
    });
  }

  private async withLease(fn: () => Promise<SlicePassReport>): Promise<SlicePassReport> {
    const { lease, log } = this.options;
    lease.startAutoRenew(
      () => log.warn('slice pass: lease lost to another runner'),
      () => undefined,
    );
    try {
      return await fn();
    } finally {
      lease.stopAutoRenew();
      await lease.release().catch(() => undefined);
    }
  }

  /** Polls for the lease (a killed backfill's lease runs out after its TTL). */
  private async acquireWaiting(waitMs: number): Promise<void> {
    const { lease } = this.options;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = Date.now() + waitMs;
    for (;;) {
      const status = await lease.tryAcquire();
      if (status.held) return;
      if (Date.now() >= deadline || this.options.stopRequested?.()) {
        throw new Error(
          `the slice pass is leased by ${status.holder} until ${iso(status.expiresAt)}; stop that runner or wait for the lease to expire`,
        );
      }
      await sleep(Math.max(100, Math.min(status.expiresAt - Date.now() + 50, lease.options.ttlMs / 4)));
    }
  }

  private async loadSlot(slot: number, tag: string, restart = false): Promise<Slot> {
    const stored = await this.options.store.load<SlotPayload>(SLICE_PASS_ID, slot);
    const handle = stored?.handle ?? null;
    // Another range, other settings or --restart: start over (the handle still guards the commit).
    if (!stored || restart || stored.checkpoint.configHash !== tag || stored.payload.version !== 2) {
      return { slot, tag, checkpoint: null, handle, decider: new SliceDecider(this.options.incidents), rollups: new Map() };
    }
    const rollups = new Map<string, RollupAccumulator>();
    const period = this.options.rollup ?? 'none';
    if (period !== 'none') {
      for (const plan of this.options.plans) {
        const state = stored.payload.rollups?.[plan.job.id];
        if (state) rollups.set(plan.job.id, new RollupAccumulator(period, plan.info, state));
      }
    }
    return {
      slot,
      tag,
      checkpoint: stored.checkpoint,
      handle,
      decider: new SliceDecider(this.options.incidents, stored.payload.decider),
      rollups,
    };
  }

  private async commit(slot: Slot, next: number, slices: number): Promise<void> {
    if (this.options.signal?.aborted) throw new SliceAbortedError();
    if (!this.options.lease.held) throw new SliceLeaseLostError('the lease expired before the checkpoint could be committed');
    const checkpoint: JobCheckpoint = {
      // For the slice pass: slices ending before this are done.
      nextWindowStart: next,
      scoreFrom: slot.checkpoint?.scoreFrom ?? next,
      fitted: true,
      configHash: slot.tag,
      modelVersion: '',
      partitions: 1,
      windowsScored: (slot.checkpoint?.windowsScored ?? 0) + slices,
    };
    const rollups: Record<string, RollupState> = {};
    for (const [job, accumulator] of slot.rollups) if (accumulator.size > 0) rollups[job] = accumulator.toState();
    const payload: SlotPayload = { version: 2, decider: slot.decider.toJSON(), ...(slot.rollups.size > 0 ? { rollups } : {}) };
    try {
      slot.handle = await this.options.store.commit(SLICE_PASS_ID, slot.slot, checkpoint, payload, slot.handle);
    } catch (error) {
      if (error instanceof VersionConflictError) throw new SliceLeaseLostError('another runner committed the slice checkpoint first');
      throw error;
    }
    slot.checkpoint = checkpoint;
  }

  /** Decides every slice ending in [from, to], oldest first, committing every `checkpointEvery` slices. */
  private async decide(slot: Slot, jobs: readonly JobBound[], from: number, to: number): Promise<SlicePassReport> {
    const { log } = this.options;
    const ends = sliceEnds(jobs, from, to);
    if (ends.length === 0) return emptyReport(slot.checkpoint && from > to ? 'already_done' : 'nothing_to_do');
    const report = emptyReport('done');
    const longest = Math.max(...jobs.map((j) => j.plan.spec.windowMs));
    const analyst = await this.options.analyst?.({ from: ends[0] - longest, to: ends[ends.length - 1] });
    const every = Math.max(1, this.options.checkpointEvery);
    let uncommitted: PartitionScores[] = [];
    let slices = 0;
    let next = from;
    const flush = async (): Promise<void> => {
      if (slices === 0) return;
      await this.commit(slot, next, slices);
      await this.options.records.remove(uncommitted);
      uncommitted = [];
      slices = 0;
    };
    for (const end of ends) {
      if (this.options.stopRequested?.()) {
        report.status = 'stopped';
        break;
      }
      const records = await this.recordsOf(jobs, end, report);
      const decided = slot.decider.decide(end, records, analyst);
      await this.write(slot, decided, report);
      uncommitted.push(...records);
      slices++;
      report.slices++;
      next = end + 1;
      if (slices >= every) await flush();
    }
    await flush();
    if (report.slices > 0)
      log.debug(
        { slices: report.slices, documents: report.documents, incidents: report.incidents, updates: report.updates },
        'slice pass: slices decided',
      );
    return report;
  }

  /** Every (job, partition) record of the windows ending at `end`. */
  private async recordsOf(jobs: readonly JobBound[], end: number, report: SlicePassReport): Promise<PartitionScores[]> {
    const out: PartitionScores[] = [];
    for (const { plan, partitions } of jobs) {
      const { spec } = plan;
      const start = end - spec.windowMs;
      if (start % spec.slideMs !== 0) continue;
      for (const p of partitions) {
        if (start < p.scoreFrom) continue;
        const record = await this.options.records.get(plan.job.id, p.partition, start);
        if (record) out.push(record);
        else {
          report.missing++;
          this.options.log.warn(
            { job: plan.job.id, partition: p.partition, window: iso(start) },
            'slice pass: no scores kept for this window; its documents are not written',
          );
        }
      }
    }
    return out;
  }

  /** Alerts first (durable outbox: a crash after it cannot lose them), then the documents and status records. */
  private async write(slot: Slot, decided: DecidedSlice, report: SlicePassReport): Promise<void> {
    const { sink, signal } = this.options;
    if (signal?.aborted) throw new SliceAbortedError();
    if (this.options.sendAlerts && decided.alerts.length > 0) await this.options.sendAlerts(decided.alerts);
    report.incidents += decided.newIncidents;
    report.updates += decided.updates;

    const items: WriteItem[] = [];
    const counts: number[] = [];
    for (const w of decided.windows) {
      const index = this.options.anomalyIndex(w.scores.window.start);
      const keep = w.anomalies.filter((b) => shouldWrite(b.doc, this.options.writeMinScore));
      for (const b of keep) items.push({ index, id: b.id, doc: b.doc as unknown as JsonObject });
      counts.push(keep.length);
      report.documents += w.anomalies.length;
      report.alertDocuments += w.alerts;
    }
    const rollups = this.addRollups(slot, decided);
    items.push(...RollupAccumulator.items(rollups, this.options.anomalyIndex));
    report.rollups += rollups.length;
    if (signal?.aborted) throw new SliceAbortedError();
    const written: WriteReport = await sink.write(items);
    report.written += written.written;
    report.retried += written.retried;
    report.deadLettered += written.deadLettered;

    // Status documents: one per (job, partition) window, now that its documents are written.
    const now = (this.options.now ?? Date.now)();
    const refused = written.deadLettered;
    // Delivery runs in the background: what it did since the last slice goes on the slice's first
    // window, and every window shows the outbox's backlog (a hung receiver reads as pending).
    const delivery = this.options.deliveryCounts?.();
    const budget = statusBudgetOf(decided.budget);
    const status: WriteItem[] = [];
    const outcomes: WindowOutcome[] = decided.windows.map((w, i) => {
      // Refusals are rare and per item; they are attributed to the slice's first window.
      const outcome = scoredOutcome(w.scores, {
        written: counts[i] - (i === 0 ? refused : 0),
        alerts: w.alerts,
        rejected: i === 0 ? refused : 0,
        retried: i === 0 ? written.retried : 0,
        maxScore: w.anomalies.reduce((m, b) => Math.max(m, b.doc.vigil.score), 0),
        ...(budget ? { budget } : {}),
        ...(delivery
          ? { delivery: i === 0 ? delivery : { delivered: 0, retried: 0, deadLettered: 0, suppressed: 0, pending: delivery.pending } }
          : {}),
      });
      status.push({
        index: this.options.statusIndex,
        id: statusDocumentId(w.scores.job, w.scores.partition, w.scores.window.start),
        doc: statusDocument(w.scores, outcome, this.options.mode, now) as unknown as JsonObject,
      });
      return outcome;
    });
    if (status.length > 0) await sink.write(status);
    decided.windows.forEach((w, i) => this.options.onWindow?.(w.scores, outcomes[i]));
  }

  /** Adds every entity-window of the slice to its job's rollups (all partitions at once); answers the rollups it completes. */
  private addRollups(slot: Slot, decided: DecidedSlice): RollupDocument[] {
    const period = this.options.rollup ?? 'none';
    if (period === 'none') return [];
    const out: RollupDocument[] = [];
    for (const plan of this.options.plans) {
      const windows = decided.windows.filter((w) => w.scores.job === plan.job.id);
      if (windows.length === 0) continue;
      let accumulator = slot.rollups.get(plan.job.id);
      if (!accumulator) {
        accumulator = new RollupAccumulator(period, plan.info);
        slot.rollups.set(plan.job.id, accumulator);
      }
      out.push(
        ...accumulator.add(
          windows[0].scores.window,
          plan.spec.slideMs,
          windows.flatMap((w) => w.anomalies),
        ),
      );
    }
    return out;
  }

  /** Writes the open rollup periods as they stand (they stay open: the period's later windows complete them). */
  private async flushRollups(slot: Slot, report: SlicePassReport): Promise<void> {
    const docs = [...slot.rollups.values()].flatMap((a) => a.flush());
    if (docs.length === 0) return;
    if (this.options.signal?.aborted) throw new SliceAbortedError();
    const written = await this.options.sink.write(RollupAccumulator.items(docs, this.options.anomalyIndex));
    report.rollups += docs.length;
    report.written += written.written;
    report.retried += written.retried;
    report.deadLettered += written.deadLettered;
  }
}

/**
 * The status documents' budget block: only while verdicts warm-start the threshold, so that the
 * threshold a verdict moved is explained where the pipeline's health is read.
 */
function statusBudgetOf(budget: SliceDecision['budget']): StatusBudget | undefined {
  const w = budget.warmStart;
  if (!w) return undefined;
  return {
    threshold_risk: Math.round(budget.thresholdRisk * 1e4) / 1e4,
    cut: budget.cut,
    warm_start: {
      benign: w.benign,
      attack: w.attack,
      seeded: w.seeded,
      ...(w.cap !== undefined ? { cap: Math.round(w.cap * 1e4) / 1e4 } : {}),
      capped: w.capped,
    },
  };
}

/** The first slice end a scored window of any job can have. */
function firstEnd(jobs: readonly JobBound[]): number {
  return Math.min(...jobs.flatMap((j) => j.partitions.map((p) => p.scoreFrom + j.plan.spec.windowMs)));
}

/** Slices ending at or before this have been scored by every partition of every job. */
function completeEnd(jobs: readonly JobBound[]): number {
  return Math.min(...jobs.flatMap((j) => j.partitions.map((p) => p.doneEnd)));
}

/** The window ends of every job in [from, to], sorted, each once. */
export function sliceEnds(jobs: readonly { readonly plan: Pick<JobPlan, 'spec'> }[], from: number, to: number): number[] {
  const ends = new Set<number>();
  for (const { plan } of jobs) {
    const { windowMs, slideMs } = plan.spec;
    // Window ends are start + W with start a multiple of S.
    let end = Math.ceil((from - windowMs) / slideMs) * slideMs + windowMs;
    for (; end <= to; end += slideMs) ends.add(end);
  }
  return [...ends].sort((a, b) => a - b);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
