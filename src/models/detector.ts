/**
 * The detector contract, after River's anomaly detectors (`learn_one` / `score_one`, and the
 * mini-batch `learn_many` / `score_many`): every model of the ensemble learns and scores one
 * entity-window at a time or many at once, and round-trips its state through JSON. Scores are raw,
 * in the detector's own unit, higher = more abnormal; the ensemble standardises each detector's
 * scores before fusing them (fusion.ts), so a detector never needs to know the others' scales.
 *
 * Adding a model = one file implementing `EntityDetector` plus its `DetectorFactory`, and one line
 * in detectors.ts (and, when it takes options, their key in EnsembleParams). The table detectors (IsolationForest, PopulationZScore) implement the same
 * verbs on a row / a Matrix (`TableDetector`).
 */
import type { FeatureContribution } from '../explain/attribution.js';
import type { Evidence } from '../explain/evidence.js';
import type { BatchContext } from './batch-context.js';
import type { ExtremeGate } from './extreme-gate.js';
import type { Matrix } from './matrix.js';
import type { Observation } from './observation.js';
import type { BaselineScore } from './robust-baseline.js';

/** What a detector found in one window: its raw score (higher = more abnormal) and the detail its evidence is built from. */
export interface Finding {
  readonly score: number;
}

/** What the ensemble knows about a window before the detectors score it. */
export interface ScoreContext {
  /** The other entities of the same time window (scoreMany): a value most of them show is not rare. */
  readonly batch?: BatchContext;
  /** The entity's baseline verdict on the window's features (computed once per window, shared). */
  readonly baseline?: BaselineScore;
}

/** What a detector's evidence is measured against. */
export interface EvidenceContext {
  /** The detector's share of the fused anomaly (0 when it did not fire or is disabled). */
  readonly share: number;
  /** Whether any detector had positive evidence: when none did, features still say what is furthest from typical. */
  readonly anomalous: boolean;
  /** Median of the detector's recent raw scores (its "typical" value). */
  readonly typicalScore: number;
}

export interface EntityDetector<F extends Finding = Finding, S = unknown> {
  readonly name: string;
  /**
   * 'online': fit() scores each history window before learning it (learnOne, in time order);
   * 'batch': fit() hands the whole history to learnMany first and skips learnOne during it.
   */
  readonly learns: 'online' | 'batch';
  /** Raw score of one window; undefined when the detector had nothing to judge (no input). Pure read. */
  scoreOne(obs: Observation, ctx?: ScoreContext): F | undefined;
  /** Raw scores of many windows against the same state (NaN = no input). Pure read. */
  scoreMany(obs: readonly Observation[], ctx?: ScoreContext): Float64Array;
  /** Learn one window; `flagged`: it alerted (quarantined where the detector supports it). */
  learnOne(obs: Observation, flagged?: boolean): void;
  /** Learn many windows (time order). */
  learnMany(obs: readonly Observation[]): void;
  /** Numeric features behind the finding, each with its share of the anomaly. */
  featureShares?(finding: F, ctx: EvidenceContext): FeatureContribution[];
  /** Non-numeric evidence behind the finding (rare values, a surprising step, a beacon). */
  evidence?(finding: F, ctx: EvidenceContext): Evidence[];
  /**
   * After fit()'s online pass, for detectors with inner scales of their own: learn them from the
   * warm windows' findings at once and return those windows' raw scores judged on them.
   */
  afterWarmup?(findings: readonly (F | undefined)[]): (number | undefined)[];
  /**
   * A window the ensemble's threshold admitted (not an alert, or a level shift): learn the inner
   * scales from it; a score at least `maxSurprisal` nats only if `gate` admits the entity.
   */
  learnAdmitted?(obs: Observation, maxSurprisal: number, gate: ExtremeGate): void;
  /**
   * Idle-entity eviction (the OpenSearch AD cold-entity pattern): removes the entity's own state and
   * returns it as JSON (undefined when the detector keeps none for it). restoreEntity puts exactly
   * that state back, so an evicted and restored entity scores the same bits as one never evicted.
   */
  evictEntity?(entity: string): unknown;
  restoreEntity?(entity: string, state: unknown): void;
  /** Actions worth mapping to ATT&CK. */
  actionsOf?(finding: F): string[];
  toJSON(): S;
}

/** What every detector's factory reads from the ensemble's params; each adds its own option key (e.g. `rarity?`). */
export interface DetectorParams {
  seed: number;
  /** Which models are on (a disabled model still learns, so it can be switched on without a cold start). */
  models: Readonly<Record<string, { enabled: boolean; weight: number }>>;
}

/** How the ensemble makes and restores a detector. */
export interface DetectorFactory<
  N extends string = string,
  D extends EntityDetector = EntityDetector,
  P extends DetectorParams = DetectorParams,
> {
  readonly name: N;
  /** σ̂ floor of the detector's score standardiser, in its raw unit. */
  readonly minScale: number;
  create(params: P): D;
  fromJSON(state: unknown, params: P): D;
}

/** Raw scores of many windows scored one by one against the same state (NaN = no input). */
export function scoreEach<F extends Finding>(
  detector: Pick<EntityDetector<F>, 'scoreOne'>,
  obs: readonly Observation[],
  ctx?: ScoreContext,
): Float64Array {
  // The baseline verdict belongs to one window: only the batch is shared.
  const shared: ScoreContext = { batch: ctx?.batch };
  return Float64Array.from(obs, (o) => detector.scoreOne(o, shared)?.score ?? NaN);
}

/** An online detector: learnMany is learnOne in order, scoreMany is scoreOne per window. */
export abstract class OnlineDetector<F extends Finding, S> implements EntityDetector<F, S> {
  abstract readonly name: string;
  readonly learns = 'online';
  abstract scoreOne(obs: Observation, ctx?: ScoreContext): F | undefined;
  abstract learnOne(obs: Observation, flagged?: boolean): void;
  abstract toJSON(): S;

  scoreMany(obs: readonly Observation[], ctx?: ScoreContext): Float64Array {
    return scoreEach(this, obs, ctx);
  }

  learnMany(obs: readonly Observation[]): void {
    for (const o of obs) this.learnOne(o);
  }
}

/** The same verbs on a plain table (rows are one population, no entities), sklearn's fit included. */
export interface TableDetector<S = unknown> {
  /** Learn the table (sklearn's fit). */
  learnMany(X: Matrix): this;
  /** Score of one row, higher = more abnormal. */
  scoreOne(row: ArrayLike<number>): number;
  /** Score of every row, higher = more abnormal. */
  scoreMany(X: Matrix): Float64Array;
  toJSON(): S;
}

/** Whether the model is on with a weight > 0. */
export function isEnabled(params: DetectorParams, name: string): boolean {
  const t = params.models[name] as { enabled: boolean; weight: number } | undefined;
  return t !== undefined && t.enabled && t.weight > 0;
}
