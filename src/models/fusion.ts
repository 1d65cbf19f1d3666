/**
 * Fusion of the standardised per-model scores z_m into one score on the standard-normal scale.
 * Two combinations, and the larger is kept:
 *
 *   S = Σ_m w_m · max(z_m, zFloor) / √(Σ_m w_m²)      the weighted standardised sum (paper Eq. 2)
 *   T = Φ⁻¹(1 − min(1, min_m p̂_m · Σw / w_m))        one model alone (weighted Bonferroni min-p)
 *   fused = max(S, T)                                  over the enabled models that had input
 *
 * S is normalised by √Σw² rather than Σw (Stouffer's method): for an ordinary window it is then
 * about N(0, 1) whichever models had input, so windows seen by five models and windows seen by
 * three rank on one scale; dividing by Σw would make every window seen by more models look more
 * ordinary. A model's "unusually ordinary" verdict (z < 0) counts against the others' evidence, down
 * to zFloor (default −3). S catches evidence spread over several models (a spray: a failed login,
 * a new country, an unusual logon type); T catches one model seeing something extreme that the
 * others cannot see at all (a beacon is invisible to every model but periodicity), which the sum
 * would dilute. Both are ~N(0, 1) on ordinary windows, so their maximum is too, nearly.
 *
 * A model without input is left out of both: it contributes nothing rather than a 0 that would
 * dilute the models that did see something. No model with input → fused = 0.
 */
import { logUpperTail, zFromLogUpperTail } from './normal-tail.js';

/** One model's standardised score and weight (only enabled models that had input). */
export interface WeightedZ {
  readonly z: number;
  readonly weight: number;
}

/** max(S, T) over the given models, in their order (0 when none). */
export function fuse(models: readonly WeightedZ[], zFloor = -3): number {
  let num = 0;
  let den = 0;
  let wsum = 0;
  for (const { z, weight: w } of models) {
    num += w * Math.max(z, zFloor);
    den += w * w;
    wsum += w;
  }
  if (den === 0) return 0;
  const S = num / Math.sqrt(den);
  // Weighted Bonferroni: the most significant model, its p̂ scaled by Σw / w_m.
  let logP = 0;
  for (const { z, weight } of models) logP = Math.min(logP, logUpperTail(z) + Math.log(wsum / weight));
  const T = logP >= 0 ? -Infinity : zFromLogUpperTail(logP);
  return Math.max(S, T);
}
