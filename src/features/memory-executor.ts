/**
 * The in-memory feature executor: the same specs as the aggregation executor, computed in
 * process over events from an array, an iterable or an NDJSON file (`vigil detect`, `vigil eval`).
 *
 * Built for ~1M events per window: every field is read once per event into reusable scratch
 * arrays, per-entity state is a handful of typed arrays, Sets and Maps allocated when the entity
 * first appears, and nothing else is allocated per event beyond what JSON parsing already did.
 */
import type { JsonObject } from '../engine/engine.js';
import { ECS_FIELD_TYPES, fieldPath, forEachTerm, MISTYPED, readEnvelope, toNumber, type FieldPath, type FieldType } from './event.js';
import type { EntityWindow, FeatureExecutor, WindowRequest, WindowResult } from './executor.js';
import { FieldIssues } from './field-issues.js';
import { byEntityValue, finishEntity, termsFromCounts, type EntityPartial, type HistogramResult, type StatsResult } from './finish.js';
import { partitionFilter } from './partition.js';
import { compilePlan, type FeaturePlan, type PlanOptions } from './plan.js';
import { compileFilter, type EventPredicate } from './query-filter.js';
import { SequenceCollector } from './sequence.js';

/** Events to scan: an array (or any re-iterable), or a function returning a fresh (async) iterable per window. */
export type EventSource = Iterable<unknown> | AsyncIterable<unknown> | (() => Iterable<unknown> | AsyncIterable<unknown>);

export type MemoryExecutorOptions = PlanOptions;

export class MemoryExecutor implements FeatureExecutor {
  constructor(
    private readonly source: EventSource,
    private readonly options: MemoryExecutorOptions = {},
  ) {}

  async computeWindow(req: WindowRequest): Promise<WindowResult> {
    const acc = new WindowAccumulator(req, this.options);
    const events = typeof this.source === 'function' ? this.source() : this.source;
    if (Symbol.asyncIterator in events) {
      for await (const doc of events as AsyncIterable<unknown>) acc.add(doc);
    } else {
      for (const doc of events) acc.add(doc);
    }
    await req.baselineReady;
    return acc.result();
  }
}

/** Per-entity running aggregates (the memory twin of one composite bucket). */
class EntityState {
  docCount = 0;
  readonly whereCounts: Float64Array;
  readonly distincts: Set<string>[];
  readonly terms: Map<string, number>[];
  readonly statCount: Float64Array;
  readonly statSum: Float64Array;
  readonly statComp: Float64Array;
  readonly statMax: Float64Array;
  readonly histograms: Map<number, number>[];
  readonly sequence: SequenceCollector | undefined;

  constructor(
    readonly values: string[],
    plan: FeaturePlan,
  ) {
    this.whereCounts = new Float64Array(plan.wheres.length);
    this.distincts = plan.distincts.map(() => new Set<string>());
    this.terms = plan.terms.map(() => new Map<string, number>());
    this.statCount = new Float64Array(plan.stats.length);
    this.statSum = new Float64Array(plan.stats.length);
    this.statComp = new Float64Array(plan.stats.length);
    this.statMax = new Float64Array(plan.stats.length).fill(-Infinity);
    this.histograms = plan.histograms.map(() => new Map<number, number>());
    this.sequence = plan.sequenceField >= 0 || plan.periodicityField >= 0 ? new SequenceCollector() : undefined;
  }

  /** Kahan-compensated like the engines' sum aggregation. */
  addValue(s: number, v: number): void {
    this.statCount[s]++;
    const corrected = v - this.statComp[s];
    const next = this.statSum[s] + corrected;
    this.statComp[s] = next - this.statSum[s] - corrected;
    this.statSum[s] = next;
    if (v > this.statMax[s]) this.statMax[s] = v;
  }
}

/**
 * One window's computation, fed event by event. Exposed so a caller scanning a file once for
 * many windows can keep one accumulator per window.
 */
export class WindowAccumulator {
  private readonly plan: FeaturePlan;
  private readonly time: FieldPath;
  private readonly filter: EventPredicate;
  private readonly inPartition: (value: string) => boolean;
  private readonly paths: FieldPath[];
  private readonly termUse: boolean[];
  private readonly numberUse: boolean[];
  private readonly issueField: boolean[];
  /** Scratch, reused for every event: usable terms (deduplicated) and numbers per field. */
  private readonly termScratch: string[][];
  private readonly numberScratch: number[][];
  private readonly whereHit: Uint8Array;
  private readonly entities = new Map<string, EntityState>();
  /** Entities of other partitions, remembered so their hash is computed once. */
  private readonly foreign = new Set<string>();
  private readonly issues = new FieldIssues();
  private readonly countIssues: boolean;
  private readonly entityValues: string[] = [];
  /** Per entity field: its fallbacks (paths and types), read when the event lacks the field. */
  private readonly fallbacks: { readonly path: FieldPath; readonly type: FieldType }[][];
  private readonly fallbackScratch: string[][];
  private skipped = 0;

  constructor(
    private readonly req: WindowRequest,
    options: MemoryExecutorOptions = {},
  ) {
    this.plan = compilePlan(req, options);
    const plan = this.plan;
    this.time = fieldPath(req.timeField);
    const types = new Map(plan.fields.map((f) => [f.path, f.type]));
    this.filter = compileFilter(req.filter, (f) =>
      f === req.timeField ? 'date' : (types.get(f) ?? (options.fieldTypes ?? ECS_FIELD_TYPES)[f] ?? 'keyword'),
    );
    this.inPartition = partitionFilter(req.partition);
    this.countIssues = !req.partition || req.partition.index === 0;
    this.paths = plan.fields.map((f) => fieldPath(f.path));
    this.numberUse = plan.fields.map((_, i) => plan.stats.some((s) => s.field === i));
    this.termUse = plan.fields.map(
      (_, i) =>
        !this.numberUse[i] ||
        plan.terms.some((t) => t.field === i) ||
        plan.distincts.some((d) => d.field === i) ||
        plan.entityFields.includes(i) ||
        plan.wheres.some((w) => w.conditions.some((c) => c.field === i)) ||
        i === plan.sequenceField ||
        i === plan.periodicityField,
    );
    const known = options.fieldTypes ?? ECS_FIELD_TYPES;
    this.fallbacks = plan.entityFields.map((f) =>
      (req.entityFallbacks?.[plan.fields[f].path] ?? []).map((p) => ({ path: fieldPath(p), type: known[p] ?? plan.fields[f].type })),
    );
    this.fallbackScratch = plan.entityFields.map(() => []);
    // An entity field with fallbacks is missing only when every alternative is (counted in add()).
    this.issueField = plan.fields.map(
      (_, i) => plan.issueFields.includes(i) && !plan.entityFields.some((f, k) => f === i && this.fallbacks[k].length > 0),
    );
    this.termScratch = plan.fields.map(() => []);
    this.numberScratch = plan.fields.map(() => []);
    this.whereHit = new Uint8Array(plan.wheres.length);
  }

  add(doc: unknown): void {
    // Epoch-millis numbers skip the envelope reader (no result object per event).
    const raw = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? this.time.read(doc) : undefined;
    let t: number;
    if (typeof raw === 'number' && Number.isFinite(raw)) t = Math.trunc(raw);
    else {
      const env = readEnvelope(doc, this.time);
      if (!env.ok) {
        if (!this.countIssues) return;
        if (env.problem === 'bad_time') this.issues.mistyped(this.req.timeField, env.value);
        else if (env.problem === 'missing_time') this.issues.missing(this.req.timeField);
        else this.issues.mistyped('(event)', doc);
        return;
      }
      t = env.time;
    }
    if (t < this.req.start || t >= this.req.end) return;
    const event = doc as JsonObject;
    if (!this.filter(event)) return;
    this.readFields(event);

    const plan = this.plan;
    const ef = plan.entityFields;
    const first = this.entityTerms(event, 0);
    const second = ef.length > 1 ? this.entityTerms(event, 1) : undefined;
    if (first.length === 0 || second?.length === 0) {
      if (this.countIssues) this.skipped++;
      return;
    }

    for (let w = 0; w < plan.wheres.length; w++) this.whereHit[w] = this.matches(w) ? 1 : 0;

    for (const a of first) {
      if (!second) this.addToEntity(a, a, undefined, t);
      else for (const b of second) this.addToEntity(`${a}|${b}`, a, b, t);
    }
  }

  result(): WindowResult {
    const windows: EntityWindow[] = [];
    for (const state of this.entities.values()) windows.push(this.finish(state));
    windows.sort(byEntityValue);
    return { windows, fieldIssues: this.issues, skippedNoEntity: this.skipped };
  }

  /** The entity field's values, else those of its first fallback that has any. */
  private entityTerms(event: JsonObject, k: number): string[] {
    const f = this.plan.entityFields[k];
    const own = this.termScratch[f];
    if (own.length > 0 || this.fallbacks[k].length === 0) return own;
    const out = this.fallbackScratch[k];
    for (const alt of this.fallbacks[k]) {
      out.length = 0;
      forEachTerm(
        alt.path.read(event),
        alt.type,
        (term) => {
          if (!out.includes(term)) out.push(term);
        },
        () => undefined,
      );
      if (out.length > 0) return out;
    }
    if (this.countIssues) this.issues.missing(this.plan.fields[f].path);
    return out;
  }

  private readFields(event: JsonObject): void {
    const fields = this.plan.fields;
    for (let i = 0; i < fields.length; i++) {
      const raw = this.paths[i].read(event);
      const terms = this.termScratch[i];
      const numbers = this.numberScratch[i];
      terms.length = 0;
      numbers.length = 0;
      let mistyped: unknown = undefined;
      if (this.termUse[i]) {
        forEachTerm(
          raw,
          fields[i].type,
          (term) => {
            if (!terms.includes(term)) terms.push(term);
          },
          (bad) => (mistyped ??= bad),
        );
      }
      if (this.numberUse[i]) collectNumbers(raw, fields[i].type, numbers, (bad) => (mistyped ??= bad));
      if (!this.countIssues || !this.issueField[i]) continue;
      if (mistyped !== undefined) this.issues.mistyped(fields[i].path, mistyped);
      else if (terms.length === 0 && numbers.length === 0) this.issues.missing(fields[i].path);
    }
  }

  private matches(w: number): boolean {
    for (const c of this.plan.wheres[w].conditions) {
      let hit = false;
      for (const term of this.termScratch[c.field]) {
        if (c.values.has(term)) {
          hit = true;
          break;
        }
      }
      if (!hit) return false;
    }
    return true;
  }

  private addToEntity(key: string, a: string, b: string | undefined, t: number): void {
    let s = this.entities.get(key);
    if (!s) {
      if (this.foreign.has(key)) return;
      if (!this.inPartition(key)) {
        this.foreign.add(key);
        return;
      }
      s = new EntityState(b === undefined ? [a] : [a, b], this.plan);
      this.entities.set(key, s);
    }
    const plan = this.plan;
    const hit = this.whereHit;
    s.docCount++;
    for (let w = 0; w < hit.length; w++) if (hit[w]) s.whereCounts[w]++;
    for (let d = 0; d < plan.distincts.length; d++) {
      const p = plan.distincts[d];
      if (p.where >= 0 && !hit[p.where]) continue;
      const set = s.distincts[d];
      for (const term of this.termScratch[p.field]) set.add(term);
    }
    for (let k = 0; k < plan.terms.length; k++) {
      const p = plan.terms[k];
      if (p.where >= 0 && !hit[p.where]) continue;
      const map = s.terms[k];
      for (const term of this.termScratch[p.field]) map.set(term, (map.get(term) ?? 0) + 1);
    }
    for (let m = 0; m < plan.stats.length; m++) {
      const p = plan.stats[m];
      if (p.where >= 0 && !hit[p.where]) continue;
      for (const v of this.numberScratch[p.field]) s.addValue(m, v);
    }
    for (let h = 0; h < plan.histograms.length; h++) {
      const interval = plan.histograms[h].intervalMs;
      const bucket = Math.floor(t / interval) * interval;
      const map = s.histograms[h];
      map.set(bucket, (map.get(bucket) ?? 0) + 1);
    }
    if (s.sequence) {
      if (plan.sequenceField >= 0) for (const a of this.termScratch[plan.sequenceField]) s.sequence.addAction(t, a);
      if (plan.periodicityField >= 0) for (const d of this.termScratch[plan.periodicityField]) s.sequence.addArrival(d, t);
    }
  }

  private finish(s: EntityState): EntityWindow {
    const plan = this.plan;
    const stats: StatsResult[] = plan.stats.map((_, m) => ({ count: s.statCount[m], sum: s.statSum[m], max: s.statMax[m] }));
    const histograms: HistogramResult[] = s.histograms.map((map) => {
      const keys = [...map.keys()].sort((a, b) => a - b);
      return { keys, counts: keys.map((k) => map.get(k)!) };
    });
    const partial: EntityPartial = {
      values: s.values,
      docCount: s.docCount,
      whereCounts: s.whereCounts,
      distincts: s.distincts.map((set) => set.size),
      terms: plan.terms.map((p, k) => termsFromCounts(s.terms[k], p.size, plan.fields[p.field].type, p.minCap)),
      stats,
      histograms,
    };
    const window = finishEntity(plan, this.req, partial, this.req.baseline);
    if (!s.sequence) return window;
    return {
      ...window,
      ...(plan.sequenceField >= 0 ? { actions: s.sequence.actions(plan.limits) } : {}),
      ...(plan.periodicityField >= 0 ? { arrivals: s.sequence.arrivals(plan.limits) } : {}),
    };
  }
}

/** Every numeric value of a raw field value (duplicates kept, as numeric doc values keep them). */
function collectNumbers(raw: unknown, type: Parameters<typeof toNumber>[1], out: number[], onMistyped: (v: unknown) => void): void {
  if (raw === undefined || raw === null) return;
  if (Array.isArray(raw)) {
    for (const v of raw) collectNumbers(v, type, out, onMistyped);
    return;
  }
  const n = toNumber(raw, type);
  if (n === MISTYPED) onMistyped(raw);
  else if (n !== undefined) out.push(n);
}
