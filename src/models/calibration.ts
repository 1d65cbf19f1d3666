/**
 * Platt-style calibration of the fused score into a probability, p = σ(a · fused + b).
 *
 * With labels (analyst feedback, a labelled evaluation), a and b maximise the likelihood with
 * Platt's smoothed targets ((N₊ + 1)/(N₊ + 2) for positives, 1/(N₋ + 2) for negatives, so a perfectly
 * separated set does not drive a → ∞), by Newton's method with backtracking (Lin, Lin & Weng 2007).
 * Without labels the default is anchored on the data: p = 1% at the median fused score and 50% at
 * the alert threshold τ, so "score ≥ 50" and "alert" agree when the model is fitted.
 */
import { sigmoid } from './stats.js';

export interface Calibration {
  readonly a: number;
  readonly b: number;
  readonly source: 'default' | 'labels' | 'fixed';
}

export function defaultCalibration(medianFused: number, threshold: number): Calibration {
  const span = threshold - medianFused;
  if (!(span > 1e-9) || !Number.isFinite(span)) {
    // Degenerate history (all scores equal, or no threshold yet): a unit slope centred on τ or 3.
    const centre = Number.isFinite(threshold) ? threshold : 3;
    return { a: 1, b: -centre, source: 'default' };
  }
  const a = Math.log(99) / span;
  return { a, b: -a * threshold, source: 'default' };
}

export function calibrate(c: Calibration, fused: number): number {
  return sigmoid(c.a * fused + c.b);
}

/** What the ensemble concludes from a fused score: probability σ(a·fused + b), score 100·p, alert when fused > τ. */
export interface Verdict {
  readonly probability: number;
  /** 0–100. */
  readonly score: number;
  readonly isAlert: boolean;
}

/**
 * The ensemble's verdict for a fused score, given its calibration and threshold τ. Pure, so a
 * score changed after the ensemble (the pipeline's relational correlator) gets the same mapping.
 */
export function verdictOf(c: Pick<Calibration, 'a' | 'b'>, fused: number, threshold: number): Verdict {
  const probability = sigmoid(c.a * fused + c.b);
  return { probability, score: 100 * probability, isAlert: fused > threshold };
}

/** Fit a and b to labelled fused scores. Needs at least one positive and one negative. */
export function fitPlatt(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): Calibration {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`calibrate: ${n} scores but ${labels.length} labels`);
  let pos = 0;
  for (let i = 0; i < n; i++) if (labels[i]) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0)
    throw new RangeError(`calibrate: needs both positive and negative examples, got ${pos} positive and ${neg} negative`);
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = labels[i] ? hi : lo;
  // Platt's parametrisation: p = 1 / (1 + exp(A f + B)); we return a = −A, b = −B.
  let A = 0;
  let B = Math.log((neg + 1) / (pos + 1));
  const objective = (A_: number, B_: number): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const fApB = scores[i] * A_ + B_;
      f += fApB >= 0 ? t[i] * fApB + Math.log1p(Math.exp(-fApB)) : (t[i] - 1) * fApB + Math.log1p(Math.exp(fApB));
    }
    return f;
  };
  let fval = objective(A, B);
  const sigma = 1e-12;
  for (let iter = 0; iter < 100; iter++) {
    let h11 = sigma;
    let h22 = sigma;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < n; i++) {
      const fApB = scores[i] * A + B;
      let p: number;
      let q: number;
      if (fApB >= 0) {
        p = Math.exp(-fApB) / (1 + Math.exp(-fApB));
        q = 1 / (1 + Math.exp(-fApB));
      } else {
        p = 1 / (1 + Math.exp(fApB));
        q = Math.exp(fApB) / (1 + Math.exp(fApB));
      }
      const d2 = p * q;
      h11 += scores[i] * scores[i] * d2;
      h22 += d2;
      h21 += scores[i] * d2;
      const d1 = t[i] - p;
      g1 += scores[i] * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < 1e-5 && Math.abs(g2) < 1e-5) break;
    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;
    let step = 1;
    while (step >= 1e-10) {
      const nA = A + step * dA;
      const nB = B + step * dB;
      const nf = objective(nA, nB);
      if (nf < fval + 1e-4 * step * gd) {
        A = nA;
        B = nB;
        fval = nf;
        break;
      }
      step /= 2;
    }
    if (step < 1e-10) break;
  }
  return { a: -A, b: -B, source: 'labels' };
}
