/**
 * Periodicity (beaconing) of source → destination traffic: command-and-control implants call home
 * at a fixed interval with a little jitter, which looks ordinary on volume features but is unlike
 * human, bursty traffic.
 *
 * For each destination with at least `minArrivals` arrivals in the window (events closer than
 * `mergeMs` are one arrival: a beacon often makes a DNS query and a connection together):
 *
 *     Δ            = gaps between consecutive arrivals
 *     robust CV    = 1.4826 · MAD(Δ) / median(Δ)       (one missed or extra beat barely moves it)
 *     on-beat k    = gaps within ±tolerance of a whole multiple of median(Δ)  (a missed beat is on beat)
 *     regularity   = min(1 − robustCV / maxCv, (k/m − 2·tolerance) / (1 − 2·tolerance)), at least 0
 *                    — 1 = a metronome; 0 = no more regular than chance. Both tests must agree, so a
 *                    few human gaps that happen to cluster (small MAD) do not pass for a beacon.
 *     significance = −ln P(Binomial(m, 2·tolerance) ≥ k)  nats: how unlikely that many on-beat gaps
 *                    are by chance (m = gaps); 19 regular gaps are far stronger proof than 5
 *     commonness   = 1 / (1 + K / commonDestinations)  K = other entities seen beaconing to this destination
 *     score        = regularity · significance · commonness
 *
 * The last factor keeps fleet-wide periodic services (update servers, NTP, monitoring agents) low;
 * it learns from windows passed to learnOne. Window score: the highest destination score. A window
 * with no destination reaching `minArrivals` has no beaconing score (the ensemble leaves it out).
 */
import type { Evidence } from '../explain/evidence.js';
import { OnlineDetector, type DetectorFactory, type DetectorParams, type EvidenceContext, type Finding } from './detector.js';
import type { Observation } from './observation.js';
import { MAD_TO_SD, medianInPlace } from './stats.js';

export interface BeaconingParams {
  /** Arrivals a destination needs in a window to be judged (default 6). */
  readonly minArrivals: number;
  /** Events closer than this are one arrival, ms (default 1000). */
  readonly mergeMs: number;
  /** Robust CV at or above which regularity is 0 (default 0.5). */
  readonly maxCv: number;
  /** Relative distance from a multiple of the period that still counts as on beat (default 0.15). */
  readonly tolerance: number;
  /** Other beaconing entities at which a destination's score halves (default 10). */
  readonly commonDestinations: number;
  /** Regularity at or above which a learned pair counts as beaconing (default 0.5). */
  readonly learnRegularity: number;
  /** Destinations remembered (default 100,000). */
  readonly maxDestinations: number;
}

export const DEFAULT_BEACONING_PARAMS: BeaconingParams = {
  minArrivals: 6,
  mergeMs: 1000,
  maxCv: 0.5,
  tolerance: 0.15,
  commonDestinations: 10,
  learnRegularity: 0.5,
  maxDestinations: 100_000,
};

export interface Periodicity {
  readonly destination: string;
  readonly arrivals: number;
  /** Median gap, ms. */
  readonly periodMs: number;
  readonly robustCv: number;
  readonly regularity: number;
  /** −ln P(this many on-beat gaps by chance), nats. */
  readonly significance: number;
  readonly score: number;
  /** Other entities seen beaconing to this destination. */
  readonly peers: number;
}

export interface BeaconingState {
  kind: 'beaconing';
  version: 1;
  params: BeaconingParams;
  step: number;
  /** destination → [entities seen beaconing to it (sorted, capped), last step]. */
  destinations: [string, string[], number][];
}

/** Entities remembered per destination: enough to tell "a few" from "the whole fleet". */
const MAX_PEERS = 64;

export class Beaconing {
  readonly params: BeaconingParams;
  private step = 0;
  private readonly destinations = new Map<string, { entities: Set<string>; last: number }>();

  constructor(params: Partial<BeaconingParams> = {}) {
    const p = { ...DEFAULT_BEACONING_PARAMS, ...params };
    if (!Number.isInteger(p.minArrivals) || p.minArrivals < 3)
      throw new RangeError(`beaconing: minArrivals must be a whole number ≥ 3, got ${p.minArrivals}`);
    if (!(p.tolerance > 0 && p.tolerance < 0.5)) throw new RangeError(`beaconing: tolerance must be in (0, 0.5), got ${p.tolerance}`);
    if (!(p.maxCv > 0) || !(p.commonDestinations > 0) || !(p.mergeMs >= 0))
      throw new RangeError('beaconing: maxCv and commonDestinations must be > 0, mergeMs ≥ 0');
    this.params = p;
  }

  /** Regularity of each destination with enough arrivals, best first (no learning). */
  analyse(entity: string, arrivals: Readonly<Record<string, readonly number[]>>): Periodicity[] {
    const out: Periodicity[] = [];
    for (const [destination, times] of Object.entries(arrivals)) {
      const r = regularityOf(times, this.params);
      if (!r) continue;
      const known = this.destinations.get(destination);
      const peers = known ? known.entities.size - (known.entities.has(entity) ? 1 : 0) : 0;
      const commonness = 1 / (1 + peers / this.params.commonDestinations);
      out.push({
        destination,
        arrivals: r.gaps + 1,
        periodMs: r.period,
        robustCv: r.cv,
        regularity: r.regularity,
        significance: r.significance,
        score: r.regularity * r.significance * commonness,
        peers,
      });
    }
    return out.sort((a, b) => b.score - a.score || (a.destination < b.destination ? -1 : 1));
  }

  /** Highest destination score; undefined when no destination had enough arrivals. Does not change state. */
  scoreOne(entity: string, arrivals: Readonly<Record<string, readonly number[]>>): { score: number; top: Periodicity } | undefined {
    const all = this.analyse(entity, arrivals);
    return all.length === 0 ? undefined : { score: all[0].score, top: all[0] };
  }

  /** Remember which destinations this entity beaconed to (to recognise fleet-wide periodic services). */
  learnOne(entity: string, arrivals: Readonly<Record<string, readonly number[]>>): void {
    this.step++;
    for (const [destination, times] of Object.entries(arrivals)) {
      const r = regularityOf(times, this.params);
      if (!r || r.regularity < this.params.learnRegularity) continue;
      let d = this.destinations.get(destination);
      if (!d) {
        d = { entities: new Set(), last: 0 };
        this.destinations.set(destination, d);
      }
      if (d.entities.size < MAX_PEERS) d.entities.add(entity);
      d.last = this.step;
    }
    if (this.destinations.size > this.params.maxDestinations) {
      // Forget the destinations unseen the longest (ties: fewest entities, then name).
      const keep = [...this.destinations.entries()]
        .sort((a, b) => b[1].last - a[1].last || b[1].entities.size - a[1].entities.size || (a[0] < b[0] ? -1 : 1))
        .slice(0, Math.floor(this.params.maxDestinations * 0.9));
      this.destinations.clear();
      for (const [k, v] of keep) this.destinations.set(k, v);
    }
  }

  toJSON(): BeaconingState {
    return {
      kind: 'beaconing',
      version: 1,
      params: { ...this.params },
      step: this.step,
      destinations: [...this.destinations].map(([k, v]) => [k, [...v.entities], v.last]),
    };
  }

  static fromJSON(state: BeaconingState): Beaconing {
    if (state?.kind !== 'beaconing' || state.version !== 1)
      throw new TypeError('beaconing: not a beaconing state (kind "beaconing", version 1)');
    const b = new Beaconing(state.params);
    b.step = state.step;
    for (const [k, ents, last] of state.destinations) b.destinations.set(k, { entities: new Set(ents), last });
    return b;
  }
}

/** Regularity of one destination's arrival times; undefined below minArrivals (after merging). */
export function regularityOf(
  times: readonly number[],
  p: Pick<BeaconingParams, 'minArrivals' | 'mergeMs' | 'maxCv' | 'tolerance'>,
): { gaps: number; period: number; cv: number; regularity: number; onBeat: number; significance: number } | undefined {
  if (times.length < p.minArrivals) return undefined;
  const t = Float64Array.from(times.filter((x) => Number.isFinite(x))).sort();
  const merged: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (merged.length === 0 || t[i] - merged[merged.length - 1] > p.mergeMs) merged.push(t[i]);
  }
  if (merged.length < p.minArrivals) return undefined;
  const gaps = new Float64Array(merged.length - 1);
  for (let i = 1; i < merged.length; i++) gaps[i - 1] = merged[i] - merged[i - 1];
  const period = medianInPlace(Float64Array.from(gaps));
  if (!(period > 0)) return undefined;
  let onBeat = 0;
  for (let i = 0; i < gaps.length; i++) {
    const ratio = gaps[i] / period;
    const k = Math.round(ratio);
    if (k >= 1 && Math.abs(ratio - k) <= p.tolerance) onBeat++;
    gaps[i] = Math.abs(gaps[i] - period);
  }
  const cv = (MAD_TO_SD * medianInPlace(gaps)) / period;
  const chance = Math.min(2 * p.tolerance, 0.99);
  const beat = (onBeat / gaps.length - chance) / (1 - chance);
  return {
    gaps: gaps.length,
    period,
    cv,
    regularity: Math.max(0, Math.min(1 - cv / p.maxCv, beat)),
    onBeat,
    significance: 0 - logBinomialTail(onBeat, gaps.length, chance),
  };
}

/** ln P(X ≥ k) for X ~ Binomial(m, q), summed in log space (stable for large m). */
export function logBinomialTail(k: number, m: number, q: number): number {
  if (k <= 0) return 0;
  if (k > m) return -Infinity;
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  // ln C(m, i) built incrementally from i = k.
  let lc = 0;
  for (let i = 1; i <= k; i++) lc += Math.log((m - k + i) / i);
  let max = -Infinity;
  const terms: number[] = [];
  for (let i = k; i <= m; i++) {
    const t = lc + i * lq + (m - i) * l1q;
    terms.push(t);
    if (t > max) max = t;
    lc += Math.log((m - i) / (i + 1));
  }
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return Math.min(0, max + Math.log(sum));
}

export interface BeaconingDetectorParams extends DetectorParams {
  beaconing?: Partial<BeaconingParams>;
}

export interface BeaconFinding extends Finding {
  /** The most periodic destination. */
  readonly top: Periodicity;
}

/** The ensemble's "beaconing" detector: periodicity of the window's arrivals per destination. */
export class BeaconingDetector extends OnlineDetector<BeaconFinding, BeaconingState> {
  readonly name = 'beaconing';

  constructor(readonly model: Beaconing) {
    super();
  }

  scoreOne(obs: Observation): BeaconFinding | undefined {
    return obs.arrivals ? this.model.scoreOne(obs.entity, obs.arrivals) : undefined;
  }

  learnOne(obs: Observation): void {
    if (obs.arrivals) this.model.learnOne(obs.entity, obs.arrivals);
  }

  /** The most periodic destination. */
  evidence(b: BeaconFinding, ctx: EvidenceContext): Evidence[] {
    if (!(ctx.share > 0)) return [];
    const t = b.top;
    return [
      {
        kind: 'beaconing',
        destination: t.destination,
        periodMs: t.periodMs,
        arrivals: t.arrivals,
        robustCv: t.robustCv,
        score: t.score,
        typicalScore: ctx.typicalScore,
        contribution: ctx.share,
      },
    ];
  }

  toJSON(): BeaconingState {
    return this.model.toJSON();
  }
}

export const beaconingFactory: DetectorFactory<'beaconing', BeaconingDetector, BeaconingDetectorParams> = {
  name: 'beaconing',
  minScale: 0.05,
  create: (params) => new BeaconingDetector(new Beaconing(params.beaconing)),
  fromJSON: (state) => new BeaconingDetector(Beaconing.fromJSON(state as BeaconingState)),
};
