import { z } from 'zod';

/**
 * Feature specifications: each per-entity feature is declared once here and computed by two
 * executors that must agree (parity-tested): the aggregation executor pushes it down to the
 * engine as composite-aggregation sub-aggregations, the memory executor computes it over events
 * in process (NDJSON files, `vigil detect`, `vigil eval`).
 *
 * Semantics shared by both executors (see docs/features.md):
 * - a multi-valued field counts each distinct value once per event (as the engines' terms
 *   aggregation does); numeric aggregates (sum/max/mean) use every value;
 * - `where` is term equality: every listed field must have one of the listed values (any element
 *   of an array field matching is enough); values compare as strings ("443" equals 443);
 * - time features use epoch-aligned buckets of the event time (UTC), converted to local clock
 *   time per 15-minute slot, so every IANA time zone (all offsets are multiples of 15 minutes)
 *   gives the same answer in both executors.
 */

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Term condition both executors understand: every listed field must equal one of its values. */
export const whereSchema = z
  .record(z.string().min(1), z.union([scalar, z.array(scalar).min(1)]))
  .refine((w) => Object.keys(w).length > 0, 'a where condition needs at least one field, e.g. {"event.outcome": "failure"}');
export type Where = z.infer<typeof whereSchema>;

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'feature names are snake_case, e.g. failed_logins');
const field = z.string().min(1);

/** Shared optional metadata: the ATT&CK technique the feature hints at, and a human phrase for narratives. */
const meta = {
  /** MITRE ATT&CK technique or sub-technique id, e.g. "T1110" or "T1110.001". */
  technique: z
    .string()
    .regex(/^T\d{4}(\.\d{3})?$/, 'an ATT&CK technique id such as T1110 or T1110.001')
    .optional(),
  /** Human phrase used in explanations, e.g. "failed logins". */
  label: z.string().min(1).optional(),
};

/** An IANA time zone name the runtime knows (Intl throws a RangeError for unknown ones). */
export const timezoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as UTC, Europe/Berlin or America/New_York');

const countSpec = z.strictObject({ kind: z.literal('count'), name, where: whereSchema.optional(), ...meta });
const ratioSpec = z.strictObject({ kind: z.literal('ratio'), name, where: whereSchema, ...meta });
const distinctSpec = z.strictObject({ kind: z.literal('distinct_count'), name, field, where: whereSchema.optional(), ...meta });
const entropySpec = z.strictObject({ kind: z.literal('entropy'), name, field, where: whereSchema.optional(), ...meta });
const numericSpec = z.strictObject({ kind: z.enum(['sum', 'max', 'mean']), name, field, where: whereSchema.optional(), ...meta });
const offHoursSpec = z
  .strictObject({
    kind: z.literal('off_hours_share'),
    name,
    work_start_hour: z.number().int().min(0).max(23).default(8),
    work_end_hour: z.number().int().min(1).max(24).default(18),
    weekends_off: z.boolean().default(true),
    timezone: timezoneSchema.default('UTC'),
    ...meta,
  })
  .refine((s) => s.work_start_hour < s.work_end_hour, { error: 'work_start_hour must be before work_end_hour', path: ['work_end_hour'] });
const burstSpec = z.strictObject({
  kind: z.literal('burst'),
  name,
  interval_seconds: z.number().int().positive().max(86_400).default(60),
  ...meta,
});
const firstSeenSpec = z.strictObject({ kind: z.literal('first_seen'), name, field, ...meta });
const hourOfDaySpec = z.strictObject({ kind: z.literal('hour_of_day'), name, timezone: timezoneSchema.default('UTC'), ...meta });

export const featureSpecSchema = z.discriminatedUnion('kind', [
  /** Number of events (optionally only those matching `where`). */
  countSpec,
  /** Share of the entity's events matching `where`, e.g. failure ratio (0–1). */
  ratioSpec,
  /** Number of distinct values of a field (on the engines: exact in practice below the cardinality precision threshold, 1,000 by default). */
  distinctSpec,
  /** Shannon entropy (bits) of a field's value distribution. */
  entropySpec,
  /** Sum / max / mean of a numeric field over all its values; 0 when the entity has no value. */
  numericSpec,
  /** Share of events outside working hours (local time in `timezone`, weekends off by default). */
  offHoursSpec,
  /** Largest number of events in any epoch-aligned interval inside the window (default one minute). */
  burstSpec,
  /** Number of values of `field` this window that are not in the entity's baseline. */
  firstSeenSpec,
  /** Circular mean of the events' local clock hour (0 ≤ h < 24), e.g. 23h and 1h average to 0h. */
  hourOfDaySpec,
]);

export type FeatureSpec = z.infer<typeof featureSpecSchema>;
export type FeatureKind = FeatureSpec['kind'];

/** Specs as written by hand (defaults not yet applied), e.g. in presets. */
export type FeatureSpecInput = z.input<typeof featureSpecSchema>;

/** Validates a list of specs and checks that names are unique. */
export function parseFeatureSpecs(input: unknown): FeatureSpec[] {
  const specs = z.array(featureSpecSchema).parse(input);
  assertUniqueNames(specs);
  return specs;
}

export function assertUniqueNames(specs: readonly FeatureSpec[]): void {
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new Error(`feature name "${s.name}" is used twice; give each feature its own name`);
    seen.add(s.name);
  }
}

/** The fields a spec reads (besides the time field). */
export function specFields(spec: FeatureSpec): string[] {
  const fields: string[] = [];
  if ('field' in spec) fields.push(spec.field);
  if ('where' in spec && spec.where) fields.push(...Object.keys(spec.where));
  return fields;
}
