/**
 * Small robust-statistics helpers shared by the models: order statistics by quickselect (O(n), no
 * full sort), median, MAD, quantiles, and the normal-consistency constants.
 */

/** 1 / Φ⁻¹(3/4): makes the MAD a consistent estimator of σ for normal data. */
export const MAD_TO_SD = 1.4826;
/** √(π/2): makes the mean absolute deviation a consistent estimator of σ for normal data. */
export const MEAN_AD_TO_SD = 1.2533141373155;

/** Rearranges a[lo..hi] so that a[k] is the k-th smallest; returns it. Mutates a. */
export function quickselect(a: Float64Array, k: number, lo = 0, hi = a.length - 1): number {
  while (hi > lo) {
    // Median of three pivot keeps sorted and reverse-sorted inputs linear.
    const mid = (lo + hi) >>> 1;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** Copy of the finite values of xs. */
export function finiteValues(xs: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i])) n++;
  const out = new Float64Array(n);
  n = 0;
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i])) out[n++] = xs[i];
  return out;
}

/** Median of the finite values (NaN when there are none). Does not mutate xs. */
export function median(xs: ArrayLike<number>): number {
  const a = finiteValues(xs);
  return medianInPlace(a);
}

/** Median of a buffer of finite values; mutates (reorders) it. NaN when empty. */
export function medianInPlace(a: Float64Array, n = a.length): number {
  if (n === 0) return NaN;
  const h = n >>> 1;
  const upper = quickselect(a, h, 0, n - 1);
  if (n % 2 === 1) return upper;
  // After selecting h, every element below h is ≤ upper: the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < h; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

/** Linear-interpolated quantile (type 7, as numpy's default) of finite values; mutates a. NaN when empty. */
export function quantileInPlace(a: Float64Array, q: number, n = a.length): number {
  if (n === 0) return NaN;
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const k = Math.floor(pos);
  const lo = quickselect(a, k, 0, n - 1);
  if (k + 1 >= n || pos === k) return lo;
  let hi = Infinity;
  for (let i = k + 1; i < n; i++) if (a[i] < hi) hi = a[i];
  return lo + (pos - k) * (hi - lo);
}

/** Robust location and scale of finite values: median, MAD-based σ, mean-absolute-deviation σ. */
export interface RobustSummary {
  readonly n: number;
  readonly median: number;
  /** 1.4826 · MAD. */
  readonly madSd: number;
  /** 1.2533 · mean |x − median| — non-zero even when more than half the values are equal. */
  readonly meanAdSd: number;
}

export function robustSummary(xs: ArrayLike<number>): RobustSummary {
  const a = finiteValues(xs);
  return robustSummaryInPlace(a);
}

/** As robustSummary, on a buffer of finite values that may be reordered. */
export function robustSummaryInPlace(a: Float64Array, n = a.length): RobustSummary {
  if (n === 0) return { n: 0, median: NaN, madSd: NaN, meanAdSd: NaN };
  const m = medianInPlace(a, n);
  let sumAbs = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a[i] - m);
    a[i] = d;
    sumAbs += d;
  }
  const mad = medianInPlace(a, n);
  return { n, median: m, madSd: MAD_TO_SD * mad, meanAdSd: (MEAN_AD_TO_SD * sumAbs) / n };
}

/** σ estimate: MAD-based, else mean-absolute-deviation-based when the MAD is 0 (Iglewicz & Hoaglin). */
export function robustSd(s: RobustSummary): number {
  if (s.madSd > 0) return s.madSd;
  if (s.meanAdSd > 0) return s.meanAdSd;
  return 0;
}

/** Logistic function, stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
