/**
 * Upper tail of the standard normal on the log scale, and its inverse, accurate far into the tail:
 * fused scores combine tail probabilities (Bonferroni, multiplicity corrections) that can be far
 * below what 1 − Φ(z) in double precision resolves.
 */
import { normalQuantile } from './standardiser.js';

/** ln(1 − Φ(z)), accurate far into the upper tail (Mills-ratio asymptotics beyond z = 8). */
export function logUpperTail(z: number): number {
  if (z < 8) return Math.log(Math.max(1 - normalCdf(z), 1e-300));
  return -0.5 * z * z - Math.log(z * Math.sqrt(2 * Math.PI)) + Math.log(1 - 1 / (z * z));
}

/** The z whose upper tail has log-probability `logP` (< 0). */
export function zFromLogUpperTail(logP: number): number {
  const p = Math.exp(logP);
  if (p > 1e-300) return normalQuantile(1 - p, p);
  return Math.sqrt(-2 * logP - Math.log(-4 * Math.PI * logP)); // asymptotic inverse for extreme tails
}

/** Φ(z) from the Numerical Recipes erfc approximation (fractional error < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}
