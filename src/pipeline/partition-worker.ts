/**
 * One (job, partition) driven against its state in the cluster: load the checkpoint, warm up if
 * the model is not fitted, score windows oldest first, keep each window's scores for the slice pass
 * (slice-records.ts; documents and alerts are written there, once per slice over every job), and
 * commit every `checkpointEvery` windows or `checkpointIntervalMs` — only while holding the
 * partition's lease, and always with optimistic concurrency so that a runner that
 * lost its lease (stalled past the TTL) can never overwrite its successor's progress.
 *
 * `vigil run` and `vigil backfill` share this class; they differ only in where the windows end
 * (the newest complete window vs. the end of the requested range) and in where a partition
 * without any state starts.
 */
import { VersionConflictError } from '../engine/engine.js';
import { Ensemble, type EnsembleState } from '../models/ensemble.js';
import { NeighbourMemory, type NeighbourState } from '../models/neighbours.js';
import type { Logger } from '../log.js';
import { LiveSet, type LiveSetState } from './entity-eviction.js';
import { FirstSeenStore, type FirstSeenRecord } from './first-seen-store.js';
import type { JobPlan } from './job-plan.js';
import {
  JobRunner,
  scoredOutcome,
  WindowAbortedError,
  type ComputedWindow,
  type PartitionState,
  type WindowOutcome,
} from './job-runner.js';
import type { Lease } from './lease.js';
import { ReadAhead } from './read-ahead.js';
import type { SliceRecords } from './slice-records.js';
import type { JobCheckpoint, StateHandle, StateStore } from './state-store.js';
import { alignDown, planWindows, windowAt, type TimeWindow } from './window-planner.js';

/** The serialised part of a partition's state (chunked by the StateStore). */
export interface PartitionPayload {
  version: 1;
  ensemble: EnsembleState | null;
  first_seen: FirstSeenRecord;
  /** Live and cold entities when the live set is capped (entity-eviction.ts); absent otherwise. */
  live?: LiveSetState;
  /** Nearest-neighbour memory (src/models/neighbours.ts) when the job writes that evidence; absent otherwise. */
  neighbours?: NeighbourState;
}

/** Thrown when the lease was lost or another runner committed first: stop working on this partition. */
export class LeaseLostError extends Error {
  constructor(jobId: string, partition: number, detail: string) {
    super(`job ${jobId} partition ${partition}: ${detail}; leaving it to the runner that holds the lease`);
    this.name = 'LeaseLostError';
  }
}

/** Where a partition without state begins, and where its windows end. */
export type WorkerBounds = { readonly kind: 'run' } | { readonly kind: 'backfill'; readonly from: number; readonly to: number };

export interface PartitionWorkerOptions {
  readonly plan: JobPlan;
  readonly partition: { readonly index: number; readonly count: number };
  readonly store: StateStore;
  readonly lease: Lease;
  readonly runner: JobRunner;
  /** Where scored windows wait for the slice pass (kept before the checkpoint moves past them). */
  readonly records: SliceRecords;
  readonly bounds: WorkerBounds;
  readonly now?: () => number;
  readonly log: Logger;
  /** Aborted when a shutdown's grace period is over: nothing more is committed. */
  readonly abort?: AbortSignal;
  /** Commit the state after this many scored windows (default 1; a crash redoes at most this many). */
  readonly checkpointEvery?: number;
  /** …or once this long has passed since the last commit, whichever comes first (default: no time limit). */
  readonly checkpointIntervalMs?: number;
  /** Once true, no new window is started (the one in progress finishes and is committed). */
  readonly stopRequested?: () => boolean;
  /** Called after every window (warm-up or scored) — progress bars, summaries. */
  readonly onWindow?: (outcome: WindowOutcome) => void;
}

interface Loaded {
  checkpoint: JobCheckpoint;
  handle: StateHandle | null;
  state: PartitionState;
}

export interface StepResult {
  /** Windows processed by this step (warm-up included). */
  readonly processed: number;
  /** Windows still due after this step (0 = caught up / range done). */
  readonly remaining: number;
  readonly checkpoint: JobCheckpoint;
}

export class PartitionWorker {
  private loaded: Loaded | null = null;
  private ahead: { readonly state: PartitionState; readonly reader: ReadAhead<PartitionState, ComputedWindow> } | undefined;
  private readonly now: () => number;

  constructor(readonly options: PartitionWorkerOptions) {
    this.now = options.now ?? Date.now;
  }

  private get jobId(): string {
    return this.options.plan.job.id;
  }

  /** The settings hash stored with the state: the job's model settings plus its partitioning. */
  private get stateHash(): string {
    return `${this.options.plan.configHash}/${this.options.partition.count}`;
  }

  /** Forgets in-memory state: the next step reloads what was last committed. */
  invalidate(): void {
    this.dropReadAhead();
    this.loaded = null;
  }

  get checkpoint(): JobCheckpoint | undefined {
    return this.loaded?.checkpoint;
  }

  private initialCheckpoint(): JobCheckpoint {
    const { plan } = this.options;
    const { spec } = plan;
    const bounds = this.options.bounds;
    let scoreFrom: number;
    if (bounds.kind === 'run') {
      scoreFrom = alignDown(this.now() - spec.delayMs - spec.windowMs, spec.slideMs);
    } else {
      scoreFrom = Math.ceil(bounds.from / spec.slideMs) * spec.slideMs + plan.warmupWindows * spec.slideMs;
    }
    return {
      nextWindowStart: scoreFrom - plan.warmupWindows * spec.slideMs,
      scoreFrom,
      fitted: false,
      configHash: this.stateHash,
      modelVersion: plan.info.modelVersion,
      partitions: this.options.partition.count,
      windowsScored: 0,
    };
  }

  /** Loads the committed state (or starts a fresh one); re-fits when the job's settings changed. */
  async load(): Promise<JobCheckpoint> {
    if (this.loaded) return this.loaded.checkpoint;
    const { store, plan, partition, log } = this.options;
    const stored = await store.load<PartitionPayload>(this.jobId, partition.index);
    if (!stored) {
      this.loaded = { checkpoint: this.initialCheckpoint(), handle: null, state: { ensemble: null, firstSeen: new FirstSeenStore() } };
      log.info(
        {
          job: this.jobId,
          partition: partition.index,
          next: iso(this.loaded.checkpoint.nextWindowStart),
          scoreFrom: iso(this.loaded.checkpoint.scoreFrom),
        },
        'no state yet: starting with a warm-up',
      );
      return this.loaded.checkpoint;
    }
    const firstSeen = FirstSeenStore.fromRecord(stored.payload.first_seen ?? {});
    let checkpoint = stored.checkpoint;
    let ensemble = stored.payload.ensemble ? Ensemble.fromJSON(stored.payload.ensemble) : null;
    if (checkpoint.configHash !== this.stateHash) {
      // The features, models or partitioning changed: the fitted model no longer matches. Re-fit on
      // the warm-up span before the checkpoint, then carry on scoring from the checkpoint — no gap,
      // and no window is scored twice.
      const { spec } = plan;
      const resumeAt = checkpoint.fitted ? checkpoint.nextWindowStart : checkpoint.scoreFrom;
      log.warn(
        { job: this.jobId, partition: partition.index },
        'job settings changed since the model was fitted: re-fitting on the warm-up span before the checkpoint',
      );
      checkpoint = {
        ...checkpoint,
        nextWindowStart: resumeAt - plan.warmupWindows * spec.slideMs,
        scoreFrom: resumeAt,
        fitted: false,
        configHash: this.stateHash,
        modelVersion: plan.info.modelVersion,
        partitions: partition.count,
      };
      ensemble = null;
    }
    const cap = this.options.runner.options.eviction?.cap;
    const live = ensemble && cap !== undefined ? { live: LiveSet.fromJSON(stored.payload.live, cap) } : {};
    // The memory belongs to the fitted model: a re-fit (settings changed) starts it afresh.
    const neighbours = ensemble && stored.payload.neighbours ? { neighbours: NeighbourMemory.fromJSON(stored.payload.neighbours) } : {};
    this.loaded = { checkpoint, handle: stored.handle, state: { ensemble, firstSeen, ...live, ...neighbours } };
    return checkpoint;
  }

  /** Forgets the committed state (backfill --restart); the next step starts from scratch. */
  async reset(): Promise<void> {
    await this.options.store.reset(this.jobId, this.options.partition.index);
    this.loaded = null;
  }

  private async commit(loaded: Loaded, checkpoint: JobCheckpoint): Promise<void> {
    if (this.options.abort?.aborted) throw new WindowAbortedError(windowAt(this.options.plan.spec, loaded.checkpoint.nextWindowStart));
    if (!this.options.lease.held)
      throw new LeaseLostError(this.jobId, this.options.partition.index, 'the lease expired before the window could be committed');
    const payload: PartitionPayload = {
      version: 1,
      ensemble: loaded.state.ensemble ? loaded.state.ensemble.toJSON() : null,
      first_seen: loaded.state.firstSeen.toRecord(),
      ...(loaded.state.live ? { live: loaded.state.live.toJSON() } : {}),
      ...(loaded.state.neighbours ? { neighbours: loaded.state.neighbours.toJSON() } : {}),
    };
    try {
      loaded.handle = await this.options.store.commit(this.jobId, this.options.partition.index, checkpoint, payload, loaded.handle);
    } catch (error) {
      if (error instanceof VersionConflictError) {
        this.loaded = null;
        throw new LeaseLostError(this.jobId, this.options.partition.index, 'another runner committed this partition first');
      }
      throw error;
    }
    loaded.checkpoint = checkpoint;
  }

  /** The windows to score next, from the checkpoint, at most `max`, and the one after them when it is due too (read ahead). */
  private nextWindows(checkpoint: JobCheckpoint, max: number): { windows: TimeWindow[]; remaining: number; following?: TimeWindow } {
    const { spec } = this.options.plan;
    const bounds = this.options.bounds;
    if (bounds.kind === 'run') {
      const plan = planWindows(spec, checkpoint.nextWindowStart, this.now(), max + 1);
      const windows = plan.windows.slice(0, max);
      const following = plan.windows[max];
      return { windows, remaining: plan.remaining + (following ? 1 : 0), ...(following ? { following } : {}) };
    }
    const windows: TimeWindow[] = [];
    let start = checkpoint.nextWindowStart;
    for (; start + spec.windowMs <= bounds.to && windows.length < max; start += spec.slideMs) windows.push(windowAt(spec, start));
    const remaining = start + spec.windowMs <= bounds.to ? Math.floor((bounds.to - spec.windowMs - start) / spec.slideMs) + 1 : 0;
    return { windows, remaining, ...(remaining > 0 ? { following: windowAt(spec, start) } : {}) };
  }

  /** Windows due after the checkpoint (complete ones in run mode, those inside the range in backfill mode). */
  private remainingAfter(checkpoint: JobCheckpoint): number {
    const { spec } = this.options.plan;
    const bounds = this.options.bounds;
    const next = checkpoint.fitted ? checkpoint.nextWindowStart : checkpoint.scoreFrom;
    const lastStart =
      bounds.kind === 'run' ? alignDown(this.now() - spec.delayMs - spec.windowMs, spec.slideMs) : bounds.to - spec.windowMs;
    const scoring = lastStart < next ? 0 : Math.floor((lastStart - next) / spec.slideMs) + 1;
    const warm = checkpoint.fitted ? 0 : Math.max(0, Math.round((checkpoint.scoreFrom - checkpoint.nextWindowStart) / spec.slideMs));
    return scoring + warm;
  }

  /** Windows not yet done (warm-up included), for progress bars. */
  async pendingWindows(): Promise<number> {
    return this.remainingAfter(await this.load());
  }

  /**
   * Processes up to `maxWindows` windows (a pending warm-up counts as one unit and is always done
   * whole). Any failure leaves the last committed state as the truth: in-memory state is dropped
   * and reloaded on the next step.
   */
  async step(maxWindows: number, maxEntityWindows = Infinity): Promise<StepResult> {
    try {
      return await this.stepInner(maxWindows, maxEntityWindows);
    } catch (error) {
      this.dropReadAhead();
      this.loaded = null;
      throw error;
    }
  }

  /** The read ahead of the loaded state (kept between steps, so a step's first window was read during the last one). */
  private readAhead(state: PartitionState): ReadAhead<PartitionState, ComputedWindow> {
    if (this.ahead?.state !== state) {
      this.dropReadAhead();
      this.ahead = { state, reader: new ReadAhead(this.options.runner, state) };
    }
    return this.ahead.reader;
  }

  private dropReadAhead(): void {
    this.ahead?.reader.cancel();
    this.ahead = undefined;
  }

  /**
   * Up to `maxWindows` windows, ending early once the scored windows hold `maxEntityWindows`
   * entity-windows (at least one window): what waits for the slice pass stays bounded.
   */
  private async stepInner(maxWindows: number, maxEntityWindows: number): Promise<StepResult> {
    await this.load();
    const loaded = this.loaded!;
    const { plan, runner, log, partition } = this.options;
    const { spec } = plan;
    let processed = 0;

    if (!loaded.checkpoint.fitted) {
      const cp = loaded.checkpoint;
      const warm: TimeWindow[] = [];
      for (let start = cp.nextWindowStart; start < cp.scoreFrom; start += spec.slideMs) warm.push(windowAt(spec, start));
      const last = warm.at(-1);
      if (this.options.bounds.kind === 'backfill' && last && last.end > this.options.bounds.to) {
        throw new Error(
          `job ${this.jobId}: the range ends before the warm-up (${plan.warmupWindows} windows of ${plan.job.slide}) is complete; extend --to, move --from earlier or lower jobs[].warmup`,
        );
      }
      if (this.options.bounds.kind === 'run' && last && last.end > this.now() - spec.delayMs) {
        return { processed: 0, remaining: 1, checkpoint: cp };
      }
      log.info(
        { job: this.jobId, partition: partition.index, windows: warm.length, from: iso(cp.nextWindowStart), to: iso(cp.scoreFrom) },
        'warm-up: fitting the ensemble on history (no anomalies written)',
      );
      const outcomes = await runner.warmup(warm, loaded.state, this.options.onWindow);
      await this.commit(loaded, { ...cp, nextWindowStart: cp.scoreFrom, fitted: true });
      processed += outcomes.length;
    }

    const { windows, following } = this.nextWindows(loaded.checkpoint, maxWindows);
    // Commit every `checkpointEvery` windows and at the end of the step. Outcomes are reported
    // only once committed, so progress and summaries never count a window that will be redone.
    const every = Math.max(1, this.options.checkpointEvery ?? 1);
    let uncommitted: WindowOutcome[] = [];
    let scoredSinceCommit = 0;
    let next = loaded.checkpoint.nextWindowStart;
    const interval = this.options.checkpointIntervalMs ?? Infinity;
    let committedAt = this.now();
    const flush = async (): Promise<void> => {
      if (uncommitted.length === 0) return;
      // The windows' records reach the index (one bulk request) before the checkpoint moves past them.
      await this.options.records.flush();
      // Cold entities past their retention are forgotten in the state committed now, and their
      // documents swept only once that state is committed: no committed state points at a swept one.
      const eviction = runner.options.eviction;
      const expired =
        eviction?.retentionMs !== undefined ? loaded.state.live?.forgetExpired(next - spec.slideMs, eviction.retentionMs) : undefined;
      await this.commit(loaded, {
        ...loaded.checkpoint,
        nextWindowStart: next,
        windowsScored: loaded.checkpoint.windowsScored + scoredSinceCommit,
      });
      if (expired && eviction) {
        const swept = await eviction.store.sweep(expired.before);
        log.info(
          { job: this.jobId, partition: partition.index, before: iso(expired.before), forgotten: expired.forgotten, swept },
          'cold entities past their retention forgotten and their documents swept',
        );
        uncommitted[uncommitted.length - 1] = { ...uncommitted[uncommitted.length - 1], coldSwept: swept };
      }
      for (const o of uncommitted) this.options.onWindow?.(o);
      processed += uncommitted.length;
      uncommitted = [];
      scoredSinceCommit = 0;
      committedAt = this.now();
    };
    // The next window is read while this one is scored (read-ahead.ts), across steps too: the
    // window after the step's last is read while the slice pass runs. Same results as one by one.
    const ahead = this.readAhead(loaded.state);
    let held = 0;
    for (let i = 0; i < windows.length; i++) {
      const window = windows[i];
      if (this.options.stopRequested?.()) break;
      if (!this.options.lease.held) throw new LeaseLostError(this.jobId, partition.index, 'the lease expired');
      const scores = await runner.score(window, loaded.state, ahead.take(window, windows[i + 1] ?? following));
      ahead.done();
      if (this.options.abort?.aborted) throw new WindowAbortedError(window);
      this.options.records.keep(scores);
      // Nothing written yet: the slice pass reports the documents, alerts and scores it writes.
      uncommitted.push(scoredOutcome(scores, { written: 0, alerts: 0, rejected: 0, retried: 0, maxScore: 0 }));
      scoredSinceCommit++;
      next = window.start + spec.slideMs;
      held += scores.entities;
      if (uncommitted.length >= every || this.now() - committedAt >= interval) await flush();
      if (held >= maxEntityWindows) break;
    }
    if (this.options.stopRequested?.()) this.dropReadAhead();
    await flush();
    return { processed, remaining: this.remainingAfter(loaded.checkpoint), checkpoint: loaded.checkpoint };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
