/**
 * The relational correlator: applies the relational model (src/models/relational.ts) to the
 * anomaly index, so that the documents carry the scores the evaluation measures. Each job scores
 * its entity-windows alone; per time window, the correlator reads every job's documents, lets
 * linked entity-windows (same entity value, or an entity in another's related.*) pass risk to each
 * other, and rewrites the documents whose score was lifted — same deterministic id, through the
 * BulkWriter (retries, dead-letter).
 *
 * Restartable like the jobs (ElastAlert's writeback idea): its own checkpoint in the state index
 * (a StateStore head under the pseudo-job `_correlator`: partition 0 for `vigil run`, 1 for
 * `vigil backfill` ranges) and its own lease, so one correlator pass runs at a time whatever the
 * number of runners. It only reads windows every job (all partitions) has checkpointed past, and
 * moves its checkpoint only after a window's rewrites and alerts were written. Re-running is
 * harmless: decisions start from the ensemble's own scores and unchanged documents are not written
 * (relational-rewrite.ts).
 */
import { VersionConflictError, type Engine, type JsonObject } from '../engine/engine.js';
import type { AnomalyDocument } from '../anomaly/document.js';
import type { VigilConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Calibration } from '../models/calibration.js';
import type { RelationalParams } from '../models/relational.js';
import type { WriteItem } from './anomaly-writer.js';
import { durationMs } from '../config/duration.js';
import type { AlertDispatcher, DocumentSink } from './job-runner.js';
import { Lease } from './lease.js';
import type { PartitionPayload } from './partition-worker.js';
import { bulkWriterFor } from './pipeline.js';
import { CORRELATOR_FIELDS, decideWindow, newAlertsByRoot, parseRef, rewriteDocument, type Decision, type DocumentRef } from './relational-rewrite.js';
import { stateHeadId, StateStore, type JobCheckpoint, type JobStateHead, type StateHandle } from './state-store.js';

/** The pseudo-job the correlator's checkpoint and lease are kept under in the state index. */
export const CORRELATOR_ID = '_correlator';
const RUN_SLOT = 0;
const BACKFILL_SLOT = 1;

export interface CorrelatorOptions {
  readonly engine: Engine;
  readonly config: VigilConfig;
  readonly log: Logger;
  /** Lease holder id of this process. */
  readonly holder: string;
  /** Where rewritten documents go (default: a BulkWriter with the pipeline's retry settings). */
  readonly sink?: DocumentSink;
  /** Newly alerting documents go here (none when undefined). */
  readonly dispatcher?: AlertDispatcher;
  readonly params?: Partial<RelationalParams>;
  /** Documents per stream page (default 1000). */
  readonly pageSize?: number;
  /** Checked between windows: once true the pass commits what it did and stops. */
  readonly stopRequested?: () => boolean;
  /** Once aborted nothing more is written or committed. */
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface CorrelatorReport {
  /** done: windows processed; already_done: the range was correlated before; standby: another runner holds the lease. */
  status: 'done' | 'already_done' | 'nothing_to_do' | 'standby' | 'stopped';
  /** The range correlated [from, to) (ISO), when there was one. */
  from?: string;
  to?: string;
  windows: number;
  documents: number;
  /** Documents rewritten with a lifted score / with an earlier lift removed. */
  lifted: number;
  restored: number;
  /** Documents whose stored version was already right. */
  unchanged: number;
  /** Documents left as they are: not anomaly documents, or their job's calibration is unknown. */
  skipped: number;
  alerts: number;
  written: number;
  retried: number;
  deadLettered: number;
  holder?: string;
}

function emptyReport(status: CorrelatorReport['status']): CorrelatorReport {
  return { status, windows: 0, documents: 0, lifted: 0, restored: 0, unchanged: 0, skipped: 0, alerts: 0, written: 0, retried: 0, deadLettered: 0 };
}

/** Thrown when the lease was lost or another correlator committed first. */
export class CorrelatorLeaseLostError extends Error {
  constructor(detail: string) {
    super(`correlator: ${detail}; leaving the work to the runner that holds the lease`);
    this.name = 'CorrelatorLeaseLostError';
  }
}

interface Slot {
  readonly slot: number;
  /** Identifies what the checkpoint belongs to (run, or one backfill range). */
  readonly tag: string;
  checkpoint: JobCheckpoint | null;
  handle: StateHandle | null;
}

export class Correlator {
  private readonly store: StateStore;
  private readonly lease: Lease;
  private readonly sink: DocumentSink;
  private readonly calibrations = new Map<string, Calibration | null>();

  constructor(readonly options: CorrelatorOptions) {
    const { engine, config } = options;
    this.store = new StateStore(engine, config.output.state_index, { chunkBytes: config.pipeline.state_chunk_bytes, writer: options.holder });
    this.lease = new Lease(engine, config.output.state_index, { jobId: CORRELATOR_ID, partition: 0, holder: options.holder, ttlMs: durationMs(config.pipeline.lease_ttl) });
    this.sink = options.sink ?? bulkWriterFor(engine, config, options.log);
  }

  /** The anomaly indices to read (every month when the index is monthly). */
  private get readPattern(): string {
    const { config } = this.options;
    return config.pipeline.anomaly_index_period === 'none' ? config.output.anomaly_index : `${config.output.anomaly_index}-*`;
  }

  /**
   * Where every job is: the oldest checkpoint over all partitions of every configured job with
   * state (windows starting before it are final in every job), and the oldest first scored window.
   * Jobs that never ran have no documents and are left out.
   */
  async jobBoundary(): Promise<{ complete: number; scoreFrom: number } | undefined> {
    const { engine, config } = this.options;
    let complete = Infinity;
    let scoreFrom = Infinity;
    for (const job of config.jobs) {
      for (let p = 0; p < job.partitions; p++) {
        const head = await engine.getState<JobStateHead>(config.output.state_index, stateHeadId(job.id, p));
        if (!head) continue;
        complete = Math.min(complete, head.doc.next_window_start);
        scoreFrom = Math.min(scoreFrom, head.doc.score_from);
      }
    }
    return Number.isFinite(complete) ? { complete, scoreFrom } : undefined;
  }

  /** `vigil run`: every window after the run checkpoint that all jobs have completed. */
  async runPass(): Promise<CorrelatorReport> {
    const status = await this.lease.tryAcquire();
    if (!status.held) return { ...emptyReport('standby'), holder: status.holder };
    return this.withLease(async () => {
      const bound = await this.jobBoundary();
      if (!bound) return emptyReport('nothing_to_do');
      const slot = await this.loadSlot(RUN_SLOT, 'run');
      const from = slot.checkpoint && slot.checkpoint.configHash === slot.tag ? slot.checkpoint.nextWindowStart : bound.scoreFrom;
      if (from >= bound.complete) return emptyReport('nothing_to_do');
      return this.correlate(slot, from, bound.complete);
    });
  }

  /**
   * `vigil backfill`: the windows of [from, to) that all jobs have completed. Resumes an
   * interrupted pass over the same range; `restart` (or a new range) starts at `from`.
   */
  async backfillPass(range: { from: number; to: number; restart: boolean; leaseWaitMs: number }): Promise<CorrelatorReport> {
    await this.acquireWaiting(range.leaseWaitMs);
    return this.withLease(async () => {
      const bound = await this.jobBoundary();
      if (!bound) return emptyReport('nothing_to_do');
      const end = Math.min(range.to, bound.complete);
      const slot = await this.loadSlot(BACKFILL_SLOT, `backfill:${range.from}:${range.to}`);
      let from = range.from;
      if (!range.restart && slot.checkpoint && slot.checkpoint.configHash === slot.tag) {
        from = Math.max(from, slot.checkpoint.nextWindowStart);
        if (from >= end) return { ...emptyReport('already_done'), from: iso(range.from), to: iso(end) };
      }
      if (from >= end) return emptyReport('nothing_to_do');
      return this.correlate(slot, from, end);
    });
  }

  private async withLease(fn: () => Promise<CorrelatorReport>): Promise<CorrelatorReport> {
    this.lease.startAutoRenew(
      () => this.options.log.warn('correlator lease lost to another runner'),
      () => undefined,
    );
    try {
      return await fn();
    } finally {
      this.lease.stopAutoRenew();
      await this.lease.release().catch(() => undefined);
      this.calibrations.clear();
    }
  }

  /** Polls for the lease (a killed backfill's lease runs out after its TTL). */
  private async acquireWaiting(waitMs: number): Promise<void> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = Date.now() + waitMs;
    for (;;) {
      const status = await this.lease.tryAcquire();
      if (status.held) return;
      if (Date.now() >= deadline || this.options.stopRequested?.()) {
        throw new Error(`the correlator is leased by ${status.holder} until ${iso(status.expiresAt)}; stop that runner or wait for the lease to expire`);
      }
      await sleep(Math.max(100, Math.min(status.expiresAt - Date.now() + 50, this.lease.options.ttlMs / 4)));
    }
  }

  private async loadSlot(slot: number, tag: string): Promise<Slot> {
    const stored = await this.store.load<{ version: 1 }>(CORRELATOR_ID, slot);
    return { slot, tag, checkpoint: stored?.checkpoint ?? null, handle: stored?.handle ?? null };
  }

  private async commit(slot: Slot, next: number, windows: number): Promise<void> {
    if (this.options.signal?.aborted) throw new Error('correlator: aborted (shutdown)');
    if (!this.lease.held) throw new CorrelatorLeaseLostError('the lease expired before the checkpoint could be committed');
    const checkpoint: JobCheckpoint = {
      nextWindowStart: next,
      scoreFrom: slot.checkpoint?.configHash === slot.tag ? slot.checkpoint.scoreFrom : next,
      fitted: true,
      configHash: slot.tag,
      modelVersion: '',
      partitions: 1,
      windowsScored: (slot.checkpoint?.configHash === slot.tag ? slot.checkpoint.windowsScored : 0) + windows,
    };
    try {
      slot.handle = await this.store.commit(CORRELATOR_ID, slot.slot, checkpoint, { version: 1 }, slot.handle);
    } catch (error) {
      if (error instanceof VersionConflictError) throw new CorrelatorLeaseLostError('another runner committed the correlator checkpoint first');
      throw error;
    }
    slot.checkpoint = checkpoint;
  }

  /** Streams the documents of [from, to) window by window (sorted by window start), correlating each. */
  private async correlate(slot: Slot, from: number, to: number): Promise<CorrelatorReport> {
    const { engine, log } = this.options;
    const report: CorrelatorReport = { ...emptyReport('done'), from: iso(from), to: iso(to) };
    let group: DocumentRef[] = [];
    let groupStart = -Infinity;
    const flush = async (): Promise<void> => {
      if (group.length === 0) return;
      await this.processWindow(group, report);
      report.windows++;
      await this.commit(slot, groupStart + 1, 1);
      group = [];
    };
    // The jobs' bulk writes are not refreshed; the point in time must see them.
    await engine.refresh(this.readPattern);
    const stream = engine.stream({
      index: this.readPattern,
      query: { bool: { filter: [{ range: { 'vigil.window.start': { gte: from, lt: to, format: 'epoch_millis' } } }] } },
      fields: CORRELATOR_FIELDS,
      sort: ['vigil.window.start'],
      pageSize: this.options.pageSize ?? 1000,
    });
    for await (const page of stream) {
      for (const hit of page) {
        const ref = parseRef(hit.id, hit.index, hit.source);
        if (typeof ref === 'string') {
          report.skipped++;
          log.warn({ id: hit.id, index: hit.index, problem: ref }, 'correlator: not an anomaly document, left as it is');
          continue;
        }
        report.documents++;
        if (ref.windowStart !== groupStart) {
          await flush();
          if (this.options.stopRequested?.()) {
            report.status = 'stopped';
            return report;
          }
          groupStart = ref.windowStart;
        }
        group.push(ref);
      }
    }
    await flush();
    // Every window of the range is done, including trailing ones without documents.
    if (!slot.checkpoint || slot.checkpoint.nextWindowStart < to || slot.checkpoint.configHash !== slot.tag) await this.commit(slot, to, 0);
    log.info({ from: report.from, to: report.to, windows: report.windows, documents: report.documents, lifted: report.lifted, alerts: report.alerts }, 'correlator: windows correlated');
    return report;
  }

  /** One time window: decide, fetch and rewrite the documents that change, send new alerts, write. */
  private async processWindow(refs: readonly DocumentRef[], report: CorrelatorReport): Promise<void> {
    const decisions = decideWindow(refs, this.options.params);
    const changing = decisions.filter((d) => d.action !== 'keep');
    report.unchanged += decisions.length - changing.length;
    if (changing.length === 0) return;
    const stored = await this.fetchDocuments(changing.map((d) => d.ref));
    const rewritten: { decision: Decision; doc: AnomalyDocument }[] = [];
    for (const decision of changing) {
      const doc = stored.get(decision.ref.id);
      const calibration = await this.calibrationOf(decision.ref.job, decision.ref.partition);
      if (!doc || !calibration) {
        report.skipped++;
        this.options.log.warn({ id: decision.ref.id, job: decision.ref.job, partition: decision.ref.partition, reason: doc ? 'no calibration in the job state' : 'document not found' }, 'correlator: document left as it is');
        continue;
      }
      rewritten.push({ decision, doc: rewriteDocument(doc, decision, calibration) });
      if (decision.action === 'lift') report.lifted++;
      else report.restored++;
    }
    if (this.options.signal?.aborted) throw new Error('correlator: aborted (shutdown)');
    // Alerts go to the durable outbox before the documents are written: a crash in between cannot
    // lose them (the redo sees the documents not yet alerting and enqueues again; outbox ids dedupe).
    const alerts = this.options.dispatcher ? newAlertsByRoot(rewritten) : [];
    if (alerts.length > 0) await this.options.dispatcher!.enqueue(alerts);
    const items: WriteItem[] = rewritten.map(({ decision, doc }) => ({ index: decision.ref.index, id: decision.ref.id, doc: doc as unknown as JsonObject }));
    const written = await this.sink.write(items);
    report.written += written.written;
    report.retried += written.retried;
    report.deadLettered += written.deadLettered;
    if (alerts.length > 0) {
      await this.options.dispatcher!.drain();
      report.alerts += alerts.length;
    }
  }

  /** The full stored documents (a rewrite replaces the whole document). */
  private async fetchDocuments(refs: readonly DocumentRef[]): Promise<Map<string, AnomalyDocument>> {
    const byIndex = new Map<string, string[]>();
    for (const r of refs) byIndex.set(r.index, [...(byIndex.get(r.index) ?? []), r.id]);
    const out = new Map<string, AnomalyDocument>();
    for (const [index, ids] of byIndex) {
      for (let i = 0; i < ids.length; i += 1000) {
        const batch = ids.slice(i, i + 1000);
        const response = await this.options.engine.search(index, { size: batch.length, query: { ids: { values: batch } } });
        for (const hit of hitsOf(response)) {
          const source = hit._source;
          if (typeof hit._id === 'string' && isObject(source) && isObject(source.vigil) && isObject(source.event)) out.set(hit._id, source as unknown as AnomalyDocument);
        }
      }
    }
    return out;
  }

  /** The calibration the job partition's ensemble scores with (it changes only when the model is re-fitted). */
  private async calibrationOf(job: string, partition: number): Promise<Calibration | null> {
    const key = `${job}:p${partition}`;
    if (!this.calibrations.has(key)) {
      const stored = await this.store.load<PartitionPayload>(job, partition);
      this.calibrations.set(key, stored?.payload.ensemble?.calibration ?? null);
    }
    return this.calibrations.get(key) ?? null;
  }
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hitsOf(response: JsonObject): JsonObject[] {
  const hits = response.hits;
  if (!isObject(hits) || !Array.isArray(hits.hits)) return [];
  return hits.hits.filter(isObject);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
