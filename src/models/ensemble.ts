/**
 * The ensemble (paper Eq. 2 and Algorithm 1): detectors that see different things, each
 * standardised online, fused, calibrated to a probability and thresholded at a target
 * false-positive rate that follows drift.
 *
 *   iforest    population isolation forest on the window's numeric features (refitting-forest.ts)
 *   zscore     each feature's robust deviation from the entity's own median/MAD, judged against
 *              how often that feature deviates so much (deviation-scorer.ts)
 *   rarity     −ln p of the window's categorical values for the entity (rarity.ts)
 *   sequence   −ln p of the window's actions under the entity's Markov model (sequence.ts)
 *   beaconing  periodicity of arrivals per destination (beaconing.ts)
 *
 * Every detector implements one contract (detector.ts) and is listed once in detectors.ts.
 *
 * Per model m the raw score is standardised by its tail probability p̂_m among the model's recent
 * non-alert raw scores (standardiser.ts: empirical, with a peaks-over-threshold tail beyond the
 * observed range) — the robust equivalent of an online mean/variance, which a few extreme scores
 * would dominate — and reported as the standard-normal equivalent z_m = Φ⁻¹(1 − p̂_m), so every
 * model speaks the same unit whatever its raw scale. fused = max(S, T), the weighted standardised
 * sum S or the single strongest model T, whichever is larger (fusion.ts); a model without input
 * is left out of both. probability = σ(a · fused + b) (calibration.ts: a data-anchored default, or
 * Platt scaling from labels via calibrate()); score = 100 · probability. isAlert = fused > τ
 * (threshold.ts). The fused evidence is split over features and findings by explain/attribution.ts.
 *
 * State changes only in fit, learnOne and calibrate; scoreOne / scoreMany are pure reads. An
 * attack must not teach the ensemble to tolerate it while it lasts:
 *   - the models learn every window, but an alerted window only after a quarantine of a day
 *     (baseline: held out of the entity's median/MAD; rarity and sequence: counted a day later),
 *     so a spray's foreign address stays first-seen and a brute force's failures stay 28σ for its
 *     whole duration, while a new legitimate habit is learned by the next day;
 *   - the standardisers and the threshold learn only non-alert scores (except during a detected
 *     level shift), and an entity teaches a standardiser at most one extreme score a day
 *     (extreme-gate.ts);
 *   - deviations of cold-start entities (judged against their peers) and of known ones (against
 *     their own history) are standardised apart.
 * toJSON/fromJSON restore the exact state: the same inputs then give the same bits.
 */
import { attribute, modelShares, type FeatureContribution } from '../explain/attribution.js';
import { ATTACK_MIN_CONTRIBUTION, mapToAttack, type ThreatFields } from '../explain/attack.js';
import type { Evidence } from '../explain/evidence.js';
import { explain, type FeatureExplanation } from '../explain/explanation.js';
import { ACTIONS_FIELD, BatchContext } from './batch-context.js';
import { defaultCalibration, fitPlatt, verdictOf, type Calibration } from './calibration.js';
import type { EntityDetector, Finding } from './detector.js';
import { DETECTORS, MODEL_NAMES, OFF_BY_DEFAULT, type ModelName } from './detectors.js';
import type { AutoencoderParams } from './autoencoder.js';
import { deviationShares, type DeviationParams, type DeviationScorer } from './deviation-scorer.js';
import { ExtremeGate, DAY_MS, type ExtremeGateState } from './extreme-gate.js';
import { fuse, type WeightedZ } from './fusion.js';
import { logUpperTail } from './normal-tail.js';
import { categoricalOf, type Observation } from './observation.js';
import type { BeaconingDetectorParams } from './beaconing.js';
import type { RarityDetectorParams } from './rarity.js';
import type { ForestParams, RefittingForest } from './refitting-forest.js';
import type { BaselineScore } from './robust-baseline.js';
import type { SequenceDetectorParams } from './sequence.js';
import { RobustStandardiser, type StandardiserState } from './standardiser.js';
import { medianInPlace } from './stats.js';
import { DriftThreshold, thresholdParams, type ThresholdState } from './threshold.js';

export type { FeatureExplanation } from '../explain/explanation.js';
export type { ThreatFields } from '../explain/attack.js';
export type { ModelName } from './detectors.js';
export type { Observation } from './observation.js';
export { MODEL_NAMES } from './detectors.js';

export type ThresholdPolicy =
  | { targetFpr: number }
  /** windowsPerDay = scored observations (entity-windows) per day; estimated from the fit() history when omitted. */
  | { alertsPerDay: number; windowsPerDay?: number };

export interface EnsembleParams
  extends ForestParams, DeviationParams, RarityDetectorParams, SequenceDetectorParams, BeaconingDetectorParams, AutoencoderParams {
  seed: number;
  models: Record<ModelName, { enabled: boolean; weight: number }>;
  threshold: ThresholdPolicy;
  /** Size of the ring buffer of recent fused scores the threshold is the quantile of (default 5000). */
  thresholdWindow?: number;
  /** Standardised score at or above which a model is listed in `fired` (default 3). */
  firedZ?: number;
  /** Lowest standardised score a model contributes to the fusion (default −3). */
  zFloor?: number;
  /** Number of features in `contributions` (default 3). */
  topFeatures?: number;
  /** Nicer phrases for feature names in the narrative, e.g. { failed_logins: 'failed logins' }. */
  labels?: Record<string, string>;
  /** Feature → ATT&CK technique id, overriding the built-in heuristics. */
  featureTechniques?: Record<string, string>;
  /** Fixed Platt calibration p = σ(a·fused + b); otherwise a default is derived at fit() and replaced by calibrate(). */
  calibration?: { a: number; b: number };
  /** Share of the fit() history used only to warm the online models before their scores feed the standardisers (default 0.5). */
  warmupFraction?: number;
  /**
   * An entity teaches a model's (or a feature's) standardiser at most one extreme score (z ≥ firedZ)
   * per this span, in the unit of Observation.time (default 1 day in ms): a tail many entities
   * share is learned, one entity repeating its own extreme is not.
   */
  repeatWindow?: number;
}

export interface ScoredObservation {
  /** 0–100 (100 × probability). */
  score: number;
  /** Calibrated probability. */
  probability: number;
  /**
   * max(S, T) over the models that had input: S = Σ w_m max(z_m, zFloor) / √Σ w_m² (weighted
   * standardised sum), T = the strongest single model, Bonferroni-weighted (fusion.ts).
   */
  fused: number;
  /** Current drift-aware threshold on the fused scale (+Infinity while warming up). */
  threshold: number;
  isAlert: boolean;
  /** Standardised per-model scores z_m = Φ⁻¹(1 − p̂_m) (only models that had input). */
  models: Partial<Record<ModelName, number>>;
  /** Raw per-model scores. */
  raw: Partial<Record<ModelName, number>>;
  /** Models whose standardised score is ≥ firedZ, highest first. */
  fired: ModelName[];
  /** Top-m features: { name, actual, typical, contribution }. */
  contributions: FeatureExplanation[];
  /** One line a SOC analyst can read. */
  narrative: string;
  /** The entity had fewer than minObservations windows: its typical values are its peers'. */
  coldStart: boolean;
  /** ATT&CK mapping of the evidence, when a model fired or the window alerted and a technique applies. */
  threat?: ThreatFields;
}

/** One entity's own state in every detector that keeps one (Ensemble.evictEntity), as JSON. */
export type EntitySnapshot = Partial<Record<ModelName, unknown>>;

export interface LabelledScore {
  fused: number;
  label: boolean | 0 | 1;
}

/** Serialised ensemble (version 2: one entry per detector; version 1 states are still read). */
export interface EnsembleState {
  version: 2;
  params: EnsembleParams;
  fitted: boolean;
  alpha: number;
  learned: number;
  /** Each detector's own state (its toJSON). */
  detectors: Record<ModelName, unknown>;
  standardisers: Record<ModelName, StandardiserState>;
  /** Standardiser → [entity, time] of the extreme scores taught within repeatWindow. */
  extremes: ExtremeGateState;
  threshold: ThresholdState;
  calibration: Calibration;
}

/** The version-1 layout (before the detector contract): one top-level key per model. */
export interface EnsembleStateV1 {
  version: 1;
  params: EnsembleParams;
  features: string[];
  fitted: boolean;
  alpha: number;
  learned: number;
  forest: unknown;
  forestRing: unknown;
  baseline: unknown;
  rarity: unknown;
  sequence: unknown;
  beaconing: unknown;
  standardisers: Record<ModelName, StandardiserState>;
  featureStandardisers: Record<string, StandardiserState>;
  extremes?: ExtremeGateState;
  threshold: ThresholdState;
  calibration: Calibration;
}

interface Member {
  readonly name: ModelName;
  readonly detector: EntityDetector;
}

interface Assessment {
  raw: Partial<Record<ModelName, number>>;
  z: Partial<Record<ModelName, number>>;
  fused: number;
  /** What each enabled model with input found. */
  findings: Partial<Record<ModelName, Finding>>;
  /** The baseline's verdict on the window's features (always when scoring). */
  baseline?: BaselineScore;
  coldStart: boolean;
}

export class Ensemble {
  readonly params: EnsembleParams;
  private fitted = false;
  private alpha: number;
  private learned = 0;
  private members: Member[];
  private standardisers: Record<ModelName, RobustStandardiser>;
  private gate: ExtremeGate;
  private threshold: DriftThreshold;
  private calibration: Calibration;

  constructor(params: EnsembleParams) {
    validateParams(params);
    this.params = structuredClone(params);
    this.alpha = initialAlpha(params.threshold);
    this.members = DETECTORS.map((f) => ({ name: f.name, detector: f.create(this.params) }));
    this.standardisers = newStandardisers();
    this.gate = new ExtremeGate(this.params.repeatWindow ?? DAY_MS);
    this.threshold = new DriftThreshold(thresholdParams(this.alpha, { capacity: params.thresholdWindow ?? 5000 }));
    this.calibration = params.calibration ? { ...params.calibration, source: 'fixed' } : defaultCalibration(0, 3);
  }

  /** Feature names the ensemble knows, in column order of its forest. */
  get featureNames(): readonly string[] {
    return this.forest.featureNames;
  }

  /** Target false-positive rate in force (from targetFpr, or alertsPerDay ÷ windowsPerDay). */
  get targetFpr(): number {
    return this.alpha;
  }

  /**
   * Warm-up on history (any order; sorted by time here): fits the isolation forest on all of it,
   * runs the online models through it in time order, scoring each observation before learning it
   * (after the first `warmupFraction`) to fill the standardisers with honest out-of-sample scores,
   * then seeds the threshold and the default calibration from the fused scores of that second part.
   * fit() starts from scratch; fit([]) gives a fresh ensemble that learns as data arrives.
   */
  fit(history: readonly Observation[]): this {
    this.reset();
    // No history: a fresh ensemble that learns online. No alert is raised until the threshold has
    // seen `minScores` scores, and the forest grows once 64 windows were learned.
    if (history.length === 0) return this;
    const sorted = history
      .map((o, i) => [o, i] as const)
      .sort((a, b) => a[0].time - b[0].time || a[1] - b[1])
      .map(([o]) => o);
    if ('alertsPerDay' in this.params.threshold) {
      const perDay = this.params.threshold.windowsPerDay ?? estimateWindowsPerDay(sorted);
      this.alpha = Math.min(0.5, Math.max(1e-6, this.params.threshold.alertsPerDay / perDay));
      this.threshold = new DriftThreshold(thresholdParams(this.alpha, { capacity: this.params.thresholdWindow ?? 5000 }));
    }
    // Batch learners (the isolation forest) see the whole history at once.
    for (const m of this.members) if (m.detector.learns === 'batch') m.detector.learnMany(sorted);

    // The online ones learn it in time order, scoring each window first once past the warm-up.
    const warm = Math.min(sorted.length - 1, Math.floor(sorted.length * (this.params.warmupFraction ?? 0.5)));
    const raws: Partial<Record<ModelName, number>>[] = [];
    const findings: Partial<Record<ModelName, Finding>>[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const o = sorted[i];
      if (i >= warm) {
        const a = this.assess(o, false);
        raws.push(a.raw);
        findings.push(a.findings);
      }
      for (const m of this.members) if (m.detector.learns === 'online') m.detector.learnOne(o);
    }
    // Inner scales first (the zscore model's per-feature deviations), then the scores that depend on them.
    for (const m of this.members) {
      if (!m.detector.afterWarmup || !this.enabled(m.name)) continue;
      m.detector.afterWarmup(findings.map((f) => f[m.name])).forEach((r, i) => {
        if (r !== undefined) raws[i][m.name] = r;
      });
    }
    for (const m of MODEL_NAMES) {
      for (const r of raws) if (r[m] !== undefined) this.standardisers[m].update(r[m]);
      this.standardisers[m].refresh();
    }
    const fused = raws.map((r) => this.fuse(this.standardise(r)));
    this.threshold.seed(fused);
    if (!this.params.calibration) this.calibration = defaultCalibration(medianInPlace(Float64Array.from(fused)), this.threshold.value);
    this.fitted = true;
    this.learned += sorted.length;
    return this;
  }

  /** Score one entity-window. Does not change state. */
  scoreOne(obs: Observation): ScoredObservation {
    return this.score(obs, undefined);
  }

  /**
   * Score every entity-window of one time window against the same state (does not change state).
   * Unlike scoreOne per observation, it knows what the other entities show at the same time: a
   * categorical value or action that most of them show too (patch day, a fleet-wide agent update)
   * is not rare for any of them (batch-context.ts). Prefer it whenever a whole window is scored.
   */
  scoreMany(observations: readonly Observation[]): ScoredObservation[] {
    const batch = new BatchContext();
    for (const o of observations) {
      const categorical = categoricalOf(o);
      if (categorical) batch.add(categorical);
      if (o.actions && o.actions.length > 0) batch.add({ [ACTIONS_FIELD]: o.actions });
    }
    return observations.map((o) => this.score(o, batch));
  }

  private score(obs: Observation, batch: BatchContext | undefined): ScoredObservation {
    const a = this.assess(obs, true, batch);
    const tau = this.threshold.value;
    const { isAlert, probability, score } = verdictOf(this.calibration, a.fused, tau);
    const firedZ = this.params.firedZ ?? 3;
    const fired = MODEL_NAMES.filter((m) => (a.z[m] ?? -Infinity) >= firedZ).sort((x, y) => (a.z[y] ?? 0) - (a.z[x] ?? 0));
    const evidence = this.evidence(obs, a);
    const ex = explain(evidence, { top: this.params.topFeatures ?? 3, labels: this.params.labels, coldStart: a.coldStart });
    const scored: ScoredObservation = {
      score,
      probability,
      fused: a.fused,
      threshold: tau,
      isAlert,
      models: a.z,
      raw: a.raw,
      fired,
      contributions: ex.contributions,
      narrative: ex.narrative,
      coldStart: a.coldStart,
    };
    if (fired.length > 0 || isAlert) {
      const actions = this.members.flatMap((m) => {
        const f = a.findings[m.name];
        return f && m.detector.actionsOf ? m.detector.actionsOf(f) : [];
      });
      // Only evidence with a real share of the anomaly suggests techniques (a beacon is not six tactics).
      const scoredEvidence = ex.contributions.filter((c) => c.contribution >= ATTACK_MIN_CONTRIBUTION).map((c) => c.name);
      const threat = mapToAttack({ fired, features: scoredEvidence, actions, featureTechniques: this.params.featureTechniques });
      if (threat) scored.threat = threat;
    }
    return scored;
  }

  /**
   * Online update with one observation (after scoring it). Pass the ScoredObservation scoreOne /
   * scoreMany returned for it to save recomputing; its raw scores and alert decision are what get
   * learned. The models (baselines, rarity, sequence, periodicity, the forest's memory) learn every
   * window: their statistics are robust, so a few attack windows barely move them, while refusing
   * to learn alerted windows would leave a new but legitimate behaviour (a weekly backup account)
   * alerting forever. The standardisers and the threshold learn only non-alert scores (paper
   * Algorithm 2) — an alert is counted by the threshold but its value kept out — except during a
   * detected level shift, when every score is admitted so the scale re-adapts. Within an admitted
   * window, a model that fired (z ≥ firedZ) teaches its standardiser that score only if the same
   * entity has not taught it an extreme score within `repeatWindow` — and likewise per feature for
   * the zscore model's deviations. A heavy tail that many entities share (big uploads happen) is
   * learned; one entity repeating its own extreme hour after hour (a beacon seen by one model only,
   * a brute force below the fused threshold) does not make itself ordinary.
   */
  learnOne(obs: Observation, scored?: ScoredObservation): void {
    let raw: Partial<Record<ModelName, number>>;
    let fused: number;
    let isAlert: boolean;
    if (scored) {
      raw = scored.raw;
      fused = scored.fused;
      isAlert = scored.isAlert;
    } else {
      const a = this.assess(obs, false);
      raw = a.raw;
      fused = a.fused;
      isAlert = fused > this.threshold.value;
    }
    const admitted = this.threshold.update(fused, isAlert);
    if (admitted) {
      // An alert admitted by the threshold means a level shift: then every score is learned.
      const shift = isAlert;
      const firedZ = this.params.firedZ ?? 3;
      const z = scored ? scored.models : this.standardise(raw);
      for (const m of MODEL_NAMES) {
        const r = raw[m];
        if (r === undefined) continue;
        if (shift || !((z[m] ?? -Infinity) >= firedZ) || this.gate.admit(m, obs.entity, obs.time)) this.standardisers[m].update(r);
      }
      const maxSurprisal = shift ? Infinity : -logUpperTail(firedZ);
      for (const m of this.members) if (this.enabled(m.name)) m.detector.learnAdmitted?.(obs, maxSurprisal, this.gate);
    }
    for (const m of this.members) m.detector.learnOne(obs, isAlert);
    this.learned++;
  }

  /** learnOne for each observation in order, with the ScoredObservations scoreOne / scoreMany returned for them when given. */
  learnMany(observations: readonly Observation[], scored?: readonly ScoredObservation[]): void {
    observations.forEach((o, i) => this.learnOne(o, scored?.[i]));
  }

  /**
   * Idle-entity eviction (OpenSearch AD's cold entities): removes everything the detectors keep for
   * this entity alone and returns it as JSON; undefined when they keep nothing. restoreEntity puts
   * it back: the entity then scores the same bits as if it had never left. Population state
   * (forest, standardisers, threshold, the peers' baselines) stays: it is shared, and bounded.
   */
  evictEntity(entity: string): EntitySnapshot | undefined {
    const out: EntitySnapshot = {};
    let any = false;
    for (const m of this.members) {
      const s = m.detector.evictEntity?.(entity);
      if (s !== undefined) {
        out[m.name] = s;
        any = true;
      }
    }
    return any ? out : undefined;
  }

  /** Puts back what evictEntity returned for the entity. */
  restoreEntity(entity: string, snapshot: EntitySnapshot): void {
    for (const m of this.members) {
      const s = snapshot[m.name];
      if (s !== undefined) m.detector.restoreEntity?.(entity, s);
    }
  }

  /** Platt-scale the probability from labelled fused scores (analyst feedback, an evaluation). */
  calibrate(labelled: readonly LabelledScore[]): this {
    this.calibration = fitPlatt(
      labelled.map((l) => l.fused),
      labelled.map((l) => (l.label ? 1 : 0)),
    );
    return this;
  }

  /** The calibration in force. */
  get calibrationParams(): Calibration {
    return { ...this.calibration };
  }

  toJSON(): EnsembleState {
    const standardisers = {} as Record<ModelName, StandardiserState>;
    for (const m of MODEL_NAMES) standardisers[m] = this.standardisers[m].toJSON();
    const detectors = {} as Record<ModelName, unknown>;
    for (const m of this.members) detectors[m.name] = m.detector.toJSON();
    return {
      version: 2,
      params: structuredClone(this.params),
      fitted: this.fitted,
      alpha: this.alpha,
      learned: this.learned,
      detectors,
      standardisers,
      extremes: this.gate.toJSON(),
      threshold: this.threshold.toJSON(),
      calibration: { ...this.calibration },
    };
  }

  static fromJSON(input: EnsembleState | EnsembleStateV1): Ensemble {
    const state = input?.version === 1 ? upgradeState(input) : input;
    if (state?.version !== 2) throw new TypeError('ensemble: unsupported state (expected version 1 or 2)');
    // A checkpoint from before a detector existed: that detector joins with its default toggle.
    const models = { ...defaultEnsembleParams(state.params.seed).models, ...state.params.models };
    const e = new Ensemble({ ...state.params, models });
    e.fitted = state.fitted;
    e.alpha = state.alpha;
    e.learned = state.learned;
    e.members = DETECTORS.map((f) => ({ name: f.name, detector: f.fromJSON(state.detectors[f.name], e.params) }));
    for (const m of MODEL_NAMES) if (m in state.standardisers) e.standardisers[m] = RobustStandardiser.fromJSON(state.standardisers[m]);
    e.gate = ExtremeGate.fromJSON(state.extremes, e.params.repeatWindow ?? DAY_MS);
    e.threshold = DriftThreshold.fromJSON(state.threshold);
    e.calibration = { ...state.calibration };
    return e;
  }

  // ---------------------------------------------------------------------------------------------

  private get forest(): RefittingForest {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- detectors.ts pairs each name with its class
    return this.member('iforest') as RefittingForest;
  }

  private get deviation(): DeviationScorer {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- detectors.ts pairs each name with its class
    return this.member('zscore') as DeviationScorer;
  }

  private member(name: ModelName): EntityDetector {
    const m = this.members.find((x) => x.name === name);
    if (!m) throw new Error(`ensemble: no detector ${name}`);
    return m.detector;
  }

  private enabled(m: ModelName): boolean {
    const t = this.params.models[m];
    return t?.enabled && t.weight > 0;
  }

  /** Raw and standardised score of every enabled model with input, and the fused score. */
  private assess(obs: Observation, details: boolean, batch?: BatchContext): Assessment {
    const deviation = this.deviation;
    const out: Assessment = { raw: {}, z: {}, fused: 0, findings: {}, coldStart: deviation.isColdStart(obs.entity) };
    // The baseline's verdict is shared: the zscore model's input, and the typical values and cold
    // start of the explanation.
    if (this.enabled('zscore') || details) {
      out.baseline = deviation.describe(obs);
      out.coldStart = out.baseline.coldStart;
    }
    const ctx = { batch, baseline: out.baseline };
    for (const m of this.members) {
      if (!this.enabled(m.name)) continue;
      const f = m.detector.scoreOne(obs, ctx);
      if (!f) continue;
      out.raw[m.name] = f.score;
      out.findings[m.name] = f;
    }
    out.z = this.standardise(out.raw);
    out.fused = this.fuse(out.z);
    return out;
  }

  /** Standardised score of each model's raw score. */
  private standardise(raw: Partial<Record<ModelName, number>>): Partial<Record<ModelName, number>> {
    const z: Partial<Record<ModelName, number>> = {};
    for (const m of MODEL_NAMES) {
      const r = raw[m];
      if (r !== undefined && Number.isFinite(r)) z[m] = this.standardisers[m].transform(r);
    }
    return z;
  }

  /** fusion.ts over the enabled models with input, in model order. */
  private fuse(z: Partial<Record<ModelName, number>>): number {
    const models: WeightedZ[] = [];
    for (const m of MODEL_NAMES) {
      const zm = z[m];
      if (zm !== undefined && this.enabled(m)) models.push({ z: zm, weight: this.params.models[m].weight });
    }
    return fuse(models, this.params.zFloor ?? -3);
  }

  /** Split the fused evidence over features and findings (explain/attribution.ts). */
  private evidence(obs: Observation, a: Assessment): Evidence[] {
    // A model's share of the anomaly: its weighted positive standardised score.
    const shares = modelShares(
      MODEL_NAMES.map((m) => ({
        name: m,
        excess: a.z[m] === undefined || !this.enabled(m) ? 0 : Math.max(0, a.z[m]) * this.params.models[m].weight,
      })),
    );
    const anomalous = [...shares.values()].some((s) => s > 0);
    const features: FeatureContribution[] = [];
    const findings: Evidence[] = [];
    for (const m of this.members) {
      const f = a.findings[m.name];
      if (!f) continue;
      const ctx = { share: shares.get(m.name) ?? 0, anomalous, typicalScore: this.standardisers[m.name].center };
      if (m.detector.featureShares) features.push(...m.detector.featureShares(f, ctx));
      if (m.detector.evidence) findings.push(...m.detector.evidence(f, ctx));
    }
    // Nothing anomalous: still say which features are furthest from typical, by their deviation.
    if (!anomalous && a.baseline) features.push(...deviationShares(a.baseline));
    const b = a.baseline;
    return attribute(features, findings, {
      actual: (name) => obs.features[name] ?? NaN,
      typical: (name) => b?.typical[name] ?? this.deviation.typical(obs.entity, name, obs.time),
    });
  }

  /** Fresh detectors, standardisers, threshold and calibration (fit() starts from scratch). */
  private reset(): void {
    const p = this.params;
    this.fitted = false;
    this.alpha = initialAlpha(p.threshold);
    this.learned = 0;
    this.members = DETECTORS.map((f) => ({ name: f.name, detector: f.create(p) }));
    this.standardisers = newStandardisers();
    this.gate = new ExtremeGate(p.repeatWindow ?? DAY_MS);
    this.threshold = new DriftThreshold(thresholdParams(this.alpha, { capacity: p.thresholdWindow ?? 5000 }));
    this.calibration = p.calibration ? { ...p.calibration, source: 'fixed' } : defaultCalibration(0, 3);
  }
}

/** Ensemble parameters with every model on at weight 1 and a 1% target false-positive rate. */
export function defaultEnsembleParams(seed = 42): EnsembleParams {
  const models = {} as Record<ModelName, { enabled: boolean; weight: number }>;
  for (const m of MODEL_NAMES) models[m] = { enabled: !OFF_BY_DEFAULT.has(m), weight: 1 };
  return { seed, models, threshold: { targetFpr: 0.01 } };
}

/** A version-1 state in the version-2 layout (same numbers, regrouped per detector). */
function upgradeState(s: EnsembleStateV1): EnsembleState {
  return {
    version: 2,
    params: s.params,
    fitted: s.fitted,
    alpha: s.alpha,
    learned: s.learned,
    detectors: {
      iforest: { features: s.features, forest: s.forest, forestRing: s.forestRing },
      zscore: { baseline: s.baseline, featureStandardisers: s.featureStandardisers },
      rarity: s.rarity,
      sequence: s.sequence,
      beaconing: s.beaconing,
      autoencoder: undefined,
    },
    standardisers: s.standardisers,
    extremes: s.extremes ?? {},
    threshold: s.threshold,
    calibration: s.calibration,
  };
}

/** One standardiser per model, floored at the model's own σ̂ floor. */
function newStandardisers(): Record<ModelName, RobustStandardiser> {
  const out = {} as Record<ModelName, RobustStandardiser>;
  for (const f of DETECTORS) out[f.name] = new RobustStandardiser(4096, 128, f.minScale);
  return out;
}

function initialAlpha(t: ThresholdPolicy): number {
  if ('targetFpr' in t) return t.targetFpr;
  if (t.windowsPerDay !== undefined) return Math.min(0.5, Math.max(1e-6, t.alertsPerDay / t.windowsPerDay));
  return 0.01; // until fit() can estimate windows per day
}

/** Observations per day in a time-sorted history (its span plus one typical step). */
function estimateWindowsPerDay(sorted: readonly Observation[]): number {
  const times = [...new Set(sorted.map((o) => o.time))].sort((a, b) => a - b);
  if (times.length < 2) return sorted.length;
  let step = Infinity;
  for (let i = 1; i < times.length; i++) step = Math.min(step, times[i] - times[i - 1]);
  const spanDays = (times[times.length - 1] - times[0] + step) / 86_400_000;
  return sorted.length / Math.max(spanDays, 1e-9);
}

function validateParams(p: EnsembleParams): void {
  if (!p || typeof p !== 'object') throw new TypeError('ensemble: params are required');
  if (!Number.isFinite(p.seed)) throw new RangeError(`ensemble: seed must be a finite number, got ${String(p.seed)}`);
  for (const m of MODEL_NAMES) {
    const t = p.models?.[m];
    if (!t || typeof t.enabled !== 'boolean' || !(t.weight >= 0))
      throw new RangeError(`ensemble: models.${m} must be { enabled: boolean, weight: number ≥ 0 }`);
  }
  if (!MODEL_NAMES.some((m) => p.models[m].enabled && p.models[m].weight > 0))
    throw new RangeError('ensemble: enable at least one model with a weight > 0');
  const t = p.threshold;
  if (!t || !('targetFpr' in t || 'alertsPerDay' in t))
    throw new RangeError('ensemble: threshold must be { targetFpr } or { alertsPerDay, windowsPerDay? }');
  if ('targetFpr' in t && !(t.targetFpr > 0 && t.targetFpr < 1))
    throw new RangeError(`ensemble: threshold.targetFpr must be in (0, 1), got ${t.targetFpr}`);
  if ('alertsPerDay' in t && !(t.alertsPerDay > 0))
    throw new RangeError(`ensemble: threshold.alertsPerDay must be > 0, got ${t.alertsPerDay}`);
  if ('alertsPerDay' in t && t.windowsPerDay !== undefined && !(t.windowsPerDay > 0))
    throw new RangeError(`ensemble: threshold.windowsPerDay must be > 0, got ${t.windowsPerDay}`);
  if (p.warmupFraction !== undefined && !(p.warmupFraction >= 0 && p.warmupFraction < 1))
    throw new RangeError(`ensemble: warmupFraction must be in [0, 1), got ${p.warmupFraction}`);
}
