import { z } from 'zod';
import { featureSpecSchema } from './feature-spec.js';

/** Durations like "15m", "1h", "30s", "1d". */
export const durationSchema = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30s, 15m, 1h or 1d');

/**
 * The slide of preset jobs: 1 h windows every 15 minutes, so the median time to detect stays under
 * 20 minutes (a window ending within 15 minutes of an attack covers it) at four window queries an hour.
 */
export const PRESET_SLIDE = '15m';

const modelToggle = z.strictObject({ enabled: z.boolean().default(true), weight: z.number().min(0).default(1) });

export const jobSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _'),
    /** Start from a preset (authentication by user, …); every field below overrides it. */
    preset: z.enum(['auth_by_user', 'auth_by_source_ip', 'process_by_host', 'network_by_source', 'data_access_by_user']).optional(),
    index: z.string().min(1),
    time_field: z.string().default('@timestamp'),
    /** Extra query DSL applied to every read of the source index. */
    filter: z.record(z.string(), z.unknown()).optional(),
    /**
     * 1 or 2 entity fields. An entry may be a list of alternatives, used in order per event: [host.name, host.hostname]
     * groups by host.name, or by host.hostname for events without host.name (system/auth, syslog shippers).
     */
    entity_fields: z
      .array(z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(4)]))
      .min(1)
      .max(2)
      .optional(),
    /** Events dated further than this past the current time are counted as bad and ignored (clock skew, typos like 2099). */
    future_skew: durationSchema.default('1h'),
    /** Window length W: features are computed per entity over [start, start + W). */
    window: durationSchema.default('1h'),
    /**
     * Slide S between window starts (≤ window; smaller than the window gives overlapping windows).
     * Default: PRESET_SLIDE for a preset job (an attack is seen within minutes, not an hour), else the window.
     */
    slide: durationSchema.optional(),
    /** Ingest delay: a window is read only once its end is this far in the past (late events). */
    delay: durationSchema.default('1m'),
    /**
     * History learned before the first window is scored: the ensemble is fitted on the windows of
     * this span (first-seen baselines warmed too) without writing anomalies or alerting.
     */
    warmup: durationSchema.default('1d'),
    /** Human name for rule.name in anomaly documents (default: derived from the job id). */
    name: z.string().min(1).optional(),
    /** ECS event.category of the anomaly documents (default: from the preset, else intrusion_detection). */
    event_category: z.array(z.string().min(1)).min(1).optional(),
    features: z.array(featureSpecSchema).optional(),
    /** Categorical fields whose values per entity feed the rarity model (source IP, country, host, process…). */
    categorical_fields: z.array(z.string().min(1)).optional(),
    /** Field holding the action name for the sequence model. */
    sequence_field: z.string().optional(),
    /** Destination field for periodicity (beaconing) per source→destination pair. */
    periodicity_field: z.string().optional(),
    models: z
      .strictObject({
        iforest: modelToggle.default({ enabled: true, weight: 1 }),
        zscore: modelToggle.default({ enabled: true, weight: 1 }),
        rarity: modelToggle.default({ enabled: true, weight: 1 }),
        sequence: modelToggle.default({ enabled: true, weight: 1 }),
        beaconing: modelToggle.default({ enabled: true, weight: 1 }),
        /** Off by default: the ablation in docs/detection.md shows what it adds. */
        autoencoder: modelToggle.default({ enabled: false, weight: 1 }),
      })
      .default({
        iforest: { enabled: true, weight: 1 },
        zscore: { enabled: true, weight: 1 },
        rarity: { enabled: true, weight: 1 },
        sequence: { enabled: true, weight: 1 },
        beaconing: { enabled: true, weight: 1 },
        autoencoder: { enabled: false, weight: 1 },
      }),
    threshold: z
      .union([z.strictObject({ target_fpr: z.number().gt(0).lt(1) }), z.strictObject({ alerts_per_day: z.number().positive() })])
      .default({ target_fpr: 0.01 }),
    /** Split the entity space into N partitions, each leased by one runner. */
    partitions: z.number().int().min(1).max(1024).default(1),
    seed: z.number().int().default(42),
  })
  .transform((job) => ({ ...job, slide: job.slide ?? (job.preset ? PRESET_SLIDE : job.window) }));

export type JobConfig = z.infer<typeof jobSchema>;
