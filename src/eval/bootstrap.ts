/**
 * Block bootstrap over days. Windows of one day are not independent (the same people, the same
 * attack spanning several hours, the diurnal cycle), so resampling single windows would make the
 * intervals too narrow. Instead whole days are drawn with replacement; a day drawn twice counts
 * twice. Each resample re-evaluates the metric with those weights; the 95 % interval is the 2.5th
 * and 97.5th percentile of the resampled values (percentile method, seeded).
 */
import { Rng } from '../simulate/rng.js';

export interface Interval {
  readonly low: number;
  readonly high: number;
}

export interface BootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  /** Two-sided coverage, default 0.95. */
  readonly level?: number;
}

/** Multiplicity of each of `days` blocks in one resample (sums to `days`). */
export function resampleDays(rng: Rng, days: number): Float64Array {
  const weights = new Float64Array(days);
  for (let i = 0; i < days; i++) weights[rng.int(0, days - 1)] += 1;
  return weights;
}

/** Linear-interpolated quantile of a sorted array. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Runs `metrics(dayWeights)` on `resamples` day-resamples and returns a percentile interval per
 * metric name. Metrics that are NaN in a resample (e.g. no attack drawn) are left out of that
 * metric's distribution; a metric NaN in every resample gets [NaN, NaN].
 */
export function blockBootstrap(
  days: number,
  options: BootstrapOptions,
  metrics: (dayWeights: Float64Array) => Record<string, number>,
): Record<string, Interval> {
  const rng = Rng.derive(options.seed, 'bootstrap');
  const level = options.level ?? 0.95;
  const samples = new Map<string, number[]>();
  for (let b = 0; b < options.resamples; b++) {
    const values = metrics(resampleDays(rng, days));
    for (const [name, v] of Object.entries(values)) {
      let list = samples.get(name);
      if (!list) samples.set(name, (list = []));
      if (Number.isFinite(v)) list.push(v);
    }
  }
  const out: Record<string, Interval> = {};
  for (const [name, list] of samples) {
    list.sort((a, b) => a - b);
    out[name] = { low: quantileSorted(list, (1 - level) / 2), high: quantileSorted(list, 1 - (1 - level) / 2) };
  }
  return out;
}
