/**
 * The feature plan: a WindowRequest compiled into the small set of partial aggregates both
 * executors compute per entity — where-counts, distinct counts, terms lists, numeric stats and
 * date histograms — plus, per feature, which partial it is derived from (finish.ts).
 *
 * Deduplication happens here, once: two features with the same `where` share one filter
 * aggregation, a field used for categorical values, first-seen, entropy and related.* is read
 * with one terms aggregation, sum/max/mean of one field share one stats aggregation, and the
 * clock features reuse a burst histogram when its interval divides 15 minutes.
 */
import type { JsonObject, JsonValue } from '../engine/engine.js';
import { ClockConverter, CLOCK_SLOT_MS } from './clock.js';
import { ECS_FIELD_TYPES, MISTYPED, toTerm, type FieldType, type FieldTypes } from './event.js';
import { DEFAULT_LIMITS, DEFAULT_RELATED_FIELDS, type FeatureLimits, type WindowRequest } from './executor.js';
import { assertUniqueNames, type Where } from '../config/feature-spec.js';

export interface PlanField {
  readonly path: string;
  readonly type: FieldType;
}

export interface WherePlan {
  /** Canonical JSON of the condition (dedup key). */
  readonly key: string;
  /** Engine query: bool.filter of term / terms. */
  readonly dsl: JsonObject;
  /** In memory: every condition must hold; a condition holds when any value of the field is in `values`. */
  readonly conditions: readonly { readonly field: number; readonly values: ReadonlySet<string> }[];
}

/** A terms list of one field (restricted to a where condition, or -1 for all events). */
export interface TermsPlan {
  readonly field: number;
  readonly where: number;
  readonly size: number;
  /** Also count the distinct values (entropy needs it for the tail beyond `size`). */
  readonly cardinality: boolean;
  /** Smallest cap any consumer slices this list to: below it, order does not matter (memory skips the sort). */
  readonly minCap: number;
}

export interface FieldWherePlan {
  readonly field: number;
  readonly where: number;
}

export interface HistogramPlan {
  readonly intervalMs: number;
}

export type FeatureBinding =
  | { readonly name: string; readonly kind: 'count' | 'ratio'; readonly where: number }
  | { readonly name: string; readonly kind: 'distinct_count'; readonly distinct: number }
  | { readonly name: string; readonly kind: 'entropy'; readonly terms: number }
  | { readonly name: string; readonly kind: 'sum' | 'max' | 'mean'; readonly stats: number }
  | { readonly name: string; readonly kind: 'burst'; readonly histogram: number }
  | { readonly name: string; readonly kind: 'first_seen'; readonly field: string; readonly terms: number }
  | {
      readonly name: string;
      readonly kind: 'off_hours_share';
      readonly clock: ClockConverter;
      readonly workStart: number;
      readonly workEnd: number;
      readonly weekendsOff: boolean;
    }
  | { readonly name: string; readonly kind: 'hour_of_day'; readonly clock: ClockConverter };

export interface FeaturePlan {
  readonly timeField: string;
  /** Every field the plan reads, deduplicated; everything else refers to them by index. */
  readonly fields: readonly PlanField[];
  readonly entityFields: readonly number[];
  /** The entity field paths, one frozen array shared by every EntityWindow of the window. */
  readonly entityFieldPaths: string[];
  readonly wheres: readonly WherePlan[];
  readonly terms: readonly TermsPlan[];
  readonly distincts: readonly FieldWherePlan[];
  readonly stats: readonly FieldWherePlan[];
  readonly histograms: readonly HistogramPlan[];
  /** Histogram the clock features read (-1 when there are none). */
  readonly clockHistogram: number;
  readonly features: readonly FeatureBinding[];
  /** Every feature name → 0: rows are spread from it so V8 stores their numbers in-object (half the memory of adding keys one by one). */
  readonly featureTemplate: Readonly<Record<string, number>>;
  readonly categorical: readonly { readonly field: string; readonly terms: number }[];
  readonly related: readonly { readonly kind: 'ip' | 'user' | 'hosts'; readonly terms: number }[];
  readonly sequenceField: number;
  readonly periodicityField: number;
  /** Fields whose missing / mistyped values are tallied (all but the time field). */
  readonly issueFields: readonly number[];
  readonly limits: FeatureLimits;
}

export interface PlanOptions {
  readonly limits?: Partial<FeatureLimits>;
  /** Mapped types of fields (default ECS_FIELD_TYPES); unknown fields are keywords, or doubles when aggregated numerically. */
  readonly fieldTypes?: FieldTypes;
}

/** Compiles a request; throws a clear error for a request no executor could answer. */
export function compilePlan(req: WindowRequest, options: PlanOptions = {}): FeaturePlan {
  const limits: FeatureLimits = { ...DEFAULT_LIMITS, ...options.limits };
  validateRequest(req, limits);
  const types = options.fieldTypes ?? ECS_FIELD_TYPES;
  const numericFields = new Set(
    req.features.filter((f) => f.kind === 'sum' || f.kind === 'max' || f.kind === 'mean').map((f) => (f as { field: string }).field),
  );

  const fields: PlanField[] = [];
  const fieldIndex = new Map<string, number>();
  const field = (path: string): number => {
    let i = fieldIndex.get(path);
    if (i === undefined) {
      i = fields.length;
      fields.push({ path, type: types[path] ?? (numericFields.has(path) ? 'double' : 'keyword') });
      fieldIndex.set(path, i);
    }
    return i;
  };

  const entityFields = req.entityFields.map(field);

  const wheres: WherePlan[] = [];
  const where = (w: Where | undefined): number => {
    if (!w) return -1;
    const compiled = compileWhere(w, (path) => field(path), fields);
    const existing = wheres.findIndex((x) => x.key === compiled.key);
    if (existing >= 0) return existing;
    wheres.push(compiled);
    return wheres.length - 1;
  };

  const terms: TermsPlan[] = [];
  const termsOf = (path: string, w: number, size: number, cardinality = false): number => {
    const f = field(path);
    const i = terms.findIndex((t) => t.field === f && t.where === w);
    if (i >= 0) {
      const t = terms[i];
      terms[i] = {
        field: f,
        where: w,
        size: Math.max(t.size, size),
        cardinality: t.cardinality || cardinality,
        minCap: Math.min(t.minCap, size),
      };
      return i;
    }
    terms.push({ field: f, where: w, size, cardinality, minCap: size });
    return terms.length - 1;
  };
  const fieldWhere = (list: FieldWherePlan[], path: string, w: number): number => {
    const f = field(path);
    const i = list.findIndex((x) => x.field === f && x.where === w);
    if (i >= 0) return i;
    list.push({ field: f, where: w });
    return list.length - 1;
  };

  const distincts: FieldWherePlan[] = [];
  const stats: FieldWherePlan[] = [];
  const histograms: HistogramPlan[] = [];
  const histogram = (intervalMs: number): number => {
    const i = histograms.findIndex((h) => h.intervalMs === intervalMs);
    if (i >= 0) return i;
    histograms.push({ intervalMs });
    return histograms.length - 1;
  };
  const clocks = new Map<string, ClockConverter>();
  const clock = (tz: string): ClockConverter => {
    let c = clocks.get(tz);
    if (!c) {
      c = new ClockConverter(tz);
      clocks.set(tz, c);
    }
    return c;
  };

  const features: FeatureBinding[] = req.features.map((spec): FeatureBinding => {
    switch (spec.kind) {
      case 'count':
      case 'ratio':
        return { name: spec.name, kind: spec.kind, where: where(spec.where) };
      case 'distinct_count':
        return { name: spec.name, kind: spec.kind, distinct: fieldWhere(distincts, spec.field, where(spec.where)) };
      case 'entropy':
        return { name: spec.name, kind: spec.kind, terms: termsOf(spec.field, where(spec.where), limits.termsCap, true) };
      case 'sum':
      case 'max':
      case 'mean':
        return { name: spec.name, kind: spec.kind, stats: fieldWhere(stats, spec.field, where(spec.where)) };
      case 'burst':
        return { name: spec.name, kind: spec.kind, histogram: histogram(spec.interval_seconds * 1000) };
      case 'first_seen':
        return { name: spec.name, kind: spec.kind, field: spec.field, terms: termsOf(spec.field, -1, limits.termsCap) };
      case 'off_hours_share':
        return {
          name: spec.name,
          kind: spec.kind,
          clock: clock(spec.timezone),
          workStart: spec.work_start_hour,
          workEnd: spec.work_end_hour,
          weekendsOff: spec.weekends_off,
        };
      case 'hour_of_day':
        return { name: spec.name, kind: spec.kind, clock: clock(spec.timezone) };
    }
  });

  // Clock features read a histogram whose buckets each fall inside one 15-minute slot.
  let clockHistogram = -1;
  if (features.some((f) => f.kind === 'off_hours_share' || f.kind === 'hour_of_day')) {
    const fitting = histograms.map((h, i) => ({ h, i })).filter(({ h }) => CLOCK_SLOT_MS % h.intervalMs === 0);
    fitting.sort((a, b) => b.h.intervalMs - a.h.intervalMs);
    clockHistogram = fitting.length > 0 ? fitting[0].i : histogram(CLOCK_SLOT_MS);
  }

  const categorical = req.categoricalFields.map((path) => ({ field: path, terms: termsOf(path, -1, limits.termsCap) }));
  const sequenceField = req.sequenceField ? field(req.sequenceField) : -1;
  const periodicityField = req.periodicityField ? field(req.periodicityField) : -1;
  const used = new Set(fields.map((_, i) => i));
  const relatedFields = req.relatedFields ?? DEFAULT_RELATED_FIELDS;
  const related = (['ip', 'user', 'hosts'] as const).flatMap((kind) =>
    relatedFields[kind].map((path) => ({ kind, terms: termsOf(path, -1, limits.relatedCap) })),
  );

  const relatedOnly = new Set(fields.map((_, i) => i).filter((i) => !used.has(i)));
  // related.* fields are context, not inputs: their absence is not an issue worth reporting.
  const issueFields = fields.map((_, i) => i).filter((i) => fields[i].path !== req.timeField && !relatedOnly.has(i));

  return {
    timeField: req.timeField,
    fields,
    entityFields,
    entityFieldPaths: Object.freeze([...req.entityFields]) as string[],
    wheres,
    terms,
    distincts,
    stats,
    histograms,
    clockHistogram,
    features,
    featureTemplate: Object.fromEntries(features.map((f) => [f.name, 0])),
    categorical,
    related,
    sequenceField,
    periodicityField,
    issueFields,
    limits,
  };
}

function validateRequest(req: WindowRequest, limits: FeatureLimits): void {
  if (req.entityFields.length < 1 || req.entityFields.length > 2) {
    throw new Error(`entityFields must name 1 or 2 fields, got ${req.entityFields.length}`);
  }
  if (!Number.isFinite(req.start) || !Number.isFinite(req.end) || req.end <= req.start) {
    throw new Error(`window [${req.start}, ${req.end}) is empty or not a pair of epoch milliseconds`);
  }
  assertUniqueNames(req.features);
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`limit ${k} must be a positive integer, got ${v}`);
  }
}

function compileWhere(w: Where, fieldOf: (path: string) => number, fields: readonly PlanField[]): WherePlan {
  const paths = Object.keys(w).sort();
  const filter: JsonValue[] = [];
  const conditions = paths.map((path) => {
    const raw = w[path];
    const list = Array.isArray(raw) ? raw : [raw];
    const f = fieldOf(path);
    const values = new Set<string>();
    for (const v of list) {
      const t = toTerm(v, fields[f].type);
      if (t === MISTYPED || t === undefined) {
        throw new Error(`where condition ${path} = ${JSON.stringify(v)} can never match: ${path} holds ${fields[f].type} values`);
      }
      values.add(t);
    }
    filter.push(list.length === 1 ? { term: { [path]: list[0] } } : { terms: { [path]: list } });
    return { field: f, values };
  });
  const key = JSON.stringify(paths.map((p, i) => [p, [...conditions[i].values].sort()]));
  return { key, dsl: { bool: { filter } }, conditions };
}
