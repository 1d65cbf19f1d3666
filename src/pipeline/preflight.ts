/**
 * Checks `vigil backfill` and `vigil run` make before touching any checkpoint, so a mistake is one
 * clear message instead of a half-done run:
 *   - `vigil install` has been run for these output indices (without it the anomaly index would be
 *     mapped dynamically and the writer would dead-letter its documents);
 *   - every job's index pattern matches at least one index (otherwise the windows would be
 *     "processed" over nothing and the checkpoint would move past them for good);
 *   - how many events are dated after now + the job's future_skew (counted as bad, never read).
 */
import type { JobConfig } from '../config/job.js';
import type { VigilConfig } from '../config/schema.js';
import type { Engine, JsonObject } from '../engine/engine.js';
import { resolveJob } from '../features/presets.js';
import { durationMs } from '../config/duration.js';
import { VIGIL_VERSION } from './version.js';

/** Id of the document `vigil install` leaves in the state index. */
export const INSTALL_MARKER_ID = 'vigil:install';

export class PreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreflightError';
  }
}

/** Written by `vigil install` once the templates are in place. */
export async function markInstalled(engine: Engine, config: VigilConfig, now = Date.now()): Promise<void> {
  await engine.putState(
    config.output.state_index,
    INSTALL_MARKER_ID,
    { kind: 'install', model_version: VIGIL_VERSION, updated_at: new Date(now).toISOString() },
    { kind: 'none' },
  );
}

export interface PreflightReport {
  /** Job id → events dated after now + future_skew (matching the job's filter). */
  readonly future: ReadonlyMap<string, number>;
}

export async function preflight(
  engine: Engine,
  config: VigilConfig,
  jobs: readonly JobConfig[],
  configPath: string,
  now = Date.now(),
): Promise<PreflightReport> {
  const marker = await engine.getState(config.output.state_index, INSTALL_MARKER_ID);
  if (!marker) {
    throw new PreflightError(
      `Vigil is not installed for output indices ${config.output.anomaly_index} / ${config.output.state_index}: run \`vigil install --config ${configPath}\` first (it applies the index templates; without them documents would be mapped wrongly)`,
    );
  }
  const future = new Map<string, number>();
  for (const job of jobs) {
    const i = config.jobs.indexOf(job);
    const answer = await engine.search(job.index, { size: 0, track_total_hits: true, query: futureQuery(job, now) });
    const shards = (answer._shards as { total?: number } | undefined)?.total ?? 0;
    if (shards === 0) {
      throw new PreflightError(
        `job ${job.id}: index pattern "${job.index}" matches no index; check jobs[${i}].index (\`vigil doctor\` shows what each job reads). Nothing was processed and no checkpoint moved.`,
      );
    }
    const total = (answer.hits as { total?: { value?: number } | number } | undefined)?.total;
    future.set(job.id, typeof total === 'number' ? total : (total?.value ?? 0));
  }
  return { future };
}

/** Events of the job dated after now + future_skew. */
function futureQuery(job: JobConfig, now: number): JsonObject {
  const resolved = resolveJob(job);
  const range: JsonObject = { range: { [resolved.timeField]: { gt: now + durationMs(job.future_skew), format: 'epoch_millis' } } };
  return { bool: { filter: resolved.filter ? [range, resolved.filter] : [range] } };
}
