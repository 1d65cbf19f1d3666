/**
 * Evidence attribution: the fused anomaly split over the features and findings behind it. Each
 * model's share is its weighted positive standardised score over the total; the model then splits
 * its share over its own findings (detector.ts: featureShares / evidence). A feature named by two
 * models (the isolation forest's split credit and the deviation scorer's surprisal) gets the sum.
 * When no model has positive evidence, the features furthest from typical are still named, by
 * their squared deviation, so an ordinary window's explanation says what is least ordinary.
 */
import type { Evidence } from './evidence.js';

/** One model's weighted positive standardised score (0 when disabled or without input). */
export interface ModelExcess {
  readonly name: string;
  readonly excess: number;
}

/** Each model's share of the anomaly (summing to 1, or all 0 when no model has positive evidence). */
export function modelShares(models: readonly ModelExcess[]): Map<string, number> {
  let total = 0;
  for (const m of models) total += m.excess;
  return new Map(models.map((m) => [m.name, total > 0 ? m.excess / total : 0]));
}

/** A numeric feature's share of the anomaly from one model. */
export interface FeatureContribution {
  readonly name: string;
  readonly contribution: number;
}

/**
 * Feature evidence from the models' feature shares (summed per feature, positive only), with the
 * window's actual value and the typical one, followed by the other findings.
 */
export function attribute(
  features: readonly FeatureContribution[],
  findings: readonly Evidence[],
  values: { actual(name: string): number; typical(name: string): number },
): Evidence[] {
  const byFeature = new Map<string, number>();
  for (const { name, contribution } of features) if (contribution > 0) byFeature.set(name, (byFeature.get(name) ?? 0) + contribution);
  const out: Evidence[] = [];
  for (const [name, contribution] of byFeature)
    out.push({ kind: 'feature', name, actual: values.actual(name), typical: values.typical(name), contribution });
  out.push(...findings);
  return out;
}
