/**
 * `vigil backfill`: runs the real-time code over a past range [from, to), partition by partition.
 * The first `warmup` of the range only learns (the ensemble is fitted on it, baselines warmed, no
 * documents, no alerts); every later window is scored exactly as `vigil run` would score it.
 *
 * The partitions advance in rounds (a few windows each), and after every round the slice pass
 * decides the slices every partition has scored and writes their documents once: documents appear
 * as the backfill goes, and the scores waiting for a decision stay few.
 *
 * Resumable: the partition state (checkpoint, model, baselines) is committed every
 * `pipeline.checkpoint_every` windows (default 24 here) or `checkpoint_interval`, the slice pass's
 * likewise, so a backfill that is killed continues where it stopped —
 * after the dead process's leases have expired — and ends with the same documents and incident
 * ids as an uninterrupted one. A finished range is not redone unless `restart` is set (then the
 * state is reset and the documents are overwritten in place, thanks to deterministic ids).
 */
import type { Logger } from '../log.js';
import { WindowAbortedError, type WindowOutcome } from './job-runner.js';
import type { PartitionWorker } from './partition-worker.js';
import type { SlicePass, SlicePassReport } from './slice-pass.js';

export interface BackfillOptions {
  readonly workers: readonly PartitionWorker[];
  /** Decides and writes the slices of the range (between rounds, and once at the end). */
  readonly slices: SlicePass;
  readonly range: { readonly from: number; readonly to: number };
  readonly log: Logger;
  /** Start over instead of resuming (state reset, documents overwritten). */
  readonly restart: boolean;
  /** How long to wait for a partition lease held by another runner (e.g. a killed backfill's). */
  readonly leaseWaitMs: number;
  /** Windows per partition and round (a round always ends with a commit). */
  readonly windowsPerStep?: number;
  /**
   * Entity-windows the partitions of one round may hold for the slice pass, shared by the active
   * partitions (default ROUND_ENTITY_WINDOWS). A partition ends its step once its windows reach its
   * share (at least one window a step).
   */
  readonly entityWindowsPerRound?: number;
  /** Called once the number of windows to do is known, then per window. */
  readonly onPlan?: (total: number) => void;
  readonly onWindow?: (outcome: WindowOutcome) => void;
  readonly stopRequested?: () => boolean;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface PartitionBackfill {
  readonly job: string;
  readonly partition: number;
  readonly windows: number;
  readonly alreadyDone: boolean;
  readonly nextWindowStart: string;
}

export interface BackfillResult {
  readonly partitions: PartitionBackfill[];
  /** The slice pass over the range, all rounds together (status of the last). */
  readonly slices: SlicePassReport;
}

function addSlices(total: SlicePassReport | undefined, r: SlicePassReport): SlicePassReport {
  if (!total) return r;
  const status = r.status === 'nothing_to_do' || r.status === 'already_done' ? total.status : r.status;
  return {
    status,
    slices: total.slices + r.slices,
    documents: total.documents + r.documents,
    alertDocuments: total.alertDocuments + r.alertDocuments,
    incidents: total.incidents + r.incidents,
    updates: total.updates + r.updates,
    written: total.written + r.written,
    retried: total.retried + r.retried,
    deadLettered: total.deadLettered + r.deadLettered,
    rollups: total.rollups + r.rollups,
    missing: total.missing + r.missing,
  };
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits (polling) until this process holds the worker's lease, or throws after `waitMs`. */
async function acquire(
  worker: PartitionWorker,
  waitMs: number,
  log: Logger,
  sleep: (ms: number) => Promise<void>,
  stopRequested?: () => boolean,
): Promise<void> {
  const { lease } = worker.options;
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    const status = await lease.tryAcquire();
    if (status.held) {
      if (status.takenOverFrom)
        log.info(
          { job: lease.options.jobId, partition: lease.options.partition, from: status.takenOverFrom },
          'took over an expired lease: resuming from its checkpoint',
        );
      return;
    }
    if (Date.now() >= deadline || stopRequested?.()) {
      throw new Error(
        `job ${lease.options.jobId} partition ${lease.options.partition} is leased by ${status.holder} until ${new Date(status.expiresAt).toISOString()}; stop that runner or wait for the lease to expire`,
      );
    }
    if (!told) {
      log.info(
        {
          job: lease.options.jobId,
          partition: lease.options.partition,
          holder: status.holder,
          until: new Date(status.expiresAt).toISOString(),
        },
        'partition leased by another runner: waiting for it to expire',
      );
      told = true;
    }
    // Poll every quarter TTL, or right when the holder's lease runs out, whichever comes first.
    const untilExpiry = status.expiresAt - Date.now() + 50;
    const untilDeadline = deadline - Date.now() + 50;
    await sleep(Math.max(100, Math.min(untilExpiry, lease.options.ttlMs / 4, untilDeadline)));
  }
}

/**
 * A round's scored windows wait in memory (slice-records.ts) until the slice pass decides them, a
 * whole anomaly document per entity-window: about 4 KB of heap each. Ten windows a partition per
 * round held 60,000 of them at 10,000 users, and 1.5 million with five jobs at 30,000 users (1.7 GB
 * peak RSS); bounding the round by entity-windows instead of windows bounds that memory whatever
 * the estate.
 */
export const ROUND_ENTITY_WINDOWS = 20_000;

export async function runBackfill(options: BackfillOptions): Promise<BackfillResult> {
  const { workers, log } = options;
  const sleep = options.sleep ?? defaultSleep;
  const results: PartitionBackfill[] = [];
  let slices: SlicePassReport | undefined;
  // Take every lease and count the work first, so the progress bar knows its total.
  const pending = new Map<PartitionWorker, number>();
  try {
    for (const worker of workers) {
      await acquire(worker, options.leaseWaitMs, log, sleep, options.stopRequested);
      worker.options.lease.startAutoRenew(
        () => log.warn({ job: worker.options.plan.job.id, partition: worker.options.partition.index }, 'lease lost during the backfill'),
        () => undefined,
      );
      if (options.restart) await worker.reset();
      await worker.options.store.sweepOrphans(worker.options.plan.job.id, worker.options.partition.index).catch(() => 0);
      pending.set(worker, await worker.pendingWindows());
    }
    options.onPlan?.([...pending.values()].reduce((a, b) => a + b, 0));

    const active = new Map<PartitionWorker, number>();
    for (const worker of workers) {
      if ((pending.get(worker) ?? 0) > 0) {
        active.set(worker, 0);
        continue;
      }
      const cp = await worker.load();
      log.info(
        { job: worker.options.plan.job.id, partition: worker.options.partition.index, next: new Date(cp.nextWindowStart).toISOString() },
        'range already done (use --restart to redo it)',
      );
      results.push({
        job: worker.options.plan.job.id,
        partition: worker.options.partition.index,
        windows: 0,
        alreadyDone: true,
        nextWindowStart: new Date(cp.nextWindowStart).toISOString(),
      });
    }
    // The first slice pass of a --restart starts the range's incident state over; later rounds resume it.
    let restartSlices = options.restart;
    const decide = async (): Promise<void> => {
      slices = addSlices(
        slices,
        await options.slices.backfillPass({ ...options.range, restart: restartSlices, leaseWaitMs: options.leaseWaitMs }),
      );
      restartSlices = false;
    };
    while (active.size > 0 && !options.stopRequested?.()) {
      for (const [worker, windows] of [...active]) {
        if (options.stopRequested?.()) break;
        const share = Math.max(1, Math.floor((options.entityWindowsPerRound ?? ROUND_ENTITY_WINDOWS) / active.size));
        const step = await worker.step(options.windowsPerStep ?? 10, share);
        active.set(worker, windows + step.processed);
        if (step.remaining === 0 || step.processed === 0) {
          active.delete(worker);
          results.push({
            job: worker.options.plan.job.id,
            partition: worker.options.partition.index,
            windows: windows + step.processed,
            alreadyDone: false,
            nextWindowStart: new Date(step.checkpoint.nextWindowStart).toISOString(),
          });
        }
      }
      if (!options.stopRequested?.()) await decide();
    }
    // Also when every partition was done already: slices a killed run scored but never decided.
    if (!options.stopRequested?.() && slices === undefined) await decide();
  } catch (error) {
    if (!(error instanceof WindowAbortedError)) throw error;
  } finally {
    for (const worker of workers) {
      worker.options.lease.stopAutoRenew();
      await worker.options.lease.release().catch(() => undefined);
    }
  }
  return {
    partitions: results,
    slices: slices ?? {
      status: 'stopped',
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
    },
  };
}
