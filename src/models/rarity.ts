/**
 * Rarity of categorical values per entity (source IP, country, host, process, hour of day, …):
 * surprise = −ln p(value appears in a window of this entity).
 *
 * Counts are per window (a value seen 50 times in one window counts once), so p is the share of the
 * entity's windows in which the value appeared, smoothed towards the population:
 *
 *     p_pop(v)    = (C(v) + a) / (N + 2a)                     N = entity-windows with the field, a = `alpha`
 *     p_pop(new)  = (N₁ + a) / (N + 2a)                       a value nobody showed: Good–Turing, N₁ = values seen once
 *     p_entity(v) = (c(v) + β · p_pop(v)) / (n + β),  β = alpha + K
 *
 * where c(v) and n are the entity's own counts and K the number of distinct values it has shown in
 * that field: an entity whose values churn (a laptop on many networks) backs off more to the
 * population and is less surprised by one more new value than one that always shows the same.
 * The Good–Turing estimate makes novelty as surprising as the field makes it: internal source IPs
 * handed out by DHCP are new every day (many values seen once, a new one is unremarkable), a new
 * country is not. A value the entity never showed is flagged first-seen (and population-first-seen
 * when nobody did).
 *
 * Scored with the other entities of the same window (Ensemble.scoreMany), p is at least the share
 * of those peers showing the value too: a fleet-wide novelty (patch day) is not one entity's anomaly.
 *
 * A window that alerted is learned `quarantine` later (default one day, in the unit of the times
 * given to learnOne): until then its values stay as rare as they were, so a spray that shows forty
 * accounts the same foreign address, or a beacon calling the same new destination hour after hour,
 * does not make the address ordinary with its own first hour — while a new legitimate value (a
 * trip abroad) is part of the entity's history by the next day.
 *
 * Window score: Σ over fields of the largest surprise among that window's values; fields without
 * values that window contribute nothing. Memory: each entity keeps at most `maxValuesPerField` values
 * per field, the population `maxPopulationValues`; beyond that the least frequent (then the longest
 * unseen) are forgotten.
 */
import type { Evidence } from '../explain/evidence.js';
import type { BatchContext } from './batch-context.js';
import { CappedCounter } from './capped-counter.js';
import { OnlineDetector, type DetectorFactory, type DetectorParams, type EvidenceContext, type ScoreContext } from './detector.js';
import { categoricalOf, type Observation } from './observation.js';
import { valueHash } from './value-hash.js';

export interface RarityParams {
  /** Additive smoothing / back-off strength a (default 1). */
  readonly alpha: number;
  /** Delay before an alerted (flagged) window is learned, in the unit of learnOne's time (default 1 day in ms). */
  readonly quarantine: number;
  /** Values remembered per entity and field (default 256). */
  readonly maxValuesPerField: number;
  /** Values remembered per field for the population (default 50,000). */
  readonly maxPopulationValues: number;
}

export const DEFAULT_RARITY_PARAMS: RarityParams = {
  alpha: 1,
  quarantine: 86_400_000,
  maxValuesPerField: 256,
  maxPopulationValues: 50_000,
};

export interface ValueSurprise {
  readonly field: string;
  readonly value: string;
  /** −ln p, nats. */
  readonly surprise: number;
  readonly probability: number;
  /** The entity never showed this value before. */
  readonly firstSeen: boolean;
  /** No entity showed it before. */
  readonly populationFirstSeen: boolean;
}

export interface RarityScore {
  /** Σ over fields of the largest surprise (0 when no field had a value). */
  readonly score: number;
  /** Fields that had at least one value this window. */
  readonly fieldsScored: number;
  /** The most surprising value of each field, most surprising first. */
  readonly top: ValueSurprise[];
  /** Every value the entity shows for the first time. */
  readonly firstSeen: { field: string; value: string }[];
}

/** value → [windows seen in, last step seen]. */
type Counts = Map<string, [number, number]>;

interface FieldCounts {
  windows: number;
  values: Counts;
  /** Values seen in exactly one window (Good–Turing N₁). */
  singletons: number;
}

export interface RarityState {
  kind: 'rarity';
  /** 2: entity values as fingerprints (value-hash.ts); 1: as strings (still read). */
  version: 1 | 2;
  params: RarityParams;
  step: number;
  population: Record<string, SerialField>;
  entities: Record<string, Record<string, SerialField | HashedField>>;
  /** Alerted windows waiting to be learned: [entity, time, values] (absent in older states). */
  pending?: [string, number, Record<string, string[]>][];
}

interface SerialField {
  windows: number;
  values: [string, number, number][];
}

/** An entity's field: [fingerprint, windows, last step] per value. */
export interface HashedField {
  windows: number;
  values: [number, number, number][];
}

export class Rarity {
  readonly params: RarityParams;
  private step = 0;
  private readonly population = new Map<string, FieldCounts>();
  /** Per entity and field: capped counts of value fingerprints (the strings are not kept). */
  private readonly entities = new Map<string, Map<string, CappedCounter>>();
  /** Flagged windows in quarantine, in time order. */
  private pending: [string, number, Record<string, string[]>][] = [];

  constructor(params: Partial<RarityParams> = {}) {
    const p = { ...DEFAULT_RARITY_PARAMS, ...params };
    if (!(p.alpha > 0)) throw new RangeError(`rarity: alpha must be > 0, got ${p.alpha}`);
    if (!(p.quarantine >= 0)) throw new RangeError(`rarity: quarantine must be ≥ 0, got ${p.quarantine}`);
    if (!Number.isInteger(p.maxValuesPerField) || p.maxValuesPerField < 1)
      throw new RangeError(`rarity: maxValuesPerField must be a whole number ≥ 1, got ${p.maxValuesPerField}`);
    if (!Number.isInteger(p.maxPopulationValues) || p.maxPopulationValues < 1)
      throw new RangeError(`rarity: maxPopulationValues must be a whole number ≥ 1, got ${p.maxPopulationValues}`);
    this.params = p;
  }

  /**
   * Learn the distinct values an entity showed in one window. With a `time`, quarantined windows
   * whose time has come are learned first; a `flagged` (alerted) window with a time joins them and
   * is learned once `quarantine` has passed.
   */
  learnOne(entity: string, categorical: Readonly<Record<string, readonly string[]>>, time?: number, flagged = false): void {
    if (time !== undefined && Number.isFinite(time)) {
      while (this.pending.length > 0 && time - this.pending[0][1] >= this.params.quarantine) {
        const [e, , values] = this.pending.shift()!;
        this.learnNow(e, values);
      }
      if (flagged && this.params.quarantine > 0) {
        const values: Record<string, string[]> = {};
        for (const [field, raw] of Object.entries(categorical)) {
          const d = distinct(raw);
          if (d.length > 0) values[field] = d;
        }
        // Times arrive in order in practice; keep the queue sorted even if they do not.
        let at = this.pending.length;
        while (at > 0 && this.pending[at - 1][1] > time) at--;
        this.pending.splice(at, 0, [entity, time, values]);
        return;
      }
    }
    this.learnNow(entity, categorical);
  }

  /** Windows waiting in quarantine. */
  get quarantined(): number {
    return this.pending.length;
  }

  private learnNow(entity: string, categorical: Readonly<Record<string, readonly string[]>>): void {
    this.step++;
    let fields = this.entities.get(entity);
    for (const [field, raw] of Object.entries(categorical)) {
      const values = distinct(raw);
      if (values.length === 0) continue;
      if (!fields) {
        fields = new Map();
        this.entities.set(entity, fields);
      }
      let own = fields.get(field);
      if (!own) fields.set(field, (own = new CappedCounter(this.params.maxValuesPerField)));
      own.bump(values.map(valueHash), this.step);
      bump(this.population, field, values, this.step, this.params.maxPopulationValues);
    }
  }

  /**
   * Surprise of the values an entity shows in one window. Does not change state. With a batch,
   * a value shown by a share q of the other entities of the same window has p ≥ q (a fleet-wide
   * event is not rare).
   */
  scoreOne(entity: string, categorical: Readonly<Record<string, readonly string[]>>, batch?: BatchContext): RarityScore {
    const a = this.params.alpha;
    const fields = this.entities.get(entity);
    const top: ValueSurprise[] = [];
    const firstSeen: { field: string; value: string }[] = [];
    let score = 0;
    for (const [field, raw] of Object.entries(categorical)) {
      const values = distinct(raw);
      if (values.length === 0) continue;
      const pop = this.population.get(field);
      const own = fields?.get(field);
      const N = pop?.windows ?? 0;
      const n = own?.windows ?? 0;
      const beta = a + (own?.size ?? 0);
      let best: ValueSurprise | undefined;
      for (const value of values) {
        const C = pop?.values.get(value)?.[0] ?? 0;
        const c = own ? own.count(valueHash(value)) : 0;
        const pPop = ((C > 0 ? C : (pop?.singletons ?? 0)) + a) / (N + 2 * a);
        const p = Math.max((c + beta * pPop) / (n + beta), batch ? batch.peerShare(field, value) : 0);
        const s: ValueSurprise = { field, value, surprise: -Math.log(p), probability: p, firstSeen: c === 0, populationFirstSeen: C === 0 };
        if (c === 0) firstSeen.push({ field, value });
        // Ties go to the lexicographically smaller value so the result does not depend on input order.
        if (!best || s.surprise > best.surprise || (s.surprise === best.surprise && value < best.value)) best = s;
      }
      if (best) {
        top.push(best);
        score += best.surprise;
      }
    }
    top.sort((x, y) => y.surprise - x.surprise || (x.field < y.field ? -1 : 1));
    return { score, fieldsScored: top.length, top, firstSeen };
  }

  /** Removes the entity's counters and returns them (JSON, fingerprints); undefined when it has none. */
  evictEntity(entity: string): Record<string, HashedField> | undefined {
    const fields = this.entities.get(entity);
    if (!fields) return undefined;
    this.entities.delete(entity);
    return countersToJSON(fields);
  }

  /**
   * Puts back counters evictEntity returned. Counts learned for the entity while it was away (a
   * quarantined window whose time came) are added to them, as they would have been.
   */
  restoreEntity(entity: string, state: Record<string, HashedField>): void {
    const restored = countersFromJSON(state, this.params.maxValuesPerField);
    for (const [field, away] of this.entities.get(entity) ?? []) {
      let c = restored.get(field);
      if (!c) restored.set(field, (c = new CappedCounter(this.params.maxValuesPerField)));
      for (const [h, n, step] of away.entries()) c.set(h, c.count(h) + n, Math.max(step, c.stepOf(h)));
      c.windows += away.windows;
    }
    this.entities.set(entity, restored);
  }

  /** Windows in which the entity showed any value of the field. */
  windows(entity: string, field: string): number {
    return this.entities.get(entity)?.get(field)?.windows ?? 0;
  }

  toJSON(): RarityState {
    const entities: Record<string, Record<string, HashedField>> = {};
    for (const [e, fields] of this.entities) entities[e] = countersToJSON(fields);
    return {
      kind: 'rarity',
      version: 2,
      params: { ...this.params },
      step: this.step,
      population: fieldsToJSON(this.population),
      entities,
      pending: this.pending.map(([e, t, v]) => [e, t, Object.fromEntries(Object.entries(v).map(([f, l]) => [f, [...l]]))]),
    };
  }

  static fromJSON(state: RarityState): Rarity {
    if (state?.kind !== 'rarity' || (state.version !== 1 && state.version !== 2))
      throw new TypeError('rarity: not a rarity state (kind "rarity", version 1 or 2)');
    // States from before the quarantine existed get the default.
    const r = new Rarity({ ...state.params, quarantine: state.params.quarantine ?? DEFAULT_RARITY_PARAMS.quarantine });
    r.step = state.step;
    r.pending = (state.pending ?? []).map(([e, t, v]) => [e, t, Object.fromEntries(Object.entries(v).map(([f, l]) => [f, [...l]]))]);
    fieldsFromJSON(state.population, r.population);
    for (const [e, fields] of Object.entries(state.entities)) r.entities.set(e, countersFromJSON(fields, r.params.maxValuesPerField));
    return r;
  }
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => typeof v === 'string' && v !== ''))].sort();
}

function bump(map: Map<string, FieldCounts>, field: string, values: readonly string[], step: number, cap: number): void {
  let fc = map.get(field);
  if (!fc) {
    fc = { windows: 0, values: new Map(), singletons: 0 };
    map.set(field, fc);
  }
  fc.windows++;
  for (const v of values) {
    const e = fc.values.get(v);
    if (e) {
      if (e[0] === 1) fc.singletons--;
      e[0]++;
      e[1] = step;
    } else {
      fc.values.set(v, [1, step]);
      fc.singletons++;
    }
  }
  // Prune in batches (to 90% of the cap) so a full map does not pay a scan on every new value.
  if (fc.values.size > cap) {
    const keep = Math.max(1, Math.floor(cap * 0.9));
    const entries = [...fc.values.entries()].sort((x, y) => y[1][0] - x[1][0] || y[1][1] - x[1][1] || (x[0] < y[0] ? -1 : 1));
    fc.values = new Map(entries.slice(0, keep));
    fc.singletons = countSingletons(fc.values);
  }
}

function countSingletons(values: Counts): number {
  let n = 0;
  for (const [c] of values.values()) if (c === 1) n++;
  return n;
}

function fieldsToJSON(fields: Map<string, FieldCounts>): Record<string, SerialField> {
  const out: Record<string, SerialField> = {};
  for (const [f, fc] of fields) out[f] = { windows: fc.windows, values: [...fc.values].map(([v, [c, s]]) => [v, c, s]) };
  return out;
}

function countersToJSON(fields: Map<string, CappedCounter>): Record<string, HashedField> {
  return Object.fromEntries([...fields].map(([f, c]) => [f, { windows: c.windows, values: c.entries() }]));
}

/** An entity's fields, from fingerprints (version 2) or strings (version 1). */
function countersFromJSON(fields: Record<string, SerialField | HashedField>, cap: number): Map<string, CappedCounter> {
  const out = new Map<string, CappedCounter>();
  for (const [f, sf] of Object.entries(fields)) {
    const c = new CappedCounter(cap, sf.values.length + 1);
    for (const [v, count, step] of sf.values) c.set(typeof v === 'string' ? valueHash(v) : v, count, step);
    c.windows = sf.windows;
    out.set(f, c);
  }
  return out;
}

function fieldsFromJSON(state: Record<string, SerialField>, into: Map<string, FieldCounts>): Map<string, FieldCounts> {
  for (const [f, sf] of Object.entries(state)) {
    const values: Counts = new Map(sf.values.map(([v, c, s]) => [v, [c, s]]));
    into.set(f, { windows: sf.windows, values, singletons: countSingletons(values) });
  }
  return into;
}

export interface RarityDetectorParams extends DetectorParams {
  rarity?: Partial<RarityParams>;
}

/** The ensemble's "rarity" detector: the window's categorical values (and distinct actions) against the entity's. */
export class RarityDetector extends OnlineDetector<RarityScore, RarityState> {
  readonly name = 'rarity';

  constructor(readonly model: Rarity) {
    super();
  }

  scoreOne(obs: Observation, ctx?: ScoreContext): RarityScore | undefined {
    const categorical = categoricalOf(obs);
    if (!categorical) return undefined;
    const r = this.model.scoreOne(obs.entity, categorical, ctx?.batch);
    return r.fieldsScored > 0 ? r : undefined;
  }

  learnOne(obs: Observation, flagged = false): void {
    const categorical = categoricalOf(obs);
    if (categorical) this.model.learnOne(obs.entity, categorical, obs.time, flagged);
  }

  /** The rarest value of each field, by its share of the surprise. */
  evidence(r: RarityScore, ctx: EvidenceContext): Evidence[] {
    if (!(ctx.share > 0)) return [];
    let sum = 0;
    for (const t of r.top) sum += t.surprise;
    if (!(sum > 0)) return [];
    const typicalSurprise = ctx.typicalScore / Math.max(1, r.fieldsScored);
    return r.top.map((t) => ({
      kind: 'rarity',
      field: t.field,
      value: t.value,
      surprise: t.surprise,
      typicalSurprise,
      probability: t.probability,
      firstSeen: t.firstSeen,
      populationFirstSeen: t.populationFirstSeen,
      contribution: (ctx.share * t.surprise) / sum,
    }));
  }

  evictEntity(entity: string): unknown {
    return this.model.evictEntity(entity);
  }

  restoreEntity(entity: string, state: unknown): void {
    this.model.restoreEntity(entity, state as Record<string, HashedField>);
  }

  toJSON(): RarityState {
    return this.model.toJSON();
  }
}

export const rarityFactory: DetectorFactory<'rarity', RarityDetector, RarityDetectorParams> = {
  name: 'rarity',
  minScale: 0.25,
  create: (params) => new RarityDetector(new Rarity(params.rarity)),
  fromJSON: (state) => new RarityDetector(Rarity.fromJSON(state as RarityState)),
};
