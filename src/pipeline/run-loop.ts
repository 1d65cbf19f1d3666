/**
 * The `vigil run` loop over a set of partition workers. Each cycle (fired by the cron schedule):
 *
 *   for every (job, partition): hold or take its lease (else stand by), then score up to
 *   `max_windows_per_tick` windows; then the slice pass writes the slices every job has scored;
 *   repeat round-robin until every held partition has caught up.
 *
 * Outages: when the cluster is unreachable (or answers 429 / 5xx) the cycle logs the outage once,
 * retries with exponential backoff (full jitter, capped at `outage_max_backoff`) and, when the
 * cluster is back, catches up from the checkpoints — nothing is skipped because checkpoints only
 * move after a window's writes succeeded.
 *
 * Shutdown: `stop(graceMs)` lets the window in progress finish and commit within the grace period;
 * after it the window is abandoned (nothing more is written or committed) and the leases released.
 */
import { EngineRequestError, EngineUnavailableError } from '../engine/engine.js';
import type { Logger } from '../log.js';
import { WindowAbortedError } from './job-runner.js';
import { LeaseLostError, type PartitionWorker } from './partition-worker.js';
import { SliceAbortedError } from './slice-pass.js';

export interface RunLoopOptions {
  readonly workers: readonly PartitionWorker[];
  readonly log: Logger;
  readonly maxWindowsPerTick: number;
  readonly maxBackoffMs: number;
  /** First outage backoff (default 1 s). */
  readonly initialBackoffMs?: number;
  /** Hard abort for the window in progress (shared with the workers' runners). */
  readonly abort: AbortController;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  /**
   * Runs after every round over the workers that was not stopped: the slice pass, deciding and
   * writing the slices every job has now scored (so scores never pile up during a catch-up). An
   * outage or failure there is logged; the next round tries again.
   */
  readonly afterPass?: () => Promise<void>;
  /** Partitions of paused jobs (`vigil jobs pause`): their lease is released and nothing is scored. */
  readonly paused?: (worker: PartitionWorker) => boolean;
}

export interface CycleReport {
  readonly windows: number;
  /** Partitions this process holds the lease of at the end of the cycle. */
  readonly held: number;
  /** Partitions held by another runner (we stand by). */
  readonly standby: number;
  readonly outageRetries: number;
}

/** Errors that mean "the cluster is not (fully) there": retry later, never skip. */
export function isOutage(error: unknown): boolean {
  if (error instanceof EngineUnavailableError) return true;
  if (error instanceof EngineRequestError) return error.status === 0 || error.status === 429 || error.status >= 500;
  return false;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class RunLoop {
  private stopping = false;
  /** Wakes backoff sleeps on stop. */
  private readonly wake = new AbortController();
  private current: Promise<CycleReport> | undefined;
  private outageSince: number | undefined;
  private readonly standbyHolder = new Map<PartitionWorker, string>();
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: RunLoopOptions) {
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
  }

  get stopRequested(): boolean {
    return this.stopping;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  /** Runs one cycle unless one is already running (cron ticks never overlap). */
  cycle(): Promise<CycleReport> | undefined {
    if (this.stopping || this.current) return undefined;
    this.current = this.runCycle().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private async runCycle(): Promise<CycleReport> {
    const { log } = this.options;
    let windows = 0;
    let retries = 0;
    for (;;) {
      if (this.stopping) break;
      try {
        const pass = await this.pass();
        windows += pass.windows;
        await this.afterPass();
        if (this.outageSince !== undefined) {
          log.info(
            { downSeconds: Math.round((Date.now() - this.outageSince) / 1000) },
            'cluster reachable again: catching up from the checkpoints',
          );
          this.outageSince = undefined;
        }
        if (!pass.behind) break;
      } catch (error) {
        if (error instanceof WindowAbortedError) break;
        if (!isOutage(error)) throw error;
        retries++;
        const delay = this.backoff(retries);
        if (this.outageSince === undefined) {
          this.outageSince = Date.now();
          log.error({ err: (error as Error).message }, 'cluster unreachable: will retry with backoff and catch up when it returns');
        } else {
          log.warn({ attempt: retries, retryInMs: delay, err: (error as Error).message }, 'cluster still unreachable');
        }
        await this.sleep(delay, this.wake.signal);
      }
    }
    const held = this.options.workers.filter((w) => w.options.lease.held).length;
    return { windows, held, standby: this.options.workers.length - held, outageRetries: retries };
  }

  private async afterPass(): Promise<void> {
    if (this.stopping || !this.options.afterPass) return;
    try {
      await this.options.afterPass();
    } catch (error) {
      if (error instanceof WindowAbortedError || error instanceof SliceAbortedError) return;
      const message = error instanceof Error ? error.message : String(error);
      if (isOutage(error)) this.options.log.warn({ err: message }, 'slice pass: cluster unreachable; it runs again after the next round');
      else this.options.log.error({ err: message }, 'slice pass failed; it runs again after the next round');
    }
  }

  private backoff(attempt: number): number {
    const initial = this.options.initialBackoffMs ?? 1_000;
    const cap = Math.min(this.options.maxBackoffMs, initial * 2 ** Math.min(attempt - 1, 20));
    // Full jitter, but never less than a tenth of the cap so a flapping cluster is not hammered.
    return Math.max(Math.floor(cap / 10), Math.floor(this.random() * cap));
  }

  /** One round over every worker; throws on an outage so the cycle can back off. */
  private async pass(): Promise<{ windows: number; behind: boolean }> {
    const { log } = this.options;
    let windows = 0;
    let behind = false;
    for (const worker of this.options.workers) {
      if (this.stopping) break;
      const { lease } = worker.options;
      const job = worker.options.plan.job.id;
      const partition = worker.options.partition.index;
      if (this.options.paused?.(worker)) {
        if (lease.held) {
          log.info({ job, partition }, 'job paused: releasing the partition lease (the checkpoint is kept)');
          worker.invalidate();
          await lease.release().catch(() => undefined);
        }
        continue;
      }
      if (!lease.held) {
        worker.invalidate();
        const status = await lease.tryAcquire();
        if (!status.held) {
          if (this.standbyHolder.get(worker) !== status.holder) {
            log.info(
              { job, partition, holder: status.holder, until: new Date(status.expiresAt).toISOString() },
              'standing by: another runner holds this partition',
            );
            this.standbyHolder.set(worker, status.holder);
          }
          continue;
        }
        this.standbyHolder.delete(worker);
        log.info(
          { job, partition, ...(status.takenOverFrom ? { takenOverFrom: status.takenOverFrom } : {}) },
          status.takenOverFrom ? 'took over the partition lease' : 'acquired the partition lease',
        );
        await worker.options.store.sweepOrphans(job, partition).catch(() => 0);
        lease.startAutoRenew(
          () => {
            log.warn({ job, partition }, 'lease lost to another runner: abandoning this partition');
            worker.invalidate();
          },
          (error) => log.debug({ job, partition, err: (error as Error).message }, 'lease renewal failed; retrying'),
        );
      }
      try {
        const step = await worker.step(this.options.maxWindowsPerTick);
        windows += step.processed;
        if (step.remaining > 0) behind = true;
      } catch (error) {
        if (error instanceof LeaseLostError) {
          log.warn({ job, partition, err: error.message }, 'partition taken over by another runner');
          lease.stopAutoRenew();
          continue;
        }
        if (error instanceof WindowAbortedError || isOutage(error)) throw error;
        // A job-level error (bad mapping, bad filter): log it and keep the other jobs running.
        log.error(
          { job, partition, err: error instanceof Error ? error.message : String(error) },
          'window failed; it will be retried at the next cycle',
        );
      }
    }
    return { windows, behind };
  }

  /**
   * Graceful stop: no new window starts; the one in progress may finish within `graceMs`, else it
   * is abandoned without a checkpoint. Leases are released so a standby takes over at once.
   * Resolves to true when the cycle finished within the grace period.
   */
  async stop(graceMs: number): Promise<boolean> {
    this.stopping = true;
    this.wake.abort();
    let finished = true;
    if (this.current) {
      const current = this.current.then(
        () => true,
        () => true,
      );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      });
      finished = await Promise.race([current, timeout]);
      clearTimeout(timer);
      if (!finished) {
        this.options.abort.abort();
        this.options.log.warn({ graceMs }, 'grace period over: abandoning the window in progress (it will be redone, not checkpointed)');
      }
    }
    for (const worker of this.options.workers) {
      const lease = worker.options.lease;
      lease.stopAutoRenew();
      await Promise.race([lease.release().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
    }
    return finished;
  }
}
