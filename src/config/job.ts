import { z } from 'zod';
import { featureSpecSchema } from '../features/spec.js';

/** Durations like "15m", "1h", "30s", "1d". */
export const durationSchema = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30s, 15m, 1h or 1d');

const modelToggle = z.strictObject({ enabled: z.boolean().default(true), weight: z.number().min(0).default(1) });

export const jobSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _'),
  /** Start from a preset (authentication by user, …); every field below overrides it. */
  preset: z.enum(['auth_by_user', 'auth_by_source_ip', 'process_by_host', 'network_by_source', 'data_access_by_user']).optional(),
  index: z.string().min(1),
  time_field: z.string().default('@timestamp'),
  /** Extra query DSL applied to every read of the source index. */
  filter: z.record(z.string(), z.unknown()).optional(),
  entity_fields: z.array(z.string().min(1)).min(1).max(2).optional(),
  window: durationSchema.default('1h'),
  slide: durationSchema.default('1h'),
  delay: durationSchema.default('1m'),
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
    })
    .default({
      iforest: { enabled: true, weight: 1 },
      zscore: { enabled: true, weight: 1 },
      rarity: { enabled: true, weight: 1 },
      sequence: { enabled: true, weight: 1 },
      beaconing: { enabled: true, weight: 1 },
    }),
  threshold: z
    .union([
      z.strictObject({ target_fpr: z.number().gt(0).lt(1) }),
      z.strictObject({ alerts_per_day: z.number().positive() }),
    ])
    .default({ target_fpr: 0.01 }),
  /** Split the entity space into N partitions, each leased by one runner. */
  partitions: z.number().int().min(1).max(1024).default(1),
  seed: z.number().int().default(42),
});

export type JobConfig = z.infer<typeof jobSchema>;
