import { z } from 'zod';

/**
 * Feature specifications: each per-entity feature is declared once here and computed by two
 * executors that must agree (parity-tested): the aggregation executor pushes it down to the
 * engine as composite-aggregation sub-aggregations, the memory executor computes it over events
 * in process (NDJSON files, `vigil detect`, `vigil eval`).
 */

/** Term condition both executors understand: every listed field must equal one of its values. */
export const whereSchema = z.record(
  z.string().min(1),
  z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1)]),
);
export type Where = z.infer<typeof whereSchema>;

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'feature names are snake_case, e.g. failed_logins');
const field = z.string().min(1);

export const featureSpecSchema = z.discriminatedUnion('kind', [
  /** Number of events (optionally only those matching `where`). */
  z.strictObject({ kind: z.literal('count'), name, where: whereSchema.optional() }),
  /** Share of the entity's events matching `where`, e.g. failure ratio; 0 when there are no events. */
  z.strictObject({ kind: z.literal('ratio'), name, where: whereSchema }),
  /** Number of distinct values of a field. */
  z.strictObject({ kind: z.literal('distinct_count'), name, field, where: whereSchema.optional() }),
  /** Shannon entropy (bits) of a field's value distribution. */
  z.strictObject({ kind: z.literal('entropy'), name, field, where: whereSchema.optional() }),
  /** Sum / max / mean of a numeric field. */
  z.strictObject({ kind: z.enum(['sum', 'max', 'mean']), name, field, where: whereSchema.optional() }),
  /** Share of events outside working hours (local time in `timezone`, weekends off by default). */
  z.strictObject({
    kind: z.literal('off_hours_share'),
    name,
    work_start_hour: z.number().int().min(0).max(23).default(8),
    work_end_hour: z.number().int().min(1).max(24).default(18),
    weekends_off: z.boolean().default(true),
    timezone: z.string().default('UTC'),
  }),
  /** Largest number of events in any fixed interval inside the window (default one minute). */
  z.strictObject({ kind: z.literal('burst'), name, interval_seconds: z.number().int().positive().default(60) }),
  /** Number of values of `field` never seen for this entity before (against its baseline). */
  z.strictObject({ kind: z.literal('first_seen'), name, field }),
  /** Mean hour of day (0–24, UTC) of the entity's events. */
  z.strictObject({ kind: z.literal('hour_of_day'), name }),
]);

export type FeatureSpec = z.infer<typeof featureSpecSchema>;
