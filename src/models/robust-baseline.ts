/**
 * Robust per-entity baseline: the median and MAD of each feature over the entity's own history,
 * and the robust z-score of a new window against it,
 *
 *     z = (x − median) / (σ̂ + ε),   σ̂ = 1.4826·MAD (or 1.2533·mean |x − median| when the MAD is 0),
 *     ε = epsilon · σ̂_population + epsilonAbs,
 *
 * so an entity whose feature never varied is not infinitely surprised by a change of one unit.
 * Count-like features (judged on increases, every value learned so far a non-negative integer:
 * logins, failures, distinct hosts…) also get a Poisson noise floor, σ̂ ≥ √(median + 1): one failed
 * login more than a usual 0 is one unit of noise, not a hundred.
 *
 * Memory is bounded: each entity keeps a weighted reservoir of at most `reservoirSize` past windows
 * (Efraimidis–Spirakis A-Res with weights growing as 2^(t / halfLife)), so old behaviour fades with
 * the half-life while the sample stays unbiased among windows of equal age. The peer population
 * (all entities) keeps a larger reservoir the same way.
 *
 * Time of day: activity has a daily rhythm (a workstation starts twenty processes at 10:00 and two
 * at 03:00), so when a window is scored with its time, the entity's baseline is taken over its past
 * windows within ±1 hour of the same UTC time of day, once it has `seasonalMinRows` of them. Each
 * entity's own rhythm is learned, whatever its time zone.
 *
 * Cold start: an entity with fewer than `minObservations` windows is scored against the population
 * median and σ̂ instead, and the result says so (`coldStart: true`). When it has at least
 * `coldStartOwnMin` windows, each feature counts the smaller of its deviation from the peers and
 * from its own short history: a new service account that always reads gigabytes is unusual for
 * its peers but not for itself, and is not flagged for it. Only windows learned as unremarkable
 * (learnOne's `flagged` false) form that short history: a new IP that has sprayed passwords for
 * two hours must not be excused by those two hours. Once the entity is warm its whole history
 * counts, flagged or not, so a new legitimate behaviour stops alerting after minObservations windows.
 *
 * Missing values: a non-finite feature value (NaN, ±Infinity) is not learned and not scored (its z
 * is NaN, its deviation 0); a feature the entity never had a finite value for falls back to the
 * population; one the population never had either scores 0.
 */
import { DecayedReservoir } from './decayed-reservoir.js';
import { Random } from './random.js';
import { robustSd, robustSummaryInPlace, type RobustSummary } from './stats.js';

export type Direction = 'up' | 'down' | 'both';

export interface RobustBaselineParams {
  /** Windows an entity needs before its own baseline is used (default 8). */
  readonly minObservations: number;
  /** Windows from which, during cold start, the entity's own short history can veto a peer deviation (default 2). */
  readonly coldStartOwnMin: number;
  /** Judge a window against the entity's windows at the same time of day (±1 h, UTC) when scored with a time (default true). */
  readonly seasonal: boolean;
  /** Past windows at that time of day needed for the seasonal baseline; fewer → all windows (default 6). */
  readonly seasonalMinRows: number;
  /** Past windows kept per entity (default 64). */
  readonly reservoirSize: number;
  /** Past windows kept for the population (default 2048). */
  readonly populationReservoirSize: number;
  /** Age at which a window counts half as much as a new one, in the unit of `time` (default 14 days in ms; Infinity = no decay). */
  readonly halfLife: number;
  /** ε as a fraction of the population's σ̂ for the feature (default 0.25). */
  readonly epsilon: number;
  /** Absolute floor of ε (default 1e-6). */
  readonly epsilonAbs: number;
  /** Largest |z| reported, keeps sums finite (default 1e6). */
  readonly zCap: number;
  /** Population summaries are recomputed after this many updates (default 256). */
  readonly populationRefreshEvery: number;
  /**
   * How long a window that alerted (learnOne's `flagged`) is held out of its entity's baseline, in
   * the unit of `time` (default 1 day in ms): an attack in progress cannot excuse itself with its
   * own first hours, while a new legitimate habit becomes the baseline by the next day.
   */
  readonly quarantine: number;
  readonly seed: number;
}

export const DEFAULT_BASELINE_PARAMS: RobustBaselineParams = {
  minObservations: 8,
  coldStartOwnMin: 2,
  seasonal: true,
  seasonalMinRows: 6,
  reservoirSize: 64,
  populationReservoirSize: 2048,
  halfLife: 14 * 24 * 3600 * 1000,
  epsilon: 0.25,
  epsilonAbs: 1e-6,
  zCap: 1e6,
  populationRefreshEvery: 256,
  quarantine: 24 * 3600 * 1000,
  seed: 42,
};

export interface BaselineScore {
  /** √(Σ d²) over features, d the deviation in each feature's direction (0 when no feature could be scored). */
  readonly score: number;
  /** Number of features that had a finite value and a baseline. */
  readonly scored: number;
  /** Robust z per feature (NaN when missing). */
  readonly z: Record<string, number>;
  /** Deviation counted per feature: z⁺, (−z)⁺ or |z| by direction; 0 when missing. */
  readonly deviation: Record<string, number>;
  /** Baseline median per feature (the entity's, or the population's on cold start). */
  readonly typical: Record<string, number>;
  readonly coldStart: boolean;
  /** Windows the entity has been learned from. */
  readonly observations: number;
}

/** Kept rows of a reservoir within ±1 hour of day (UTC) of `hour` (all rows when hour is undefined), except those `skip` says. */
function near(res: DecayedReservoir, hour: number | undefined, skip?: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < res.size; i++) {
    if (skip?.(i)) continue;
    if (hour !== undefined) {
      const h = hourOfDay(res.time(i));
      if (h === undefined) continue;
      const d = Math.abs(h - hour);
      if (Math.min(d, 24 - d) > 1) continue;
    }
    out.push(i);
  }
  return out;
}

/** Robust summary of one column over some kept rows (finite values only). */
function summarise(res: DecayedReservoir, rows: readonly number[], col: number, buf: Float64Array): RobustSummary {
  let m = 0;
  for (const i of rows) {
    const v = res.value(i, col);
    if (Number.isFinite(v)) buf[m++] = v;
  }
  return robustSummaryInPlace(buf, m);
}

/** UTC hour of day of an epoch-ms time; undefined for NaN. */
function hourOfDay(time: number): number | undefined {
  if (!Number.isFinite(time)) return undefined;
  return Math.floor((((time % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000);
}

export interface ReservoirState {
  n: number;
  keys: number[];
  rows: (number | null)[][];
  times?: (number | null)[];
  /** Indices of flagged rows (absent when none). */
  flagged?: number[];
}

export interface RobustBaselineState {
  kind: 'robust-baseline';
  version: 1;
  params: RobustBaselineParams;
  features: string[];
  /** Per feature: every learned value so far was a non-negative integer. */
  countLike: boolean[];
  rng: number;
  step: number;
  sinceRefresh: number;
  population: ReservoirState;
  /** The population summary in force (refreshed periodically, so it is state, not derivable). */
  populationSummary?: SummaryState[];
  entities: Record<string, ReservoirState>;
}

type SummaryState = [n: number, median: number | null, madSd: number | null, meanAdSd: number | null];

function summaryToJSON(s: RobustSummary): SummaryState {
  const f = (v: number) => (Number.isFinite(v) ? v : null);
  return [s.n, f(s.median), f(s.madSd), f(s.meanAdSd)];
}

function summaryFromJSON(s: SummaryState): RobustSummary {
  const f = (v: number | null) => v ?? NaN;
  return { n: s[0], median: f(s[1]), madSd: f(s[2]), meanAdSd: f(s[3]) };
}

const EMPTY: RobustSummary = { n: 0, median: NaN, madSd: NaN, meanAdSd: NaN };

export class RobustBaseline {
  readonly params: RobustBaselineParams;
  private readonly features: string[] = [];
  private readonly featureIndex = new Map<string, number>();
  private countLike: boolean[] = [];
  private readonly entities = new Map<string, DecayedReservoir>();
  private population: DecayedReservoir;
  private rng: Random;
  /** Implicit clock when learnOne is called without a time. */
  private step = 0;
  private sinceRefresh = 0;
  // Derived caches (not serialised; rebuilt on demand, so restore is exact).
  private popSummary: RobustSummary[] | undefined;
  private readonly entitySummary = new Map<string, Map<number, RobustSummary[]>>();
  private buf = new Float64Array(64);

  constructor(params: Partial<RobustBaselineParams> = {}) {
    const p = { ...DEFAULT_BASELINE_PARAMS, ...params };
    if (!Number.isInteger(p.minObservations) || p.minObservations < 0)
      throw new RangeError(`baseline: minObservations must be a whole number ≥ 0, got ${p.minObservations}`);
    if (!Number.isInteger(p.reservoirSize) || p.reservoirSize < 1)
      throw new RangeError(`baseline: reservoirSize must be a whole number ≥ 1, got ${p.reservoirSize}`);
    if (!Number.isInteger(p.populationReservoirSize) || p.populationReservoirSize < 1)
      throw new RangeError(`baseline: populationReservoirSize must be a whole number ≥ 1, got ${p.populationReservoirSize}`);
    if (!(p.halfLife > 0)) throw new RangeError(`baseline: halfLife must be > 0 (Infinity for no decay), got ${p.halfLife}`);
    if (!(p.epsilon >= 0) || !(p.epsilonAbs > 0)) throw new RangeError('baseline: epsilon must be ≥ 0 and epsilonAbs > 0');
    if (!(p.quarantine >= 0))
      throw new RangeError(`baseline: quarantine must be ≥ 0 (Infinity to never learn alerted windows), got ${p.quarantine}`);
    this.params = p;
    this.rng = new Random(p.seed);
    this.population = new DecayedReservoir(p.populationReservoirSize, 1);
  }

  /** Feature names seen so far, in first-seen order. */
  get featureNames(): readonly string[] {
    return this.features;
  }

  get entityCount(): number {
    return this.entities.size;
  }

  observations(entity: string): number {
    return this.entities.get(entity)?.n ?? 0;
  }

  /**
   * Learn one window of an entity. `time` (e.g. window start in ms) drives the decay; without it,
   * calls are counted. `flagged` marks a window that alerted: it is learned like any other, but
   * cannot serve as the cold-start entity's own short history.
   */
  learnOne(entity: string, features: Readonly<Record<string, number>>, time?: number, flagged = false): void {
    const t = time ?? this.step;
    const stamp = time ?? NaN;
    this.step++;
    const row = this.toRow(features, true);
    const lambda = Number.isFinite(this.params.halfLife) ? Math.LN2 / this.params.halfLife : 0;
    // Two independent keys: one for the entity's reservoir, one for the population's.
    const keyE = Math.log(-Math.log(this.rng.open())) - lambda * t;
    const keyP = Math.log(-Math.log(this.rng.open())) - lambda * t;
    let res = this.entities.get(entity);
    if (!res) {
      res = new DecayedReservoir(this.params.reservoirSize, this.features.length);
      this.entities.set(entity, res);
    }
    if (res.offer(row, keyE, stamp, flagged)) this.entitySummary.delete(entity);
    // The population summary is refreshed every populationRefreshEvery updates, not on each one:
    // recomputing medians over thousands of rows per window would dominate the cost of learning.
    this.population.offer(row, keyP, stamp);
    // While the population is young, refresh as it doubles so cold-start scores are not stuck on a few rows.
    if (++this.sinceRefresh >= Math.min(this.params.populationRefreshEvery, Math.max(1, this.population.n >> 1))) {
      this.popSummary = undefined;
      this.sinceRefresh = 0;
    }
  }

  /** Robust z of each feature against the entity's baseline (or the population's on cold start). Does not change state. */
  scoreOne(
    entity: string,
    features: Readonly<Record<string, number>>,
    direction: (feature: string) => Direction = () => 'up',
    time?: number,
  ): BaselineScore {
    const res = this.entities.get(entity);
    const observations = res?.n ?? 0;
    const coldStart = observations < this.params.minObservations;
    const pop = this.populationSummaries();
    const own = res && res.n > 0 ? (coldStart ? this.shortHistory(res, time) : this.entitySummaries(entity, res, time)) : undefined;
    const z: Record<string, number> = {};
    const deviation: Record<string, number> = {};
    const typical: Record<string, number> = {};
    let sum = 0;
    let scored = 0;
    for (const name of Object.keys(features)) {
      const j = this.featureIndex.get(name);
      const x = features[name];
      const p = j === undefined ? EMPTY : (pop[j] ?? EMPTY);
      const e = own && j !== undefined && own[j].n > 0 ? own[j] : undefined;
      const dir = direction(name);
      const popSd = p.n > 0 ? robustSd(p) : 0;
      // The Poisson floor is for counts, which are judged on increases; an integer feature judged both
      // ways (an hour of day) is not a count.
      const countLike = j !== undefined && this.countLike[j] && dir === 'up';
      const measure = (base: RobustSummary): { z: number; d: number } => {
        let scale = robustSd(base) + this.params.epsilon * popSd + this.params.epsilonAbs;
        if (countLike) scale = Math.max(scale, Math.sqrt(Math.max(base.median, 0) + 1));
        const zj = clamp((x - base.median) / scale, this.params.zCap);
        return { z: zj, d: dir === 'up' ? Math.max(zj, 0) : dir === 'down' ? Math.max(-zj, 0) : Math.abs(zj) };
      };
      // The baseline(s) this feature is judged against: the entity's own once it is warm; on cold
      // start the peers', or the kinder of peers and own short history when there is one.
      const candidates = !coldStart && e ? [e] : coldStart && e && p.n > 0 ? [p, e] : p.n > 0 ? [p] : e ? [e] : [];
      if (!Number.isFinite(x) || candidates.length === 0) {
        z[name] = NaN;
        deviation[name] = 0;
        typical[name] = candidates.length > 0 ? candidates[0].median : NaN;
        continue;
      }
      let best = measure(candidates[0]);
      let base = candidates[0];
      for (let k = 1; k < candidates.length; k++) {
        const m = measure(candidates[k]);
        if (m.d < best.d) {
          best = m;
          base = candidates[k];
        }
      }
      typical[name] = base.median;
      z[name] = best.z;
      deviation[name] = best.d;
      sum += best.d * best.d;
      scored++;
    }
    return { score: Math.sqrt(sum), scored, z, deviation, typical, coldStart, observations };
  }

  /** Removes the entity's reservoir and returns it (JSON); undefined when it has none. */
  evictEntity(entity: string): ReservoirState | undefined {
    const r = this.entities.get(entity);
    if (!r) return undefined;
    this.entities.delete(entity);
    this.entitySummary.delete(entity);
    return reservoirToJSON(r);
  }

  /** Puts back a reservoir evictEntity returned. */
  restoreEntity(entity: string, state: ReservoirState): void {
    this.entities.set(entity, reservoirFromJSON(state, this.params.reservoirSize));
    this.entitySummary.delete(entity);
  }

  /** The entity's (or on cold start the population's) median of a feature; NaN when unknown. */
  typical(entity: string, feature: string, time?: number): number {
    const j = this.featureIndex.get(feature);
    if (j === undefined) return NaN;
    const res = this.entities.get(entity);
    if (res && res.n >= this.params.minObservations) {
      const s = this.entitySummaries(entity, res, time)[j];
      if (s.n > 0) return s.median;
    }
    return this.populationSummaries()[j]?.median ?? NaN;
  }

  toJSON(): RobustBaselineState {
    const entities: Record<string, ReservoirState> = {};
    for (const [k, r] of this.entities) entities[k] = reservoirToJSON(r);
    return {
      kind: 'robust-baseline',
      version: 1,
      params: { ...this.params },
      features: [...this.features],
      countLike: [...this.countLike],
      rng: this.rng.getState(),
      step: this.step,
      sinceRefresh: this.sinceRefresh,
      population: reservoirToJSON(this.population),
      populationSummary: this.popSummary?.map(summaryToJSON),
      entities,
    };
  }

  static fromJSON(state: RobustBaselineState): RobustBaseline {
    if (state?.kind !== 'robust-baseline' || state.version !== 1)
      throw new TypeError('baseline: not a robust-baseline state (kind "robust-baseline", version 1)');
    // JSON turns Infinity into null: restore the "no decay" half-life. States from before the
    // quarantine existed get the default.
    const params = {
      ...state.params,
      halfLife: state.params.halfLife ?? Infinity,
      quarantine: state.params.quarantine === null ? Infinity : (state.params.quarantine ?? DEFAULT_BASELINE_PARAMS.quarantine),
    };
    const b = new RobustBaseline(params);
    for (const f of state.features) b.featureIndex.set(f, b.features.push(f) - 1);
    b.countLike = state.features.map((_, j) => state.countLike?.[j] ?? false);
    b.rng = Random.fromState(state.rng);
    b.step = state.step;
    b.sinceRefresh = state.sinceRefresh;
    b.population = reservoirFromJSON(state.population, params.populationReservoirSize);
    for (const [k, r] of Object.entries(state.entities)) b.entities.set(k, reservoirFromJSON(r, params.reservoirSize));
    b.popSummary = state.populationSummary?.map(summaryFromJSON);
    return b;
  }

  private populationSummaries(): RobustSummary[] {
    if (this.popSummary?.length !== this.features.length) {
      const pop = this.population;
      const rows = near(pop, undefined);
      this.popSummary = this.features.map((_, j) => summarise(pop, rows, j, this.scratch(rows.length)));
    }
    return this.popSummary;
  }

  /**
   * Whether kept row i is held out of the entity's baseline when scoring at `time`: it alerted
   * (flagged) less than `quarantine` ago. Without times (learned or scored), a flagged row is held
   * out only from a cold-start entity's short history (`always`).
   */
  private heldOut(res: DecayedReservoir, i: number, time: number | undefined, always: boolean): boolean {
    if (!res.flagged(i)) return false;
    const t = res.time(i);
    if (time === undefined || !Number.isFinite(t)) return always;
    return time - t < this.params.quarantine;
  }

  /**
   * A cold-start entity's own short history: its windows not held out (no seasonality, there are
   * too few), when there are at least coldStartOwnMin of them. Computed on the fly: at most
   * minObservations rows.
   */
  private shortHistory(res: DecayedReservoir, time: number | undefined): RobustSummary[] | undefined {
    const rows = near(res, undefined, (i) => this.heldOut(res, i, time, true));
    if (rows.length === 0 || rows.length < this.params.coldStartOwnMin) return undefined;
    return this.features.map((_, j) => summarise(res, rows, j, this.scratch(rows.length)));
  }

  /**
   * The entity's summaries, seasonal when a time is given: over its past windows within ±1 hour
   * of the same time of day (UTC), when it has `seasonalMinRows` of them; otherwise over all.
   * Windows in quarantine (alerted less than `quarantine` ago) are left out; summaries without
   * such windows are cached per hour of day.
   */
  private entitySummaries(entity: string, res: DecayedReservoir, time?: number): RobustSummary[] {
    let quarantined = false;
    if (time !== undefined) for (let i = 0; i < res.size && !quarantined; i++) quarantined = this.heldOut(res, i, time, false);
    const skip = quarantined ? (i: number) => this.heldOut(res, i, time, false) : undefined;
    let byHour = this.entitySummary.get(entity);
    if (byHour === undefined) {
      byHour = new Map();
      this.entitySummary.set(entity, byHour);
    }
    let hour = this.params.seasonal && time !== undefined ? hourOfDay(time) : undefined;
    let rows = near(res, hour, skip);
    if (hour !== undefined && rows.length < this.params.seasonalMinRows) {
      hour = undefined;
      rows = near(res, undefined, skip);
    }
    if (quarantined) return this.features.map((_, j) => summarise(res, rows, j, this.scratch(rows.length)));
    const key = hour ?? -1;
    let s = byHour.get(key);
    if (s?.length !== this.features.length) {
      s = this.features.map((_, j) => summarise(res, rows, j, this.scratch(rows.length)));
      byHour.set(key, s);
    }
    return s;
  }

  private scratch(n: number): Float64Array {
    if (this.buf.length < n) this.buf = new Float64Array(n);
    return this.buf;
  }

  private toRow(features: Readonly<Record<string, number>>, register: boolean): Float64Array {
    if (register) {
      for (const name of Object.keys(features)) {
        let j = this.featureIndex.get(name);
        if (j === undefined) {
          j = this.features.push(name) - 1;
          this.featureIndex.set(name, j);
          this.countLike.push(true);
        }
        const v = features[name];
        if (Number.isFinite(v) && (v < 0 || !Number.isInteger(v))) this.countLike[j] = false;
      }
    }
    const row = new Float64Array(this.features.length).fill(NaN);
    for (const name of Object.keys(features)) {
      const j = this.featureIndex.get(name);
      const v = features[name];
      // Non-finite values are stored as NaN (missing) so JSON round trips are exact.
      if (j !== undefined && Number.isFinite(v)) row[j] = v;
    }
    return row;
  }
}

function clamp(z: number, cap: number): number {
  return z > cap ? cap : z < -cap ? -cap : z;
}

function reservoirToJSON(r: DecayedReservoir): ReservoirState {
  const idx = Array.from({ length: r.size }, (_, i) => i);
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  const flagged = idx.filter((i) => r.flagged(i));
  return {
    n: r.n,
    keys: idx.map((i) => r.key(i)),
    rows: idx.map((i) => Array.from(r.row(i), finite)),
    times: idx.map((i) => finite(r.time(i))),
    ...(flagged.length > 0 ? { flagged } : {}),
  };
}

function reservoirFromJSON(s: ReservoirState, capacity: number): DecayedReservoir {
  const width = s.rows.reduce((w, row) => Math.max(w, row.length), 1);
  const r = new DecayedReservoir(Math.max(capacity, s.rows.length), width, s.rows.length);
  const flagged = new Set(s.flagged ?? []);
  s.rows.forEach((row, i) =>
    r.offer(
      row.map((v) => v ?? NaN),
      s.keys[i],
      s.times?.[i] ?? NaN,
      flagged.has(i),
    ),
  );
  r.n = s.n;
  return r;
}
