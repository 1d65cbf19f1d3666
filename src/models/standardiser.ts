/**
 * Online standardisation of one model's raw scores, so that models measured in different units
 * (isolation depth, robust z, nats, periodicity) can be weighted and summed (paper Eq. 2).
 *
 * Raw scores are heavy-tailed, skewed, often tied at a floor (most windows have no beacon at all)
 * and the history may hold attacks, so a Welford mean and variance would be dominated by a few
 * extreme values. The robust equivalent used here is the probability integral transform: the
 * tail probability of a raw score among the recent non-alert scores of the same model,
 *
 *   p̂(x) = (#{recent > x} + ½ #{recent = x} + ½) / (n + 1)          up to u, the k-th largest recent score,
 *   p̂(x) = (k / (n + 1)) · S(x − u)                                 above u,
 *
 * the second line a peaks-over-threshold tail (as in Siffer et al., "Anomaly detection in streams
 * with extreme value theory", KDD 2017): S is the survival function of a generalised Pareto
 * distribution fitted to the excesses over u by the method of moments, its shape ξ clamped to
 * [0, 0.9] (exponential when the excesses are too few). A heavy tail (ξ > 0, e.g. robust z of bursty
 * counts) makes a far score less surprising. Bounded tails (ξ < 0) are deliberately not used: their
 * fitted end point sits just beyond the largest recent score, and every ordinary window that
 * lands a little further would look impossibly rare; the exponential tail is the conservative
 * choice for them. p̂ stays positive and monotone, so far scores still rank by how far they are.
 * From p̂ come
 *
 *   surprisal  s = −ln p̂          (nats; ≈ Exp(1) on ordinary windows, whatever the model)
 *   z          z = Φ⁻¹(1 − p̂)    (the standard-normal equivalent, reported as the model's score)
 *
 * The recent scores are a ring buffer of the last `capacity` updates; the sorted snapshot and the
 * tail fit are refreshed every `refreshEvery` updates (and on demand after warm-up), so learning is
 * O(1) amortised. Before any update every score has p̂ = ½ (z = 0).
 */
import { robustSd, robustSummaryInPlace } from './stats.js';

export interface StandardiserState {
  capacity: number;
  refreshEvery: number;
  minScale: number;
  buffer: number[];
  /** Next write position in the ring. */
  pos: number;
  count: number;
  sinceRefresh: number;
}

/** Fraction of the snapshot treated as the tail for the exponential fit (at least 10 values). */
const TAIL_FRACTION = 0.05;
const MIN_TAIL = 10;

export class RobustStandardiser {
  readonly capacity: number;
  readonly refreshEvery: number;
  readonly minScale: number;
  private buffer: Float64Array;
  private pos = 0;
  private count = 0;
  private sinceRefresh = 0;
  // Derived at refresh (recomputed identically after fromJSON, which refreshes from the same ring state).
  private sorted = new Float64Array(0);
  private tailStart = Infinity;
  private tailCount = 0;
  private tailScale = 1;
  private tailShape = 0;
  private centre = 0;
  private spread = 1;
  /** Snapshot of the ring at the last refresh (sorted is derived from it). */
  private snapshot = new Float64Array(0);

  constructor(capacity = 4096, refreshEvery = 128, minScale = 1e-3) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`standardiser: capacity must be a whole number ≥ 1, got ${capacity}`);
    if (!Number.isInteger(refreshEvery) || refreshEvery < 1)
      throw new RangeError(`standardiser: refreshEvery must be a whole number ≥ 1, got ${refreshEvery}`);
    if (!(minScale > 0)) throw new RangeError(`standardiser: minScale must be > 0, got ${minScale}`);
    this.capacity = capacity;
    this.refreshEvery = refreshEvery;
    this.minScale = minScale;
    this.buffer = new Float64Array(capacity);
    this.spread = minScale;
  }

  /** Median of the recent raw scores (the model's "typical" value). */
  get center(): number {
    return this.centre;
  }

  /** Robust σ̂ of the recent raw scores (floored at minScale). */
  get scale(): number {
    return this.spread;
  }

  /** Scores in the snapshot in use. */
  get size(): number {
    return this.sorted.length;
  }

  /** Add one raw score (non-finite values are ignored). */
  update(raw: number): void {
    if (!Number.isFinite(raw)) return;
    // + 0 turns −0 into +0, which is what JSON gives back: restores stay bit-identical.
    this.buffer[this.pos] = raw + 0;
    this.pos = (this.pos + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    // Refresh as the ring doubles while young, then every refreshEvery updates.
    if (++this.sinceRefresh >= Math.min(this.refreshEvery, Math.max(1, this.count >> 1))) this.refresh();
  }

  /** Rebuild the sorted snapshot and the tail fit from the ring now. */
  refresh(): void {
    this.sinceRefresh = 0;
    this.snapshot = this.buffer.slice(0, this.count);
    this.derive();
  }

  /** Tail probability p̂ of a raw score, in (0, 1). */
  tailProbability(raw: number): number {
    const n = this.sorted.length;
    if (n === 0 || Number.isNaN(raw)) return 0.5;
    if (raw > this.tailStart)
      return Math.max((this.tailCount / (n + 1)) * gpdSurvival(raw - this.tailStart, this.tailScale, this.tailShape), 1e-300);
    // Mid-rank: #{sorted > raw} + ½ #{sorted = raw}. Raw scores often tie (no deviation at all, no
    // beacon): a tied block sits at its middle, not at its most extreme end.
    const below = lowerBound(this.sorted, raw);
    const notAbove = upperBound(this.sorted, raw);
    return (n - notAbove + 0.5 * (notAbove - below) + 0.5) / (n + 1);
  }

  /** −ln p̂: nats of surprise, about 1 on average for ordinary windows. */
  surprisal(raw: number): number {
    return -Math.log(this.tailProbability(raw));
  }

  /** Standard-normal equivalent Φ⁻¹(1 − p̂). */
  transform(raw: number): number {
    return normalQuantile(1 - this.tailProbability(raw), this.tailProbability(raw));
  }

  toJSON(): StandardiserState {
    return {
      capacity: this.capacity,
      refreshEvery: this.refreshEvery,
      minScale: this.minScale,
      // The ring, then the snapshot in use: both are state (the snapshot lags the ring between refreshes).
      buffer: [...Array.from(this.buffer.subarray(0, this.count)), ...Array.from(this.snapshot)],
      pos: this.pos,
      count: this.count,
      sinceRefresh: this.sinceRefresh,
    };
  }

  static fromJSON(s: StandardiserState): RobustStandardiser {
    const r = new RobustStandardiser(s.capacity, s.refreshEvery, s.minScale);
    r.buffer.set(s.buffer.slice(0, s.count));
    r.snapshot = Float64Array.from(s.buffer.slice(s.count));
    r.pos = s.pos;
    r.count = s.count;
    r.sinceRefresh = s.sinceRefresh;
    r.derive();
    return r;
  }

  private derive(): void {
    const sorted = this.snapshot.slice().sort();
    this.sorted = sorted;
    const n = sorted.length;
    if (n === 0) {
      this.tailStart = Infinity;
      this.tailShape = 0;
      this.centre = 0;
      this.spread = this.minScale;
      return;
    }
    const s = robustSummaryInPlace(this.snapshot.slice());
    this.centre = s.median;
    this.spread = Math.max(robustSd(s), this.minScale);
    const k = Math.min(n, Math.max(MIN_TAIL, Math.ceil(n * TAIL_FRACTION)));
    if (n < MIN_TAIL + 1) {
      // Too few scores for a tail fit: extrapolate beyond the maximum with the robust scale.
      this.tailStart = sorted[n - 1];
      this.tailCount = 1;
      this.tailScale = this.spread;
      this.tailShape = 0;
      return;
    }
    const u = sorted[n - k];
    let sum = 0;
    let m = 0;
    for (let i = n - k; i < n; i++) {
      if (sorted[i] > u) {
        sum += sorted[i] - u;
        m++;
      }
    }
    this.tailStart = u;
    // Count of scores > u (plus the ½ of the mid-rank): the tail formula then continues the
    // empirical p̂ just above u, where the scores tied at u are all below. Counting the tied block
    // too (≥ u) would make p̂ jump *up* just above u — a score a hair above a tied block would get a
    // smaller z than the block itself, breaking the monotonicity every ranking relies on.
    this.tailCount = n - upperBound(sorted, u) + 0.5;
    const mean = m > 0 ? sum / m : 0;
    let v = 0;
    for (let i = n - k; i < n; i++) if (sorted[i] > u) v += (sorted[i] - u - mean) ** 2;
    v = m > 1 ? v / (m - 1) : 0;
    if (m < MIN_TAIL / 2 || !(v > 0) || !(mean > 0)) {
      this.tailShape = 0;
      this.tailScale = Math.max(mean, this.minScale);
      return;
    }
    // Method of moments for the generalised Pareto: mean = σ/(1−ξ), var = σ²/((1−ξ)²(1−2ξ)).
    const shape = Math.min(MAX_SHAPE, Math.max(MIN_SHAPE, 0.5 * (1 - (mean * mean) / v)));
    this.tailShape = shape;
    this.tailScale = Math.max(mean * (1 - shape), this.minScale);
  }
}

const MIN_SHAPE = 0;
const MAX_SHAPE = 0.9;

/** Generalised Pareto survival P(Y > y); for ξ < 0 continued exponentially near the end point. */
export function gpdSurvival(y: number, sigma: number, xi: number): number {
  if (Math.abs(xi) < 1e-9) return Math.exp(-y / sigma);
  if (xi > 0) return Math.pow(1 + (xi * y) / sigma, -1 / xi);
  const end = -sigma / xi;
  const cap = 0.99 * end;
  if (y < cap) return Math.pow(1 + (xi * y) / sigma, -1 / xi);
  // Hazard of the GPD at y is 1 / (σ + ξy): continue with the hazard at the cap.
  const atCap = Math.pow(1 + (xi * cap) / sigma, -1 / xi);
  return atCap * Math.exp(-(y - cap) / (sigma + xi * cap));
}

function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Φ⁻¹(p) by Acklam's rational approximation (relative error < 1.2e-9). `q` = 1 − p given
 * separately keeps precision in the far upper tail, where 1 − p rounds to 1.
 */
export function normalQuantile(p: number, q = 1 - p): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (!(p > 0)) return -Infinity;
  if (!(q > 0)) return Infinity;
  if (p < low) {
    const t = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) / ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
  }
  if (q < low) {
    const t = Math.sqrt(-2 * Math.log(q));
    return -(((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) / ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
  }
  const t = p - 0.5;
  const r = t * t;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * t) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}
