/**
 * Suppression by feedback: a `benign_expected` (or, for a short while, `false_positive`) verdict
 * mutes the judged behaviour of that entity in that job — and only that behaviour.
 *
 * The pattern is the set of features that carried the judged anomaly, each with the value it had.
 * A later window of the same entity and job matches when every feature carrying *its* anomaly that
 * is in the pattern is no more extreme than the judged value allowed for by a tolerance (default
 * +50 %, at least +2 for small counts), and the features outside the pattern carry at most a minor
 * share of it together (default 20 %: an hour-of-day feature tipping over 10 % one day does not
 * make a backup job new behaviour). A new feature carrying the anomaly, or the same one going much
 * further, is a change of behaviour: not suppressed. A verdict lapses at its expiry.
 *
 * Pure: the pipeline and the evaluation apply it to a slice's windows before the incident pass.
 */
import type { Feedback } from './verdict.js';

export interface FeatureValue {
  readonly name: string;
  readonly actual: number;
  readonly typical: number;
  /** Share of the window's anomaly (absent: counted as all of it, so an unknown feature never matches). */
  readonly contribution?: number;
}

export interface PatternWindow {
  readonly job: string;
  readonly entityField: string;
  readonly entityValue: string;
  /** Window end, epoch ms (a verdict applies until its expiry). */
  readonly end: number;
  /** The features carrying this window's anomaly (explanation order). */
  readonly features: readonly FeatureValue[];
}

/** One feature of a verdict's pattern: the judged value and the entity's typical value then. */
export interface FeatureBand {
  readonly name: string;
  readonly actual: number;
  readonly typical: number;
}

/**
 * The pattern of several judged windows of one entity and job — an incident judged as a whole: every
 * feature that carried any of them, at its most extreme judged value in the direction it was
 * anomalous (the first window's typical value sets the direction). A weekly scan judged on its
 * incident then covers its busiest window, not only the first or the highest-scored one.
 */
export function mergeBands(bands: readonly (readonly FeatureBand[])[]): FeatureBand[] {
  const merged = new Map<string, FeatureBand>();
  for (const band of bands)
    for (const f of band) {
      const had = merged.get(f.name);
      if (!had) merged.set(f.name, { name: f.name, actual: f.actual, typical: f.typical });
      else if (had.actual >= had.typical ? f.actual > had.actual : f.actual < had.actual) merged.set(f.name, { ...had, actual: f.actual });
    }
  return [...merged.values()];
}

export interface Suppression {
  /** The verdict that matched (for the document: who, why, until when). */
  readonly verdict: Feedback;
  readonly reason: string;
}

export interface SuppressorOptions {
  /** Relative headroom over the judged value (0.5 = 50 % more is still the same behaviour). */
  readonly tolerance: number;
  /** Absolute headroom for small values (counts). */
  readonly minHeadroom: number;
  /** Share of the window's anomaly that features outside the pattern may carry together. */
  readonly outsideShare: number;
}

export const DEFAULT_SUPPRESSOR_OPTIONS: SuppressorOptions = { tolerance: 0.5, minHeadroom: 2, outsideShare: 0.2 };

export class Suppressor {
  private readonly byEntity = new Map<string, Feedback[]>();

  constructor(
    verdicts: readonly Feedback[],
    private readonly options: SuppressorOptions = DEFAULT_SUPPRESSOR_OPTIONS,
  ) {
    for (const v of verdicts) {
      if (v.verdict === 'true_positive' || v.expires === undefined) continue;
      const key = entityKey(v.job_id, v.entity.field, v.entity.value);
      this.byEntity.set(key, [...(this.byEntity.get(key) ?? []), v]);
    }
  }

  get size(): number {
    let n = 0;
    for (const list of this.byEntity.values()) n += list.length;
    return n;
  }

  /** The verdict muting this window, if any. */
  match(window: PatternWindow): Suppression | undefined {
    const candidates = this.byEntity.get(entityKey(window.job, window.entityField, window.entityValue));
    if (!candidates) return undefined;
    for (const verdict of candidates) {
      if (verdict.expires !== undefined && Date.parse(verdict.expires) <= window.end) continue;
      if (this.covers(verdict, window)) {
        const names = window.features.map((f) => f.name).join(', ') || 'no feature';
        return {
          verdict,
          reason: `${verdict.verdict.replace('_', ' ')} by ${verdict.by} until ${verdict.expires ?? '—'} (${names} within the judged band)`,
        };
      }
    }
    return undefined;
  }

  private covers(verdict: Feedback, window: PatternWindow): boolean {
    const band = new Map(verdict.pattern.map((f) => [f.name, f]));
    if (band.size === 0) return false;
    let outside = 0;
    let inside = 0;
    for (const f of window.features) {
      if (band.has(f.name)) inside++;
      else outside += f.contribution ?? 1;
    }
    if (inside === 0 || outside > this.options.outsideShare) return false;
    return window.features.every((f) => {
      const judged = band.get(f.name);
      if (!judged) return true;
      const towardsHigh = judged.actual >= judged.typical;
      const headroom = Math.max(Math.abs(judged.actual) * this.options.tolerance, this.options.minHeadroom);
      return towardsHigh ? f.actual <= judged.actual + headroom : f.actual >= judged.actual - headroom;
    });
  }
}

function entityKey(job: string, field: string, value: string): string {
  return `${job}\u0000${field}\u0000${value}`;
}
