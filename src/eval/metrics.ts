/**
 * Ranking metrics for anomaly scores (higher score = more anomalous), in one place: PR-AUC (average precision),
 * ROC-AUC, FPR at a recall, precision and recall among the top k.
 *
 * One computation, the weighted ranking curve: one pass down the windows sorted by score, tied scores forming one
 * threshold (never broken by input order), accumulating at each threshold
 *   - the weight of benign windows alerted (false positives),
 *   - the weight of positive windows alerted (window-level true positives),
 *   - the weight of attacks caught so far (attack-level true positives: an attack is caught at the
 *     first threshold where any window matching one of its labels is alerted).
 * Weights are what the block bootstrap resamples (a day drawn twice weighs 2). The plain functions at the end
 * (`rocAuc(scores, labels)`, …) are the same curve with unit weights and no attacks.
 */

export interface RankingInput {
  /** Scores, higher = more anomalous; no NaN. */
  readonly scores: ArrayLike<number>;
  /** 1 when the window matches a label under the positive rule. */
  readonly positive: ArrayLike<number>;
  /** Attack ids (0…attacks−1) each window matches; empty for benign windows. */
  readonly attacksOf: readonly (readonly number[])[];
  readonly attackCount: number;
}

export interface Weights {
  /** Per window. */
  readonly window: ArrayLike<number>;
  /** Per attack. */
  readonly attack: ArrayLike<number>;
}

export interface CurvePoint {
  readonly threshold: number;
  /** Weighted number of windows at or above the threshold. */
  readonly alerted: number;
  readonly fp: number;
  readonly tpWindows: number;
  readonly tpAttacks: number;
}

export interface Curve {
  readonly points: readonly CurvePoint[];
  readonly positives: number;
  readonly negatives: number;
  readonly attacks: number;
}

/** Window indices by score, descending; ties keep index order (irrelevant: ties form one threshold). */
export function orderByScore(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}

export function unitWeights(input: RankingInput): Weights {
  return { window: new Float64Array(input.scores.length).fill(1), attack: new Float64Array(input.attackCount).fill(1) };
}

export function buildCurve(
  input: RankingInput,
  weights: Weights = unitWeights(input),
  order: Uint32Array = orderByScore(input.scores),
): Curve {
  const { scores, positive, attacksOf } = input;
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < scores.length; i++) {
    if (positive[i]) positives += weights.window[i];
    else negatives += weights.window[i];
  }
  let attacks = 0;
  for (let a = 0; a < input.attackCount; a++) attacks += weights.attack[a];
  const caught = new Uint8Array(input.attackCount);
  const points: CurvePoint[] = [];
  let fp = 0;
  let tpw = 0;
  let tpa = 0;
  let alerted = 0;
  let k = 0;
  while (k < order.length) {
    const threshold = scores[order[k]];
    while (k < order.length && scores[order[k]] === threshold) {
      const i = order[k++];
      const w = weights.window[i];
      alerted += w;
      if (positive[i]) tpw += w;
      else fp += w;
      for (const a of attacksOf[i]) {
        if (!caught[a]) {
          caught[a] = 1;
          tpa += weights.attack[a];
        }
      }
    }
    points.push({ threshold, alerted, fp, tpWindows: tpw, tpAttacks: tpa });
  }
  return { points, positives, negatives, attacks };
}

export type RecallLevel = 'window' | 'attack';

function tpOf(p: CurvePoint, level: RecallLevel): number {
  return level === 'window' ? p.tpWindows : p.tpAttacks;
}

function totalOf(c: Curve, level: RecallLevel): number {
  return level === 'window' ? c.positives : c.attacks;
}

/**
 * ROC-AUC by the trapezoid rule over the thresholds (equal to the Mann–Whitney statistic with ties
 * counted ½ at the window level). At the attack level the true-positive rate is the share of
 * attacks caught, the false-positive rate still the share of benign windows alerted.
 */
export function curveRocAuc(c: Curve, level: RecallLevel = 'window'): number {
  const P = totalOf(c, level);
  if (P <= 0 || c.negatives <= 0) return NaN;
  let auc = 0;
  let prevFpr = 0;
  let prevTpr = 0;
  for (const p of c.points) {
    const fpr = p.fp / c.negatives;
    const tpr = tpOf(p, level) / P;
    auc += (fpr - prevFpr) * (tpr + prevTpr) * 0.5;
    prevFpr = fpr;
    prevTpr = tpr;
  }
  auc += (1 - prevFpr) * (1 + prevTpr) * 0.5;
  return auc;
}

/**
 * Average precision: Σ (Rₙ − Rₙ₋₁)·Pₙ. Precision is always the share of alerted windows that are
 * positive; recall is window- or attack-level.
 */
export function curveAveragePrecision(c: Curve, level: RecallLevel = 'window'): number {
  const P = totalOf(c, level);
  if (P <= 0) return NaN;
  let ap = 0;
  let prev = 0;
  for (const p of c.points) {
    const tp = tpOf(p, level);
    if (tp > prev && p.alerted > 0) ap += ((tp - prev) / P) * (p.tpWindows / p.alerted);
    prev = tp;
  }
  return ap;
}

/** Share of benign windows alerted at the highest threshold reaching the recall. */
export function curveFprAtRecall(c: Curve, recall: number, level: RecallLevel = 'window'): number {
  const P = totalOf(c, level);
  if (P <= 0 || c.negatives <= 0) return NaN;
  for (const p of c.points) if (tpOf(p, level) / P >= recall - 1e-12) return p.fp / c.negatives;
  return 1;
}

/** Precision among the top k (weighted) windows; the threshold group straddling k is shared pro rata. */
export function curvePrecisionAtK(c: Curve, k: number): number {
  if (k <= 0) return NaN;
  const { tp, alerted } = topK(c, k);
  return alerted >= k ? tp / k : alerted > 0 ? tp / alerted : NaN;
}

/**
 * Positive (weighted) windows among the top k, the threshold group straddling k shared pro rata (so ties can
 * neither flatter nor punish a model), and how much was alerted down to there (less than k when k exceeds all).
 */
function topK(c: Curve, k: number): { tp: number; alerted: number } {
  let prevAlerted = 0;
  let prevTp = 0;
  for (const p of c.points) {
    if (p.alerted >= k) {
      const share = (k - prevAlerted) / (p.alerted - prevAlerted);
      return { tp: prevTp + share * (p.tpWindows - prevTp), alerted: k };
    }
    prevAlerted = p.alerted;
    prevTp = p.tpWindows;
  }
  return { tp: prevTp, alerted: prevAlerted };
}

/**
 * (recall, precision) and (fpr, tpr) pairs for drawing: a point is kept whenever the curve moved
 * visibly (recall, precision or FPR by ≥ `resolution`), so the top of the ranking — where the
 * curves change fastest — keeps its detail and the long flat tail costs little.
 */
export function curveForPlot(c: Curve, level: RecallLevel, resolution = 0.004): { pr: [number, number][]; roc: [number, number][] } {
  const P = totalOf(c, level);
  const pr: [number, number][] = [];
  const roc: [number, number][] = [[0, 0]];
  let last: [number, number, number] | undefined;
  c.points.forEach((p, i) => {
    const recall = P > 0 ? tpOf(p, level) / P : 0;
    const precision = p.alerted > 0 ? p.tpWindows / p.alerted : 1;
    const fpr = c.negatives > 0 ? p.fp / c.negatives : 0;
    const moved =
      !last ||
      Math.abs(recall - last[0]) >= resolution ||
      Math.abs(precision - last[1]) >= resolution * 2.5 ||
      Math.abs(fpr - last[2]) >= resolution;
    if (!moved && i !== c.points.length - 1) return;
    pr.push([recall, precision]);
    roc.push([fpr, recall]);
    last = [recall, precision, fpr];
  });
  roc.push([1, last ? last[0] : 0]);
  return { pr, roc };
}

// ---- Plain scores + binary labels (unit weights, no attacks) ----

export type Labels = ArrayLike<number | boolean>;

function labelCurve(scores: ArrayLike<number>, labels: Labels): Curve {
  if (scores.length !== labels.length) throw new RangeError(`metrics: ${scores.length} scores but ${labels.length} labels`);
  for (let i = 0; i < scores.length; i++) if (Number.isNaN(scores[i])) throw new RangeError(`metrics: score ${i} is NaN`);
  const positive = Uint8Array.from({ length: labels.length }, (_, i) => (labels[i] ? 1 : 0));
  const none: readonly number[] = [];
  return buildCurve({ scores, positive, attacksOf: new Array<readonly number[]>(scores.length).fill(none), attackCount: 0 });
}

/** Area under the ROC curve (ties counted ½, as the Mann–Whitney statistic). NaN when either class is absent. */
export function rocAuc(scores: ArrayLike<number>, labels: Labels): number {
  return curveRocAuc(labelCurve(scores, labels));
}

/**
 * Average precision (the step-wise area under the precision–recall curve, as scikit-learn's
 * average_precision_score): Σ over thresholds of (Rₙ − Rₙ₋₁)·Pₙ, tied scores forming one threshold.
 * NaN without positives. This is what the reports call PR-AUC (no optimistic linear interpolation).
 */
export function averagePrecision(scores: ArrayLike<number>, labels: Labels): number {
  return curveAveragePrecision(labelCurve(scores, labels));
}

/** Whole k in 0…n: the top k of n windows. */
function clampK(k: number, n: number): number {
  return Math.min(Math.max(0, Math.floor(k)), n);
}

/** Precision among the k highest scores (ties at the k-th score shared out pro rata). NaN for k < 1. */
export function precisionAtK(scores: ArrayLike<number>, labels: Labels, k: number): number {
  const c = labelCurve(scores, labels);
  const kk = clampK(k, scores.length);
  return kk === 0 ? NaN : curvePrecisionAtK(c, kk);
}

/** Share of all positives found among the k highest scores (ties shared out pro rata). NaN without positives. */
export function recallAtK(scores: ArrayLike<number>, labels: Labels, k: number): number {
  const c = labelCurve(scores, labels);
  if (c.positives === 0) return NaN;
  const kk = clampK(k, scores.length);
  return kk === 0 ? 0 : topK(c, kk).tp / c.positives;
}

/**
 * False-positive rate at the highest threshold whose recall reaches `recall` (e.g. 0.95): the share
 * of negatives a SOC must wade through to catch that share of attacks. NaN without both classes.
 */
export function fprAtRecall(scores: ArrayLike<number>, labels: Labels, recall: number): number {
  return curveFprAtRecall(labelCurve(scores, labels), recall);
}
