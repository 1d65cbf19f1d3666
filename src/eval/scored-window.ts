/**
 * One scored entity-window as the evaluation sees it, read from the anomaly document the pipeline
 * wrote (in memory or in the cluster's anomaly index), so both modes measure the same thing.
 */
import type { AnomalyDocument } from '../anomaly/document.js';
import { CARRYING_SHARE } from '../feedback/analyst.js';
import type { RelatedValues } from './labels.js';

/** The ensemble and the three baselines the issue asks for, in table order. */
export const MODEL_KEYS = ['ensemble', 'rules', 'zscore', 'iforest'] as const;
export type ModelKey = (typeof MODEL_KEYS)[number];

/**
 * The ensemble's other members, and the ensemble before relational propagation
 * (`ensemble_own`), reported for diagnosis only.
 */
export const COMPONENT_KEYS = ['rarity', 'sequence', 'beaconing', 'ensemble_own'] as const;
export type ComponentKey = (typeof COMPONENT_KEYS)[number];

export interface ScoredWindow {
  readonly job: string;
  readonly entityField: string;
  readonly entity: string;
  readonly start: number;
  readonly end: number;
  /** related.ip / related.user / related.hosts of the anomaly document. */
  readonly related: RelatedValues;
  /** Ranking score per model (higher = more anomalous). */
  readonly scores: Record<ModelKey, number>;
  readonly components: Partial<Record<ComponentKey, number>>;
  /** The ensemble's 0–100 score and its own alert decision (drift-aware threshold). */
  readonly score100: number;
  readonly isAlert: boolean;
  readonly narrative: string;
  /**
   * The incident this window belongs to after relational propagation (its time window and the
   * window whose own evidence its score rests on): windows of one incident reach the analyst as
   * one grouped notification, so they take one slot of the daily alert budget.
   */
  readonly incident?: string;
  /** The incident pass: whether the window's incident had alerted (new or earlier) by the window's slice. */
  readonly incidentAlerted?: boolean;
  /** The ensemble's calibrated probability as written (vigil.probability). */
  readonly probability?: number;
  /**
   * The features carrying the window's anomaly (contribution ≥ 0.1, explanation order): what an
   * analyst's verdict would record as the pattern (src/feedback), for the feedback experiment.
   */
  readonly pattern?: readonly PatternFeature[];
}

export interface PatternFeature {
  readonly name: string;
  readonly actual: number;
  readonly typical: number;
  readonly contribution: number;
}

function finite(x: unknown, fallback = 0): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : fallback;
}

/**
 * The ensemble is ranked by its fused score: the 0–100 score is a monotone (Platt) map of it but
 * saturates at 100 and is rounded, which would create artificial ties at the top of the list.
 * Per-model scores are the standardised scores the ensemble reports (0 when a model had no input).
 */
export function scoredWindowOf(doc: AnomalyDocument, ruleScore: number): ScoredWindow {
  const v = doc.vigil;
  const models = v.models ?? {};
  // The window's own evidence: a document the pipeline's correlator already lifted keeps its
  // pre-relational score in own_fused_score; the evaluation applies the relational pass itself.
  const own = finite((v as { own_fused_score?: number }).own_fused_score, finite(v.fused_score, finite(v.score) / 100));
  return {
    job: v.job_id,
    entityField: v.entity.field,
    entity: v.entity.value,
    start: Date.parse(v.window.start),
    end: Date.parse(v.window.end),
    related: { ip: doc.related?.ip ?? [], user: doc.related?.user ?? [], hosts: doc.related?.hosts ?? [] },
    scores: {
      ensemble: own,
      rules: ruleScore,
      zscore: finite(models.zscore),
      iforest: finite(models.iforest),
    },
    components: {
      ...(models.rarity !== undefined ? { rarity: finite(models.rarity) } : {}),
      ...(models.sequence !== undefined ? { sequence: finite(models.sequence) } : {}),
      ...(models.beaconing !== undefined ? { beaconing: finite(models.beaconing) } : {}),
      ensemble_own: own,
    },
    score100: finite(v.score),
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- stored documents may lack the field
    isAlert: Boolean(v.is_alert),
    narrative: v.explanation ?? doc.event?.reason ?? '',
    probability: finite(v.probability),
    pattern: (v.features ?? [])
      .filter((f) => f.contribution >= CARRYING_SHARE)
      .map((f) => ({ name: f.name, actual: f.actual, typical: f.typical, contribution: f.contribution })),
  };
}

/** Key joining a window to its rule score. */
export function windowKey(job: string, entity: string, start: number): string {
  return `${job}\u0000${entity}\u0000${start}`;
}

/** The canonical order of windows (start, job, entity): ties in any ranking are broken by it, whatever produced the windows. */
export function byWindowOrder(a: ScoredWindow, b: ScoredWindow): number {
  return a.start - b.start || (a.job < b.job ? -1 : a.job > b.job ? 1 : 0) || (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0);
}
