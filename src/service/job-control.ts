/**
 * Pausing and resuming a job, and reading each job's state for `vigil jobs list` — all kept in the
 * state index beside the leases and checkpoints, so every runner of the cluster sees the same
 * switch and no runner needs to be reachable to flip it.
 *
 * A paused job keeps its checkpoint: the runners release its leases at their next cycle and score
 * nothing for it; on resume they catch up from the checkpoint (no window is skipped).
 */
import type { Engine, JsonObject } from '../engine/engine.js';
import type { LeaseDocument } from '../pipeline/lease.js';
import { leaseId } from '../pipeline/lease.js';
import { stateHeadId, type JobStateHead } from '../pipeline/state-store.js';

export interface JobControlDocument extends JsonObject {
  kind: 'job_control';
  job_id: string;
  paused: boolean;
  updated_at: string;
  updated_by: string;
  reason: string | null;
}

export function jobControlId(jobId: string): string {
  return `control:${jobId}`;
}

/** Sets the paused flag (unconditional: the last operator's word wins). */
export async function setPaused(
  engine: Engine,
  stateIndex: string,
  jobId: string,
  paused: boolean,
  by: string,
  reason?: string,
): Promise<JobControlDocument> {
  const doc: JobControlDocument = {
    kind: 'job_control',
    job_id: jobId,
    paused,
    updated_at: new Date().toISOString(),
    updated_by: by,
    reason: reason ?? null,
  };
  await engine.putState(stateIndex, jobControlId(jobId), doc, { kind: 'none' });
  return doc;
}

/** The jobs among `jobIds` that are paused (a missing state index means none). */
export async function pausedJobs(engine: Engine, stateIndex: string, jobIds: readonly string[]): Promise<Set<string>> {
  const paused = new Set<string>();
  for (const id of jobIds) {
    const control = await engine.getState<JobControlDocument>(stateIndex, jobControlId(id));
    if (control?.doc.paused) paused.add(id);
  }
  return paused;
}

export interface PartitionStatus {
  readonly partition: number;
  readonly holder: string | null;
  readonly leaseExpiresAt: string | null;
  readonly leaseLive: boolean;
  readonly fitted: boolean | null;
  readonly nextWindowStart: string | null;
  readonly windowsScored: number;
  readonly updatedAt: string | null;
}

export interface JobStatus {
  readonly job: string;
  readonly paused: boolean;
  readonly pausedBy: string | null;
  readonly partitions: readonly PartitionStatus[];
}

export async function jobStatus(
  engine: Engine,
  stateIndex: string,
  jobId: string,
  partitions: number,
  now: number = Date.now(),
): Promise<JobStatus> {
  const control = await engine.getState<JobControlDocument>(stateIndex, jobControlId(jobId));
  const rows: PartitionStatus[] = [];
  for (let p = 0; p < partitions; p++) {
    const [lease, head] = await Promise.all([
      engine.getState<LeaseDocument>(stateIndex, leaseId(jobId, p)),
      engine.getState<JobStateHead>(stateIndex, stateHeadId(jobId, p)),
    ]);
    rows.push({
      partition: p,
      holder: lease?.doc.holder ?? null,
      leaseExpiresAt: lease ? lease.doc.expires_at_iso : null,
      leaseLive: lease ? lease.doc.expires_at > now : false,
      fitted: head ? head.doc.fitted : null,
      nextWindowStart: head ? head.doc.next_window_start_iso : null,
      windowsScored: head?.doc.windows_scored ?? 0,
      updatedAt: head?.doc.updated_at ?? null,
    });
  }
  return {
    job: jobId,
    paused: control?.doc.paused ?? false,
    pausedBy: control?.doc.paused ? control.doc.updated_by : null,
    partitions: rows,
  };
}
