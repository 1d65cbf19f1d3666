/**
 * Drift-aware alert threshold (paper Algorithm 2): τ is the (1 − α) quantile of the recent fused
 * scores in a bounded ring buffer, for a target false-positive rate α (or α = alerts per day ÷
 * scored windows per day for an alert budget).
 *
 * Alerts do not feed the threshold with their values — an attack campaign must not teach the
 * threshold to tolerate it — but they are counted: an alert occupies its slot in the ring as +∞.
 * Counting them is what keeps the estimate unbiased: the (1 − α) quantile of only the non-alert
 * scores would be the (1 − α)² quantile of the whole stream, and τ would ratchet down and the
 * false-positive rate up on every refresh. When more than α of the ring are alerts the quantile is
 * +∞ and τ is held where it is.
 *
 * Level shifts: if the recent alert rate (an exponentially weighted mean over `driftSpan` scores)
 * exceeds `driftFactor` · α, the stream has moved rather than being attacked in a few places; alerts
 * are then admitted with their values (`inDrift`), so τ climbs to the new level within about
 * α · capacity scores and the alert rate falls back to α. A downward shift needs no help: the
 * quantile follows the lower scores as they fill the ring.
 *
 * τ is recomputed every `refreshEvery` updates (a selection over the ring, O(capacity)).
 */
import { decodeFloat64, encodeFloat64 } from './codec.js';
import { quantileInPlace } from './stats.js';

export interface ThresholdParams {
  /** Target false-positive rate α in (0, 1). */
  readonly alpha: number;
  /** Ring buffer size (default 5000). */
  readonly capacity: number;
  /** Updates between recomputations of τ (default 16). */
  readonly refreshEvery: number;
  /** Alert rate, as a multiple of α, that signals a level shift (default 5). */
  readonly driftFactor: number;
  /** Span of the alert-rate average (default capacity / 20, at least 50). */
  readonly driftSpan: number;
  /** Scores needed before any alert is raised (default 50). */
  readonly minScores: number;
}

export interface ThresholdState {
  params: ThresholdParams;
  ring: string;
  pos: number;
  count: number;
  sinceRefresh: number;
  tau: number | null;
  alertRate: number;
}

export function thresholdParams(alpha: number, overrides: Partial<Omit<ThresholdParams, 'alpha'>> = {}): ThresholdParams {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`threshold: the target false-positive rate must be in (0, 1), got ${alpha}`);
  const capacity = overrides.capacity ?? 5000;
  return {
    alpha,
    capacity,
    refreshEvery: overrides.refreshEvery ?? 16,
    driftFactor: overrides.driftFactor ?? 5,
    driftSpan: overrides.driftSpan ?? Math.max(50, Math.round(capacity / 20)),
    minScores: overrides.minScores ?? 50,
  };
}

export class DriftThreshold {
  readonly params: ThresholdParams;
  private ring: Float64Array;
  private pos = 0;
  private count = 0;
  private sinceRefresh = 0;
  private tau = Infinity;
  private alertRate = 0;

  constructor(params: ThresholdParams) {
    if (!Number.isInteger(params.capacity) || params.capacity < 10)
      throw new RangeError(`threshold: capacity must be a whole number ≥ 10, got ${params.capacity}`);
    if (!(params.driftFactor > 1)) throw new RangeError(`threshold: driftFactor must be > 1, got ${params.driftFactor}`);
    this.params = params;
    this.ring = new Float64Array(params.capacity);
  }

  /** Current τ (+∞ until minScores scores were seen: no alerts while the scale is unknown). */
  get value(): number {
    return this.count >= this.params.minScores ? this.tau : Infinity;
  }

  /** The recent alert rate is far above α: alerts are being admitted so τ can follow a level shift. */
  get inDrift(): boolean {
    return this.alertRate > this.params.driftFactor * this.params.alpha;
  }

  get recentAlertRate(): number {
    return this.alertRate;
  }

  get size(): number {
    return this.count;
  }

  isAlert(fused: number): boolean {
    return fused > this.value;
  }

  /** Record one scored observation. Returns whether it was admitted with its value. */
  update(fused: number, isAlert: boolean): boolean {
    if (!Number.isFinite(fused)) return false;
    const admit = !isAlert || this.inDrift;
    this.alertRate += ((isAlert ? 1 : 0) - this.alertRate) / this.params.driftSpan;
    this.push(admit ? fused : Infinity);
    return admit;
  }

  /** Warm-up: every score admitted (no alert decisions were made on them). */
  seed(scores: ArrayLike<number>): void {
    for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i])) this.push(scores[i], false);
    this.refresh();
  }

  refresh(): void {
    this.sinceRefresh = 0;
    if (this.count === 0) return;
    const q = quantileInPlace(this.ring.slice(0, this.count), 1 - this.params.alpha);
    // More than α of the ring are (uncounted-value) alerts: hold τ rather than guess.
    if (Number.isFinite(q)) this.tau = q;
  }

  toJSON(): ThresholdState {
    return {
      params: { ...this.params },
      ring: encodeFloat64(this.ring.subarray(0, this.count)),
      pos: this.pos,
      count: this.count,
      sinceRefresh: this.sinceRefresh,
      tau: Number.isFinite(this.tau) ? this.tau : null,
      alertRate: this.alertRate,
    };
  }

  static fromJSON(s: ThresholdState): DriftThreshold {
    const t = new DriftThreshold(s.params);
    t.ring.set(decodeFloat64(s.ring));
    t.pos = s.pos;
    t.count = s.count;
    t.sinceRefresh = s.sinceRefresh;
    t.tau = s.tau ?? Infinity;
    t.alertRate = s.alertRate;
    return t;
  }

  private push(v: number, maybeRefresh = true): void {
    this.ring[this.pos] = v;
    this.pos = (this.pos + 1) % this.params.capacity;
    if (this.count < this.params.capacity) this.count++;
    if (maybeRefresh && ++this.sinceRefresh >= this.params.refreshEvery) this.refresh();
  }
}
