/**
 * The pushdown feature executor: the cluster computes the per-entity aggregates, Vigil only
 * finishes the arithmetic (finish.ts) on a few numbers per entity.
 *
 * One window = a composite aggregation over the entity field(s), paged with `after` through
 * Engine.compositePage, with sub-aggregations from the plan (plan.ts):
 *   w<i>  filter          one per distinct `where` (count / ratio; the aggregations below nest in it)
 *   d<i>  cardinality     distinct_count (precision_threshold, default 1,000: exact in practice below
 *                         it, HyperLogLog++ (~1–2 % error) above; each bucket costs the engine about
 *                         2^p bytes, p = 13 at 1,000 but 18 (256 KB) at 40,000 — which is why the
 *                         default is not the maximum)
 *   t<i>  terms           categorical, first_seen, entropy, related.* (size = termsCap, count desc then key)
 *   n<i>  cardinality     distinct values of an entropy field (for the tail beyond termsCap)
 *   s<i>  stats           sum / max / mean of a numeric field
 *   h<i>  date_histogram  burst (max bucket) and the clock features (off-hours, hour of day), UTC
 *                         fixed_interval, min_doc_count 1; local hours are derived in Node (the
 *                         minimal engines have no scripting)
 * The page size adapts so one response stays under `bucketBudget` buckets (the engines refuse
 * more than search.max_buckets, 65,535 by default) and the cardinality sketches of one page stay
 * under 32 MB of engine memory; a too_many_buckets or circuit-breaker answer halves it.
 *
 * Partitions: the engines' terms partitioning is not available inside composite, so a
 * partitioned request first lists the window's entity keys (composite without sub-aggregations,
 * cheap), keeps those whose stable hash (partition.ts) falls in its partition, and computes the
 * features for them in batches restricted by a terms query on the entity field(s). Each runner
 * thus pays for a key scan plus the aggregations of its own entities only — the heavy work is
 * split N ways, and the memory executor's partitions are exactly the same.
 *
 * Sequence / periodicity: a composite aggregation over (entity fields, time, action) — and one over
 * (entity fields, time, destination) — pages through doc values only. Streaming the events with
 * point-in-time + search_after would need a total sort, and on OpenSearch before 3.3 that means an
 * `_id` tiebreak, which loads `_id` fielddata for the whole index into the heap: on a 512 MB engine
 * with 12.7 M events that trips the fielddata circuit breaker in the first query. The collector
 * orders actions itself (sequence.ts), so no sort is needed; a bucket's doc_count repeats its
 * action, so the result is exactly what streaming every event gave. Entity fallbacks (host.name,
 * else host.hostname) walk one scope per combination of alternatives, as the features do.
 *
 * Sizing: every composite request goes through `walk`, which halves the page on answers a smaller
 * request avoids (too many buckets, a circuit breaker, also behind "all shards failed") and waits
 * with doubling backoff on a busy engine (429 / rejected_execution) before trying again, instead
 * of failing the job. Only a one-bucket page that still fails after `busyAttempts` fails the window.
 */
import {
  EngineRequestError,
  type CompositeKey,
  type CompositePage,
  type CompositeRequest,
  type Engine,
  type JsonObject,
  type JsonValue,
} from '../engine/engine.js';
import type { FieldType } from './event.js';
import { capabilityFields, renameQueryFields, resolveFields, sourceRequirements } from './field-resolution.js';
import { entityAlternatives } from './presets.js';
import type { EntityWindow, FeatureExecutor, WindowRequest, WindowResult } from './executor.js';
import { FieldIssues } from './field-issues.js';
import {
  byEntityValue,
  joinEntityValues,
  finishEntity,
  type EntityPartial,
  type HistogramResult,
  type StatsResult,
  type TermsResult,
} from './finish.js';
import { partitionFilter } from './partition.js';
import { compilePlan, type FeaturePlan, type PlanOptions } from './plan.js';
import { SequenceCollector } from './sequence.js';

export interface AggregationExecutorOptions extends PlanOptions {
  /** Upper bound of buckets in one composite response (default 30,000). */
  readonly bucketBudget?: number;
  /** Upper bound of entities per composite page (default 5,000). */
  readonly maxPageSize?: number;
  /** Buckets per page of the sequence / periodicity composite aggregations (default 10,000). */
  readonly streamPageSize?: number;
  /** Attempts of one page while the engine answers 429 or refuses a one-bucket page (default 6). */
  readonly busyAttempts?: number;
  /** First wait after a 429 / circuit-breaker answer, doubled each attempt (default 500 ms). */
  readonly busyBackoffMs?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Entity keys per batch in a partitioned request (default 5,000). */
  readonly keyBatchSize?: number;
  /** Check with _field_caps that every field is aggregatable before the first request (default true). */
  readonly checkMappings?: boolean;
  /** precision_threshold of the cardinality aggregations (default 1,000, at most 40,000). */
  readonly cardinalityPrecision?: number;
}

/** Engine memory the cardinality sketches of one composite page may take. */
const SKETCH_BYTES_PER_PAGE = 32 * 1024 * 1024;

/**
 * Engine memory the date histograms of one composite page may take. The engines build a
 * date_histogram under a composite bucket in a list sized to the histogram's buckets over *all*
 * the page's entities (OpenSearch 2.x BucketsAggregator.buildAggregationsForVariableBuckets:
 * `new ArrayList<>(bucketOrds.size())` per entity), so a page of P entities with B histogram
 * buckets each takes about 4·B·P² bytes: quadratic in the page. At 30,000 users a page of 3,605
 * hosts with their minute bursts filled the 512 MB engine with 13,740 such lists (327 MB) and
 * killed it (OutOfMemoryError).
 */
export const HISTOGRAM_BYTES_PER_PAGE = 16 * 1024 * 1024;

/** Entities per page whose histograms (B buckets each) stay within HISTOGRAM_BYTES_PER_PAGE. */
export function histogramPageCap(bucketsPerEntity: number): number {
  if (bucketsPerEntity <= 0) return Infinity;
  return Math.max(1, Math.floor(Math.sqrt(HISTOGRAM_BYTES_PER_PAGE / (4 * bucketsPerEntity))));
}

/** HyperLogLog++ precision the engines derive from precision_threshold (bytes per bucket = 2^p). */
export function cardinalityPrecisionBits(threshold: number): number {
  const entries = Math.ceil(threshold / 0.75) * 4;
  return Math.min(18, Math.max(4, Math.floor(Math.log2(entries)) + 1));
}

export class AggregationExecutor implements FeatureExecutor {
  private readonly bucketBudget: number;
  private readonly maxPageSize: number;
  private readonly streamPageSize: number;
  private readonly keyBatchSize: number;
  private readonly precision: number;
  private readonly busyAttempts: number;
  private readonly busyBackoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Resolved field names per index and field set (checkMappings). */
  private readonly checkedMappings = new Map<string, ReadonlyMap<string, string>>();

  constructor(
    private readonly engine: Engine,
    private readonly options: AggregationExecutorOptions = {},
  ) {
    this.bucketBudget = options.bucketBudget ?? 30_000;
    this.maxPageSize = options.maxPageSize ?? 5_000;
    this.streamPageSize = options.streamPageSize ?? 10_000;
    this.busyAttempts = Math.max(1, options.busyAttempts ?? 6);
    this.busyBackoffMs = Math.max(0, options.busyBackoffMs ?? 500);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.keyBatchSize = options.keyBatchSize ?? 5_000;
    this.precision = Math.min(40_000, Math.max(1, Math.round(options.cardinalityPrecision ?? 1_000)));
  }

  async computeWindow(request: WindowRequest): Promise<WindowResult> {
    const plan = compilePlan(request, this.options);
    const names = this.options.checkMappings !== false ? await this.checkMappings(request) : new Map<string, string>();
    // Engine requests use the resolved names (user.name.keyword); documents keep the job's (user.name).
    const req: WindowRequest =
      names.size === 0 ? request : { ...request, ...(request.filter ? { filter: renameQueryFields(request.filter, names) } : {}) };
    const query = windowQuery(req);
    const issues = new FieldIssues();
    const skipped = !req.partition || req.partition.index === 0 ? await this.countIssues(req, plan, query, issues) : 0;

    const windows: EntityWindow[] = [];
    const aggregations = subAggregations(plan, this.precision, names);
    const inPartition = partitionFilter(req.partition);
    const slots = req.entityFields.map((f) => entityAlternatives(f, req.entityFallbacks));
    if (slots.some((alternatives) => alternatives.length > 1)) {
      await this.withFallbacks(req, plan, aggregations, query, slots, names, inPartition, windows);
    } else if (!req.partition || req.partition.count === 1) {
      await this.scope(req, plan, aggregations, query, () => true, windows, names);
    } else {
      const keys = (await this.listEntityKeys(req, query, aggregated(req.entityFields, names))).filter((k) =>
        inPartition(joinEntityValues(k)),
      );
      for (let i = 0; i < keys.length; i += this.keyBatchSize) {
        const batch = keys.slice(i, i + this.keyBatchSize);
        const wanted = new Set(batch.map(joinEntityValues));
        const restricted = restrictToKeys(query, aggregated(req.entityFields, names), batch);
        await this.scope(req, plan, aggregations, restricted, (k) => wanted.has(k), windows, names);
      }
    }
    windows.sort(byEntityValue);
    return { windows, fieldIssues: issues, skippedNoEntity: skipped };
  }

  /**
   * Entities whose field has fallbacks (host.name, else host.hostname). The engines cannot group by
   * "the first present of": each combination of alternatives is a scope (host.name present; host.name
   * absent and host.hostname present) aggregated on its own field. An entity value found in one scope
   * only is final; one found in several (web-1 as host.name in some events, as host.hostname in others)
   * is recomputed exactly, over the union of its scopes, with a filters aggregation.
   */
  private async withFallbacks(
    req: WindowRequest,
    plan: FeaturePlan,
    aggregations: JsonObject,
    query: JsonObject,
    slots: readonly (readonly string[])[],
    names: ReadonlyMap<string, string>,
    accept: (key: string) => boolean,
    out: EntityWindow[],
  ): Promise<void> {
    const scopes = fallbackScopes(slots);
    const found = new Map<string, { partial: EntityPartial; scopes: number[] }>();
    for (let s = 0; s < scopes.length; s++) {
      const scoped: JsonObject = { bool: { filter: [query, scopes[s].condition] } };
      const fields = aggregated(scopes[s].fields, names);
      await this.pages(
        req,
        plan,
        scoped,
        aggregations,
        this.maxPageSize,
        (bucket) => {
          const partial = toPartial(plan, bucket);
          const key = joinEntityValues(partial.values);
          if (!accept(key)) return;
          const seen = found.get(key);
          if (seen) seen.scopes.push(s);
          else found.set(key, { partial, scopes: [s] });
        },
        fields,
      );
    }
    const shared = [...found].filter(([, f]) => f.scopes.length > 1);
    for (let i = 0; i < shared.length; i += 100) {
      const batch = shared.slice(i, i + 100);
      const filters: JsonObject = {};
      batch.forEach(([, f], b) => {
        filters[`k${b}`] = {
          bool: {
            should: f.scopes.map((s) => ({
              bool: {
                filter: [
                  scopes[s].condition,
                  ...aggregated(scopes[s].fields, names).map((field, k) => ({ term: { [field]: f.partial.values[k] } })),
                ],
              },
            })),
            minimum_should_match: 1,
          },
        };
      });
      const body = await this.engine.search(req.index, {
        size: 0,
        track_total_hits: false,
        query,
        aggs: { k: { filters: { filters }, aggs: aggregations } },
      });
      batch.forEach(([key, f], b) => {
        const bucket = dig(body, ['aggregations', 'k', 'buckets', `k${b}`]) as JsonObject | undefined;
        const key0: Record<string, string> = {};
        f.partial.values.forEach((v, k) => (key0[`e${k}`] = v));
        const partial = toPartial(plan, { key: key0, docCount: num(bucket?.doc_count), aggregations: bucket ?? {} });
        found.set(key, { partial, scopes: f.scopes });
      });
    }
    const collectors = await this.collectSequencesIfPlanned(req, plan, query, accept, names);
    await req.baselineReady;
    const windows = [...found.values()].map((f) => finishEntity(plan, req, f.partial, req.baseline));
    out.push(...withSequences(plan, windows, collectors));
  }

  /** Features (and sequences) of the entities matched by `query` and accepted by `accept`. */
  private async scope(
    req: WindowRequest,
    plan: FeaturePlan,
    aggregations: JsonObject,
    query: JsonObject,
    accept: (key: string) => boolean,
    out: EntityWindow[],
    names: ReadonlyMap<string, string>,
  ): Promise<void> {
    const found: EntityPartial[] = [];
    const sketches = plan.distincts.length + plan.terms.filter((t) => t.cardinality).length;
    const maxPage = Math.max(
      1,
      Math.min(this.maxPageSize, Math.floor(SKETCH_BYTES_PER_PAGE / Math.max(1, sketches * 2 ** cardinalityPrecisionBits(this.precision)))),
    );
    await this.pages(
      req,
      plan,
      query,
      aggregations,
      maxPage,
      (bucket) => {
        const partial = toPartial(plan, bucket);
        if (accept(joinEntityValues(partial.values))) found.push(partial);
      },
      aggregated(req.entityFields, names),
    );
    const collectors = await this.collectSequencesIfPlanned(req, plan, query, accept, names);
    // Every read of this scope is done: the first-seen baseline is applied only now (baselineReady).
    await req.baselineReady;
    out.push(
      ...withSequences(
        plan,
        found.map((partial) => finishEntity(plan, req, partial, req.baseline)),
        collectors,
      ),
    );
  }

  /** The ordered actions / arrivals per entity when the plan collects them (undefined otherwise). */
  private async collectSequencesIfPlanned(
    req: WindowRequest,
    plan: FeaturePlan,
    query: JsonObject,
    accept: (key: string) => boolean,
    names: ReadonlyMap<string, string>,
  ): Promise<Map<string, SequenceCollector> | undefined> {
    if (plan.sequenceField < 0 && plan.periodicityField < 0) return undefined;
    return this.collectSequences(req, plan, query, accept, names);
  }

  /** Walks the composite aggregation page by page, adapting the page size to the bucket budget. */
  private async pages(
    req: WindowRequest,
    plan: FeaturePlan,
    query: JsonObject,
    aggregations: JsonObject,
    maxPage: number,
    onBucket: (bucket: { key: CompositeKey; docCount: number; aggregations: JsonObject }) => void,
    fields: readonly string[],
  ): Promise<void> {
    const sources = fields.map((field, i) => ({ name: `e${i}`, terms: { field } }));
    let density = 0; // buckets per entity seen so far (decaying maximum)
    // Histogram buckets per entity (decaying maximum); the first page assumes the most a window can hold.
    let histogramDensity = histogramBucketsAtMost(plan, req.end - req.start);
    let measured = false;
    const first = Math.min(200, maxPage, histogramPageCap(histogramDensity));
    await this.walk({ index: req.index, query, sources, aggregations }, first, (page, pageSize) => {
      let buckets = 0;
      let histograms = 0;
      for (const b of page.buckets) {
        buckets += 1 + countBuckets(b.aggregations);
        histograms += histogramBuckets(plan, b.aggregations);
        onBucket(b);
      }
      const entities = Math.max(1, page.buckets.length);
      density = Math.max(buckets / entities, density * 0.5);
      // The first page replaces the worst case with what the entities hold.
      histogramDensity = Math.max(histograms / entities, measured ? histogramDensity * 0.5 : 0);
      measured = true;
      const fit = Math.floor(this.bucketBudget / Math.max(1, density));
      return Math.max(1, Math.min(maxPage, fit, histogramPageCap(histogramDensity), pageSize * 4));
    });
  }

  /**
   * Pages through one composite aggregation. `onPage` handles a page and answers the next page
   * size. A page the engine cannot answer at this size (too many buckets, a circuit breaker) is
   * asked again at half the size (after a short wait on a breaker, so its memory is released); a
   * busy engine (429) is waited out with doubling backoff. Only when a one-bucket page still fails
   * after `busyAttempts` does the error reach the caller.
   */
  private async walk(
    base: Omit<CompositeRequest, 'pageSize' | 'after'>,
    firstPageSize: number,
    onPage: (page: CompositePage, pageSize: number) => number,
  ): Promise<void> {
    let pageSize = Math.max(1, firstPageSize);
    // A size the engine refused is never asked again in this walk (no grow-and-trip oscillation).
    let ceiling = Infinity;
    let after: CompositeKey | undefined;
    let failures = 0;
    for (;;) {
      let page: CompositePage;
      try {
        page = await this.engine.compositePage({ ...base, pageSize, ...(after ? { after } : {}) });
      } catch (e) {
        const limit = resourceLimit(e);
        if (limit === undefined) throw e;
        if (limit === 'too-large' && pageSize > 1) {
          pageSize = Math.max(1, Math.floor(pageSize / 2));
          ceiling = pageSize;
          if (isBreaker(e)) await this.sleep(this.busyBackoffMs);
          continue;
        }
        if (++failures >= this.busyAttempts) throw e;
        await this.sleep(this.busyBackoffMs * 2 ** (failures - 1));
        continue;
      }
      failures = 0;
      const next = onPage(page, pageSize);
      if (!page.afterKey) return;
      after = page.afterKey;
      pageSize = Math.max(1, Math.min(ceiling, next));
    }
  }

  /** All entity keys of the window (a composite without sub-aggregations: one small bucket each). */
  private async listEntityKeys(req: WindowRequest, query: JsonObject, fields: readonly string[]): Promise<string[][]> {
    const keys: string[][] = [];
    await this.pagesOfKeys(req, query, fields, (values) => keys.push(values));
    return keys;
  }

  private async pagesOfKeys(
    req: WindowRequest,
    query: JsonObject,
    fields: readonly string[],
    onKey: (values: string[]) => void,
  ): Promise<void> {
    const sources = fields.map((field, i) => ({ name: `e${i}`, terms: { field } }));
    await this.walk({ index: req.index, query, sources }, 10_000, (page, pageSize) => {
      for (const b of page.buckets) onKey(req.entityFields.map((_, i) => keyString(b.key[`e${i}`])));
      return Math.min(10_000, pageSize * 2);
    });
  }

  /**
   * Actions and arrivals per entity from composite aggregations over doc values (see the header):
   * (entity…, time, action) and (entity…, time, destination), each bucket repeated doc_count times.
   */
  private async collectSequences(
    req: WindowRequest,
    plan: FeaturePlan,
    query: JsonObject,
    accept: (key: string) => boolean,
    names: ReadonlyMap<string, string>,
  ): Promise<Map<string, SequenceCollector>> {
    const collectors = new Map<string, SequenceCollector>();
    const slots = req.entityFields.map((f) => entityAlternatives(f, req.entityFallbacks));
    const scopes = slots.some((alternatives) => alternatives.length > 1)
      ? fallbackScopes(slots)
      : [{ fields: [...req.entityFields], condition: undefined }];
    const time = { name: 't', terms: { field: req.timeField } };
    const collect = async (fieldIndex: number, add: (c: SequenceCollector, time: number, value: string) => void): Promise<void> => {
      if (fieldIndex < 0) return;
      const field = plan.fields[fieldIndex];
      const value = { name: 'v', terms: { field: names.get(field.path) ?? field.path } };
      for (const scope of scopes) {
        const scoped: JsonObject = scope.condition ? { bool: { filter: [query, scope.condition] } } : query;
        const entitySources = aggregated(scope.fields, names).map((f, i) => ({ name: `e${i}`, terms: { field: f } }));
        await this.walk(
          { index: req.index, query: scoped, sources: [...entitySources, time, value] },
          this.streamPageSize,
          (page, pageSize) => {
            for (const b of page.buckets) {
              const key = joinEntityValues(scope.fields.map((_, i) => keyString(b.key[`e${i}`])));
              const t = b.key.t;
              const v = b.key.v;
              if (typeof t !== 'number' || v === null || !accept(key)) continue;
              let c = collectors.get(key);
              if (!c) {
                c = new SequenceCollector();
                collectors.set(key, c);
              }
              const term = compositeTerm(v, field.type);
              for (let n = 0; n < b.docCount; n++) add(c, t, term);
            }
            return Math.min(this.streamPageSize, pageSize * 2);
          },
        );
      }
    };
    await collect(plan.sequenceField, (c, t, action) => c.addAction(t, action));
    await collect(plan.periodicityField, (c, t, destination) => c.addArrival(destination, t));
    return collectors;
  }

  /**
   * Missing / mistyped counts per field (`_ignored` holds the fields an engine dropped as malformed),
   * and the events skipped because no entity field nor fallback has a value (returned).
   */
  private async countIssues(req: WindowRequest, plan: FeaturePlan, query: JsonObject, issues: FieldIssues): Promise<number> {
    const filters: JsonObject = { skip: noEntityQuery(req) };
    for (const f of plan.issueFields) {
      const field = plan.fields[f].path;
      const alternatives = entityAlternatives(field, plan.entityFields.includes(f) ? req.entityFallbacks : undefined);
      filters[`m${f}`] = { bool: { must_not: [...alternatives.map((a) => ({ exists: { field: a } })), { term: { _ignored: field } }] } };
      filters[`x${f}`] = { term: { _ignored: field } };
    }
    const body = await this.engine.search(req.index, {
      size: 0,
      track_total_hits: false,
      query,
      aggs: { issues: { filters: { filters } } },
    });
    const buckets = dig(body, ['aggregations', 'issues', 'buckets']);
    for (const f of plan.issueFields) {
      const field = plan.fields[f].path;
      issues.missing(field, num(dig(buckets, [`m${f}`, 'doc_count'])));
      issues.mistyped(field, undefined, num(dig(buckets, [`x${f}`, 'doc_count'])));
    }
    return num(dig(buckets, ['skip', 'doc_count']));
  }

  /**
   * Resolves the request's fields once per index and field set (field-resolution.ts, the same
   * function `vigil doctor` runs): text fields are read through their keyword sub-field; a field
   * no executor could read (text without one, a wrong type) stops the run with the mapping fix.
   */
  private async checkMappings(req: WindowRequest): Promise<ReadonlyMap<string, string>> {
    const requirements = sourceRequirements(req);
    const fields = capabilityFields(requirements);
    const cacheKey = `${req.index}\u0000${fields.join(',')}`;
    const cached = this.checkedMappings.get(cacheKey);
    if (cached) return cached;
    const { names, problems } = resolveFields(requirements, await this.engine.fieldCaps(req.index, fields));
    // Fields mapped nowhere are not refused here: they read as absent (and are counted as missing).
    const unusable = problems.filter((p) => !/ is not mapped$| \(entity_fields\) is mapped$/.test(p));
    if (unusable.length > 0) throw new Error(`${req.index}: ${unusable.join('; ')} (vigil doctor checks this too)`);
    this.checkedMappings.set(cacheKey, names);
    return names;
  }
}

/** The field names the engine aggregates: each field's resolved name (e.g. its keyword sub-field). */
function aggregated(fields: readonly string[], names: ReadonlyMap<string, string>): string[] {
  return fields.map((f) => names.get(f) ?? f);
}

/** Events without a value in any alternative of some entity field: they belong to no entity. */
export function noEntityQuery(req: Pick<WindowRequest, 'entityFields' | 'entityFallbacks'>): JsonObject {
  const slots = req.entityFields.map((f): JsonObject => ({
    bool: { must_not: entityAlternatives(f, req.entityFallbacks).map((a) => ({ exists: { field: a } })) },
  }));
  return slots.length === 1 ? slots[0] : { bool: { should: slots, minimum_should_match: 1 } };
}

/**
 * One scope per combination of entity alternatives: the fields it groups by, and the condition that
 * picks its events (its alternative present, every earlier alternative of the same slot absent).
 */
function fallbackScopes(slots: readonly (readonly string[])[]): { fields: string[]; condition: JsonObject }[] {
  let scopes: { fields: string[]; clauses: JsonValue[] }[] = [{ fields: [], clauses: [] }];
  for (const alternatives of slots) {
    scopes = scopes.flatMap((scope) =>
      alternatives.map((field, j) => ({
        fields: [...scope.fields, field],
        clauses: [
          ...scope.clauses,
          { exists: { field } },
          ...alternatives.slice(0, j).map((earlier) => ({ bool: { must_not: { exists: { field: earlier } } } })),
        ],
      })),
    );
  }
  return scopes.map((s) => ({ fields: s.fields, condition: { bool: { filter: s.clauses } } }));
}

// ---------------------------------------------------------------------------------------------
// Request building

export function windowQuery(req: WindowRequest): JsonObject {
  const filter: JsonValue[] = [{ range: { [req.timeField]: { gte: req.start, lt: req.end, format: 'epoch_millis' } } }];
  if (req.filter) filter.push(req.filter);
  return { bool: { filter } };
}

function restrictToKeys(query: JsonObject, entityFields: readonly string[], keys: readonly string[][]): JsonObject {
  const filter: JsonValue[] = [query];
  entityFields.forEach((field, i) => filter.push({ terms: { [field]: [...new Set(keys.map((k) => k[i]))] } }));
  return { bool: { filter } };
}

/** The sub-aggregations computed in every composite bucket (one entity). */
export function subAggregations(plan: FeaturePlan, precision = 1_000, names: ReadonlyMap<string, string> = new Map()): JsonObject {
  const top: JsonObject = {};
  const name = (f: number): string => names.get(plan.fields[f].path) ?? plan.fields[f].path;
  const nested: JsonObject[] = plan.wheres.map(() => ({}));
  const under = (w: number): JsonObject => (w < 0 ? top : nested[w]);
  plan.distincts.forEach((p, d) => (under(p.where)[`d${d}`] = { cardinality: { field: name(p.field), precision_threshold: precision } }));
  plan.terms.forEach((p, k) => {
    const field = name(p.field);
    under(p.where)[`t${k}`] = { terms: { field, size: p.size, order: [{ _count: 'desc' }, { _key: 'asc' }] } };
    if (p.cardinality) under(p.where)[`n${k}`] = { cardinality: { field, precision_threshold: precision } };
  });
  plan.stats.forEach((p, m) => (under(p.where)[`s${m}`] = { stats: { field: name(p.field) } }));
  plan.histograms.forEach((h, i) => {
    const interval = h.intervalMs % 1000 === 0 ? `${h.intervalMs / 1000}s` : `${h.intervalMs}ms`;
    top[`h${i}`] = { date_histogram: { field: plan.timeField, fixed_interval: interval, min_doc_count: 1 } };
  });
  plan.wheres.forEach((w, i) => {
    const agg: JsonObject = { filter: renameQueryFields(w.dsl, names) };
    if (Object.keys(nested[i]).length > 0) agg.aggs = nested[i];
    top[`w${i}`] = agg;
  });
  return top;
}

// ---------------------------------------------------------------------------------------------
// Response parsing

function toPartial(plan: FeaturePlan, bucket: { key: CompositeKey; docCount: number; aggregations: JsonObject }): EntityPartial {
  const a = bucket.aggregations;
  const container = (w: number): unknown => (w < 0 ? a : a[`w${w}`]);
  const terms: TermsResult[] = plan.terms.map((p, k) => {
    const agg = dig(container(p.where), [`t${k}`]);
    const list = arrayAt(agg, 'buckets');
    const type = plan.fields[p.field].type;
    const keys = list.map((b) => termKey(b, type));
    const counts = list.map((b) => num(dig(b, ['doc_count'])));
    const card = dig(container(p.where), [`n${k}`, 'value']);
    return { keys, counts, other: num(dig(agg, ['sum_other_doc_count'])), cardinality: typeof card === 'number' ? card : keys.length };
  });
  const stats: StatsResult[] = plan.stats.map((p, m) => {
    const s = dig(container(p.where), [`s${m}`]);
    const count = num(dig(s, ['count']));
    return { count, sum: count > 0 ? num(dig(s, ['sum'])) : 0, max: count > 0 ? num(dig(s, ['max'])) : 0 };
  });
  const histograms: HistogramResult[] = plan.histograms.map((_, i) => {
    const list = arrayAt(a[`h${i}`], 'buckets');
    return { keys: list.map((b) => num(dig(b, ['key']))), counts: list.map((b) => num(dig(b, ['doc_count']))) };
  });
  return {
    values: plan.entityFields.map((_, i) => keyString(bucket.key[`e${i}`])),
    docCount: bucket.docCount,
    whereCounts: plan.wheres.map((_, w) => num(dig(a, [`w${w}`, 'doc_count']))),
    distincts: plan.distincts.map((p, d) => num(dig(container(p.where), [`d${d}`, 'value']))),
    terms,
    stats,
    histograms,
  };
}

/** A terms bucket's key as the memory executor spells it (booleans as "true"/"false", numbers via String). */
function termKey(bucket: unknown, type: FieldType): string {
  const key = dig(bucket, ['key']);
  if (typeof key === 'string') return key;
  if (type === 'boolean') {
    const s = dig(bucket, ['key_as_string']);
    if (typeof s === 'string') return s;
    return key === 1 ? 'true' : 'false';
  }
  return String(key);
}

function keyString(v: string | number | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

/** Buckets of every multi-bucket aggregation inside a composite bucket (what search.max_buckets counts). */
function countBuckets(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countBuckets(v), 0);
  let n = 0;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'buckets' && Array.isArray(v)) n += v.length;
    n += countBuckets(v);
  }
  return n;
}

/**
 * What a refused composite request means for its size: `too-large` when a smaller page avoids it
 * (too many buckets, a circuit breaker — also when wrapped in "all shards failed"), `busy` when
 * the engine asks to come back later (429, rejected_execution), undefined for anything else.
 */
export function resourceLimit(e: unknown): 'too-large' | 'busy' | undefined {
  if (!(e instanceof EngineRequestError)) return undefined;
  if (/too_many_buckets|max_buckets|circuit_breaking|Data too large/i.test(`${e.type} ${e.reason}`)) return 'too-large';
  if (e.status === 429 || /rejected_execution/i.test(`${e.type} ${e.reason}`)) return 'busy';
  return undefined;
}

function isBreaker(e: unknown): boolean {
  return e instanceof EngineRequestError && /circuit_breaking|Data too large/i.test(`${e.type} ${e.reason}`);
}

/** A composite key of a sequence / periodicity field as the memory executor spells the term. */
function compositeTerm(value: string | number, type: FieldType): string {
  if (type === 'boolean' && typeof value === 'number') return value === 1 ? 'true' : 'false';
  return String(value);
}

function dig(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function arrayAt(value: unknown, key: string): unknown[] {
  const v = dig(value, [key]);
  return Array.isArray(v) ? v : [];
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** The entity-windows with their ordered actions / arrivals added (as they are when the plan collects none). */
function withSequences(plan: FeaturePlan, windows: EntityWindow[], collectors: Map<string, SequenceCollector> | undefined): EntityWindow[] {
  if (!collectors) return windows;
  return windows.map((w) => {
    const c = collectors.get(w.entity.value) ?? new SequenceCollector();
    return {
      ...w,
      ...(plan.sequenceField >= 0 ? { actions: c.actions(plan.limits) } : {}),
      ...(plan.periodicityField >= 0 ? { arrivals: c.arrivals(plan.limits) } : {}),
    };
  });
}

/** Buckets of a composite bucket's date histograms (the `h<i>` sub-aggregations, read as toPartial reads them). */
function histogramBuckets(plan: FeaturePlan, aggregations: JsonObject): number {
  return plan.histograms.reduce((n, _, i) => n + arrayAt(aggregations[`h${i}`], 'buckets').length, 0);
}

/** The most date-histogram buckets one entity can have in a window of `windowMs`. */
function histogramBucketsAtMost(plan: FeaturePlan, windowMs: number): number {
  return plan.histograms.reduce((n, h) => n + Math.ceil(windowMs / h.intervalMs) + 1, 0);
}
