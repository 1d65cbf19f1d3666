/**
 * Ranking metrics for anomaly scores (higher score = more anomalous) against binary labels.
 * Ties are handled consistently: tied scores are one threshold, never broken by input order.
 */

export type Labels = ArrayLike<number | boolean>;

function positives(labels: Labels): number {
  let p = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) p++;
  return p;
}

function check(scores: ArrayLike<number>, labels: Labels): void {
  if (scores.length !== labels.length) throw new RangeError(`metrics: ${scores.length} scores but ${labels.length} labels`);
  for (let i = 0; i < scores.length; i++) if (Number.isNaN(scores[i])) throw new RangeError(`metrics: score ${i} is NaN`);
}

/** Indices sorted by score, descending (stable). */
function byScoreDesc(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}

/**
 * Area under the ROC curve via the Mann–Whitney statistic with average ranks for ties
 * (a tied positive/negative pair counts ½). NaN when either class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: Labels): number {
  check(scores, labels);
  const n = scores.length;
  const p = positives(labels);
  const q = n - p;
  if (p === 0 || q === 0) return NaN;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j + 2) / 2; // ranks are 1-based
    for (let k = i; k <= j; k++) if (labels[order[k]]) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (p * (p + 1)) / 2) / (p * q);
}

/**
 * Average precision (the step-wise area under the precision–recall curve, as scikit-learn's
 * average_precision_score): Σ over thresholds of (Rₙ − Rₙ₋₁)·Pₙ, tied scores forming one threshold.
 * NaN without positives.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: Labels): number {
  check(scores, labels);
  const p = positives(labels);
  if (p === 0) return NaN;
  const order = byScoreDesc(scores);
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j < order.length && scores[order[j]] === scores[order[i]]) {
      if (labels[order[j]]) tp++;
      j++;
    }
    const gained = tp - seen;
    if (gained > 0) ap += (gained / p) * (tp / j);
    seen = tp;
    i = j;
  }
  return ap;
}

/** PR-AUC, reported as average precision (no optimistic linear interpolation). */
export const prAuc = averagePrecision;

/**
 * Expected number of positives among the k highest scores when rows tied with the k-th score are
 * ordered at random (so ties can neither flatter nor punish a model).
 */
function expectedTpAtK(scores: ArrayLike<number>, labels: Labels, k: number): { tp: number; k: number } {
  const order = byScoreDesc(scores);
  const kk = Math.min(Math.max(0, Math.floor(k)), order.length);
  if (kk === 0) return { tp: 0, k: 0 };
  const cut = scores[order[kk - 1]];
  let above = 0;
  let tpAbove = 0;
  let tied = 0;
  let tpTied = 0;
  for (let i = 0; i < order.length && scores[order[i]] >= cut; i++) {
    const pos = labels[order[i]] ? 1 : 0;
    if (scores[order[i]] > cut) {
      above++;
      tpAbove += pos;
    } else {
      tied++;
      tpTied += pos;
    }
  }
  return { tp: tpAbove + ((kk - above) * tpTied) / tied, k: kk };
}

/** Precision among the k highest scores (ties at the k-th score shared out pro rata). NaN for k < 1. */
export function precisionAtK(scores: ArrayLike<number>, labels: Labels, k: number): number {
  check(scores, labels);
  const r = expectedTpAtK(scores, labels, k);
  return r.k === 0 ? NaN : r.tp / r.k;
}

/** Share of all positives found among the k highest scores (ties shared out pro rata). NaN without positives. */
export function recallAtK(scores: ArrayLike<number>, labels: Labels, k: number): number {
  check(scores, labels);
  const p = positives(labels);
  if (p === 0) return NaN;
  return expectedTpAtK(scores, labels, k).tp / p;
}

/**
 * False-positive rate at the highest threshold whose recall reaches `recall` (e.g. 0.95): the share
 * of negatives a SOC must wade through to catch that share of attacks. NaN without both classes.
 */
export function fprAtRecall(scores: ArrayLike<number>, labels: Labels, recall: number): number {
  check(scores, labels);
  const p = positives(labels);
  const q = scores.length - p;
  if (p === 0 || q === 0) return NaN;
  const order = byScoreDesc(scores);
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j < order.length && scores[order[j]] === scores[order[i]]) {
      if (labels[order[j]]) tp++;
      else fp++;
      j++;
    }
    if (tp / p >= recall - 1e-12) return fp / q;
    i = j;
  }
  return 1;
}
