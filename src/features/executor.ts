/**
 * The feature executor contract: one window of events in, one row of features per entity out.
 *
 * Two implementations compute exactly the same thing (test/integration/features-parity.test.ts):
 * - AggregationExecutor (aggregation-executor.ts) pushes the specs down to the cluster as a
 *   composite aggregation paged over the entity keys, and pages (entity, time, action) buckets
 *   for the sequence / periodicity collectors from doc values;
 * - MemoryExecutor (memory-executor.ts) computes them in process over events from an array, an
 *   iterable or an NDJSON file (`vigil detect`, `vigil eval`).
 *
 * Both share the plan (plan.ts) and the final arithmetic (finish.ts), so they only differ in
 * how the per-entity partial aggregates are obtained.
 *
 *   const exec: FeatureExecutor = new AggregationExecutor(engine);   // or new MemoryExecutor(events)
 *   const { windows, fieldIssues } = await exec.computeWindow({
 *     index: 'logs-*', timeField: '@timestamp', entityFields: ['user.name'],
 *     start, end, features, categoricalFields: ['source.ip'],
 *   });
 */
import type { JsonObject } from '../engine/engine.js';
import type { FieldIssues } from './field-issues.js';
import type { FeatureSpec } from '../config/feature-spec.js';

/** Per entity field, the fields tried in order when an event lacks it (host.name → host.hostname). */
export type EntityFallbacks = Readonly<Record<string, readonly string[]>>;

/** Fields whose values are collected into the anomaly document's `related.*`. */
export interface RelatedFields {
  readonly ip: readonly string[];
  readonly user: readonly string[];
  readonly hosts: readonly string[];
}

export const DEFAULT_RELATED_FIELDS: RelatedFields = {
  ip: ['source.ip', 'destination.ip'],
  user: ['user.name'],
  hosts: ['host.name'],
};

/** Values already seen per entity and field, for `first_seen` features. */
export interface FirstSeenBaseline {
  /** Values of `field` seen before for the entity (its `EntityWindow.entity.value`); undefined when the entity has no baseline yet (then every value is new). */
  seen(entity: string, field: string): ReadonlySet<string> | undefined;
}

/** A baseline from plain JSON (entity → field → values), e.g. as kept in the state index. */
export function baselineFromRecord(record: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>): FirstSeenBaseline {
  const sets = new Map<string, Map<string, ReadonlySet<string>>>();
  for (const [entity, fields] of Object.entries(record)) {
    const m = new Map<string, ReadonlySet<string>>();
    for (const [field, values] of Object.entries(fields)) m.set(field, new Set(values));
    sets.set(entity, m);
  }
  return { seen: (entity, field) => sets.get(entity)?.get(field) };
}

export interface WindowRequest {
  /** Source index pattern (ignored by the memory executor). */
  readonly index: string;
  readonly timeField: string;
  /**
   * Raw query DSL applied to every read. The memory executor understands term, terms, range,
   * exists, match_all and bool (filter/must/must_not/should) and rejects anything else.
   */
  readonly filter?: JsonObject;
  /** 1 or 2 fields; the entity value is the field value, or "a|b" for two. */
  readonly entityFields: readonly string[];
  /** Per entity field, alternatives read in order when an event lacks it (host.name → host.hostname). */
  readonly entityFallbacks?: EntityFallbacks;
  /** Epoch ms, [start, end). */
  readonly start: number;
  readonly end: number;
  readonly features: readonly FeatureSpec[];
  /** Distinct values per entity-window returned for rarity / first-seen (top `termsCap` by count). */
  readonly categoricalFields: readonly string[];
  /** Collected into `related.*` (default DEFAULT_RELATED_FIELDS). */
  readonly relatedFields?: RelatedFields;
  /** Values already seen per entity per field (first_seen features). */
  readonly baseline?: FirstSeenBaseline;
  /**
   * Resolves once `baseline` holds every window before this one. The executor may read the engine
   * before that, and applies the baseline only after: so a runner can fetch the next window while it
   * is still scoring this one (and updating the baseline from it). Undefined: the baseline is ready.
   */
  readonly baselineReady?: Promise<void>;
  /** Only entities whose stable hash (partition.ts) % count == index. */
  readonly partition?: { readonly index: number; readonly count: number };
  /** When set, also collect the ordered actions per entity. */
  readonly sequenceField?: string;
  /** When set, also collect arrival timestamps per destination per entity. */
  readonly periodicityField?: string;
}

export interface EntityWindow {
  /** value "alice" or "alice|10.0.0.1"; `fields` is one frozen array shared by all windows of a result. */
  readonly entity: { readonly fields: string[]; readonly value: string };
  /** Per entity field. */
  readonly entityValues: Record<string, string>;
  readonly start: number;
  readonly end: number;
  readonly eventCount: number;
  /** One number per feature spec, by name (never NaN). */
  readonly features: Record<string, number>;
  /** Per categorical field: its distinct values (top termsCap by count), sorted. */
  readonly categorical: Record<string, string[]>;
  /** Per first_seen feature: the values that were new (sorted), to explain the count. */
  readonly firstSeen: Record<string, string[]>;
  /** Sorted distinct values, at most relatedCap per source field. */
  readonly related: { ip: string[]; user: string[]; hosts: string[] };
  /** Values of the sequence field ordered by (time, value); at most maxActions. */
  readonly actions?: string[];
  /** Periodicity destination → ascending timestamps (ms); at most maxDestinations × maxArrivals. */
  readonly arrivals?: Record<string, number[]>;
}

export interface WindowResult {
  /** Sorted by entity value. */
  readonly windows: EntityWindow[];
  /**
   * Missing / mistyped fields among the window's events (those matching the time range and the
   * filter). Partitioned requests report them only for partition 0, so summing over the
   * partitions of a window counts each event once.
   */
  readonly fieldIssues: FieldIssues;
  /**
   * Events in scope (time range and filter) skipped because no entity field (nor fallback) holds a
   * usable value; counted like fieldIssues (partition 0 only).
   */
  readonly skippedNoEntity?: number;
}

export interface FeatureExecutor {
  computeWindow(request: WindowRequest): Promise<WindowResult>;
}

/** Caps that keep one entity-window bounded; identical in both executors so results agree. */
export interface FeatureLimits {
  /** Values kept per terms list (categorical, first_seen, entropy); the engine's terms `size`. */
  readonly termsCap: number;
  /** Values kept per related field. */
  readonly relatedCap: number;
  /** Actions kept per entity (the earliest). */
  readonly maxActions: number;
  /** Destinations kept per entity (the ones with most arrivals). */
  readonly maxDestinations: number;
  /** Arrivals kept per destination (the earliest). */
  readonly maxArrivals: number;
}

export const DEFAULT_LIMITS: FeatureLimits = {
  termsCap: 1000,
  relatedCap: 100,
  maxActions: 10_000,
  maxDestinations: 1000,
  maxArrivals: 10_000,
};
