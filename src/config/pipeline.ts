import { z } from 'zod';
import { durationMs } from './duration.js';
import { durationSchema } from './job.js';

/**
 * How the pipeline runs (`vigil run` / `vigil backfill`): leases, catch-up, bulk writes, what is
 * written and how long it is kept. Every key has a default, so the section is optional.
 */
export const pipelineSchema = z.strictObject({
  /** A runner holds a (job, partition) lease this long without renewing it; a standby takes over after it lapses. */
  lease_ttl: durationSchema.default('60s'),
  /** Windows one (job, partition) processes before the runner moves on to the next one (catch-up is round-robin). */
  max_windows_per_tick: z.number().int().min(1).max(10_000).default(24),
  /** On SIGTERM/SIGINT the window in progress may finish within this period; otherwise it is abandoned without a checkpoint. */
  grace_period: durationSchema.default('30s'),
  /** Longest wait between retries while the cluster is unreachable. */
  outage_max_backoff: durationSchema.default('60s'),
  bulk: z
    .strictObject({
      /** Documents per bulk request. */
      batch_size: z.number().int().min(1).max(10_000).default(1_000),
      /** Attempts for items (or whole requests) failing with 429 / 5xx before they go to the dead-letter index. */
      max_attempts: z.number().int().min(1).max(20).default(5),
      /** First backoff; doubled each attempt, with full jitter. */
      initial_backoff: durationSchema.default('500ms'),
      max_backoff: durationSchema.default('30s'),
    })
    .default({ batch_size: 1_000, max_attempts: 5, initial_backoff: '500ms', max_backoff: '30s' }),
  /**
   * Scored entity-windows below this score are not written (alerts and the windows of alerted
   * incidents always are). The default (75, "high" and above) keeps the anomaly index more than an
   * order of magnitude smaller than one document per entity-window: in a realistic day about one
   * window in ten scores "medium" (50–75) below the cut, and writing those was most of the index;
   * `rollup` keeps every entity's trajectory, its daily highest and mean score included. 50 writes
   * the mediums too; 0 writes every scored entity-window (the full-detail opt-in; the evaluation
   * uses it).
   */
  write_min_score: z.number().min(0).max(100).default(75),
  /**
   * One rollup document per entity and hour or day (`event.dataset: vigil.rollup`): the period's
   * highest and mean score, windows, alerts, events and top feature, whatever the scores
   * (src/pipeline/result-policy.ts). `none` writes no rollups.
   */
  rollup: z.enum(['none', 'hour', 'day']).default('day'),
  /**
   * `none` writes to output.anomaly_index itself; `month` writes to `<anomaly_index>-YYYY.MM` (by
   * window start, so re-runs still hit the same index) which the lifecycle policy deletes after
   * `retention`. Read through the `<anomaly_index>*` pattern either way.
   */
  anomaly_index_period: z.enum(['none', 'month']).default('none'),
  /** Age after which the lifecycle policy (ILM / ISM, when the cluster has it) deletes monthly anomaly indices. */
  retention: durationSchema.default('180d'),
  /**
   * Commit the partition state (checkpoint + model) after this many scored windows, or once
   * `checkpoint_interval` has passed since the last commit, whichever comes first. The whole state
   * is rewritten on every commit. Default: 24 for `vigil backfill` (a crash redoes at most that
   * many windows or 30 s of work, idempotently: ids are deterministic, the slice records of
   * uncommitted windows are simply rewritten), 1 for `vigil run` (one window per tick once
   * caught up).
   */
  checkpoint_every: z.number().int().min(1).max(1_000).optional(),
  checkpoint_interval: durationSchema.default('30s'),
  /**
   * Memory budget for the live per-entity model state of this runner, in MB, shared by every job
   * partition it runs. Beyond it the idlest entities are evicted to the state index and restored
   * when they return (with the same state). 0 = no cap (entities already evicted are still restored).
   */
  entity_memory_mb: z.number().min(0).max(1_000_000).default(400),
  /**
   * Evicted (cold) entities idle longer than this, in window time, are forgotten — one that comes
   * back starts afresh, like a new entity — and their documents are swept from the state index,
   * at most once a day per job partition (src/pipeline/entity-eviction.ts). At least 1d.
   */
  cold_entity_retention: durationSchema
    .default('30d')
    .refine((d) => !/^\d+(ms|s|m|h|d)$/.test(d) || durationMs(d) >= 86_400_000, 'at least 1d: cold entities are swept at most once a day'),
  /**
   * Nearest-neighbour evidence in the anomaly documents (`vigil.neighbours`): the closest past
   * windows of the entity and whether the window is typical of it. Its memory (at most 5,000
   * entities × 32 windows a job partition, about 15 MB) is checkpointed with the model.
   */
  neighbours: z.boolean().default(true),
  /** Serialised model state is split into documents of at most this many bytes. */
  state_chunk_bytes: z.number().int().min(10_000).max(50_000_000).default(1_000_000),
});

export type PipelineConfig = z.infer<typeof pipelineSchema>;

export const PIPELINE_DEFAULTS: PipelineConfig = pipelineSchema.parse({});
