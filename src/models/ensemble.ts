/**
 * The ensemble (paper Eq. 2 and Algorithm 1): five detectors that see different things, each
 * standardised online, fused by weight, calibrated to a probability and thresholded at a target
 * false-positive rate that follows drift.
 *
 *   iforest    population isolation forest on the window's numeric features (signed log1p)
 *   zscore     robust z of each feature against the entity's own median/MAD (peers on cold start),
 *              each feature's deviation judged against how often that feature deviates so much
 *              (a busy hour is common for process counts, 26 failed logins is not):
 *              raw = Σ_features (−ln p̂_f(d_f) − 2)⁺
 *   rarity     −ln p of the window's categorical values for the entity (first-seen values)
 *   sequence   −ln p of the window's actions under the entity's Markov model
 *   beaconing  periodicity of arrivals per destination
 *
 * Per model m the raw score is standardised by its tail probability p̂_m among the model's recent
 * non-alert raw scores (standardiser.ts: empirical, with a peaks-over-threshold tail beyond the
 * observed range) — the robust equivalent of an online mean/variance, which a few extreme scores
 * would dominate — and reported as the standard-normal equivalent z_m = Φ⁻¹(1 − p̂_m), so every
 * model speaks the same unit whatever its raw scale. The fused score combines them two ways, both
 * on the standard-normal scale, and keeps the larger:
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
 * A model without input (no actions, no destination with enough arrivals, no categorical values,
 * no finite feature) is left out of both sums: it contributes nothing rather than a 0 that would
 * dilute the models that did see something. No model with input → fused = 0.
 *
 * probability = σ(a · fused + b) (calibration.ts: a data-anchored default, or Platt scaling from
 * labels via calibrate()); score = 100 · probability. isAlert = fused > τ (threshold.ts).
 *
 * State changes only in fit, learnOne and calibrate; scoreOne / scoreBatch are pure reads. An
 * attack must not teach the ensemble to tolerate it while it lasts:
 *   - the models learn every window, but an alerted window only after a quarantine of a day
 *     (baseline: held out of the entity's median/MAD; rarity and sequence: counted a day later),
 *     so a spray's foreign address stays first-seen and a brute force's failures stay 28σ for its
 *     whole duration, while a new legitimate habit is learned by the next day;
 *   - the standardisers and the threshold learn only non-alert scores (except during a detected
 *     level shift), and an entity teaches a standardiser at most one extreme score a day;
 *   - deviations of cold-start entities (judged against their peers) and of known ones (against
 *     their own history) are standardised apart.
 * toJSON/fromJSON restore the exact state: the same inputs then give the same bits.
 */
import type { FeatureExplanation, ModelName } from '../anomaly/document.js';
import { ATTACK_MIN_CONTRIBUTION, mapToAttack, type ThreatFields } from '../explain/attack.js';
import type { Evidence } from '../explain/evidence.js';
import { explain } from '../explain/explanation.js';
import { ACTIONS_FIELD, BatchContext } from './batch-context.js';
import { Beaconing, type BeaconingParams, type BeaconingState, type Periodicity } from './beaconing.js';
import { defaultCalibration, fitPlatt, verdictOf, type Calibration } from './calibration.js';
import { decodeFloat64, encodeFloat64 } from './codec.js';
import { IsolationForest, type IsolationForestState } from './isolation-forest.js';
import { Rarity, type RarityParams, type RarityScore, type RarityState } from './rarity.js';
import { RobustBaseline, type BaselineScore, type Direction, type RobustBaselineParams, type RobustBaselineState } from './robust-baseline.js';
import { SequenceModel, type SequenceParams, type SequenceScore, type SequenceState } from './sequence.js';
import { logUpperTail, zFromLogUpperTail } from './normal-tail.js';
import { RobustStandardiser, type StandardiserState } from './standardiser.js';
import { medianInPlace } from './stats.js';
import { DriftThreshold, thresholdParams, type ThresholdState } from './threshold.js';

export type { FeatureExplanation, ModelName } from '../anomaly/document.js';
export type { ThreatFields } from '../explain/attack.js';

export const MODEL_NAMES: readonly ModelName[] = ['iforest', 'zscore', 'rarity', 'sequence', 'beaconing'];

export interface Observation {
  /** Entity key, e.g. "user.name=alice". */
  entity: string;
  /** Window start, epoch ms. */
  time: number;
  /** Numeric features; NaN (or any non-finite value, or an absent key) = missing. */
  features: Record<string, number>;
  /** Distinct values seen this window per categorical field (rarity / first-seen). */
  categorical?: Record<string, string[]>;
  /** Ordered actions in the window (sequence model). */
  actions?: string[];
  /** Destination → event timestamps (ms) in the window (beaconing). */
  arrivals?: Record<string, number[]>;
}

export type ThresholdPolicy =
  | { targetFpr: number }
  /** windowsPerDay = scored observations (entity-windows) per day; estimated from the fit() history when omitted. */
  | { alertsPerDay: number; windowsPerDay?: number };

export interface EnsembleParams {
  seed: number;
  models: Record<ModelName, { enabled: boolean; weight: number }>;
  threshold: ThresholdPolicy;
  iforest?: {
    nEstimators?: number;
    maxSamples?: number;
    maxFeatures?: number;
    /** Refit on the most recent `memory` learned rows every this many learned observations (default 10,000; 0 = never). */
    refitEvery?: number;
    /** Learned rows kept for refits (default 4096). */
    memory?: number;
  };
  baseline?: Partial<Omit<RobustBaselineParams, 'seed'>>;
  rarity?: Partial<RarityParams>;
  sequence?: Partial<SequenceParams>;
  beaconing?: Partial<BeaconingParams>;
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
  /** Which deviations of a feature count for zscore: 'up' (default), 'down' or 'both' (default for names containing "hour"). */
  featureDirections?: Record<string, 'up' | 'down' | 'both'>;
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
  /** Weighted standardised sum Σ w_m max(z_m, zFloor) / √Σ w_m² over the models that had input. */
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

export interface LabelledScore {
  fused: number;
  label: boolean | 0 | 1;
}

export interface EnsembleState {
  version: 1;
  params: EnsembleParams;
  features: string[];
  fitted: boolean;
  alpha: number;
  learned: number;
  forest: IsolationForestState | null;
  forestRing: { rows: string; pos: number; count: number; width: number; sinceRefit: number; refits: number };
  baseline: RobustBaselineState;
  rarity: RarityState;
  sequence: SequenceState;
  beaconing: BeaconingState;
  standardisers: Record<ModelName, StandardiserState>;
  featureStandardisers: Record<string, StandardiserState>;
  /** Standardiser → [entity, time] of the extreme scores taught within repeatWindow (absent in older states). */
  extremes?: Record<string, [string, number][]>;
  threshold: ThresholdState;
  calibration: Calibration;
}

/** σ̂ floor per model, in the model's own unit. */
const MIN_SCALE: Record<ModelName, number> = { iforest: 0.01, zscore: 0.5, rarity: 0.25, sequence: 0.25, beaconing: 0.05 };
const MIN_FOREST_ROWS = 64;
const DAY_MS = 86_400_000;

interface Assessment {
  raw: Partial<Record<ModelName, number>>;
  z: Partial<Record<ModelName, number>>;
  fused: number;
  row?: Float64Array;
  baseline?: BaselineScore;
  /** Per-feature surprisal of the deviation (zscore model). */
  featureSurprisal?: Record<string, number>;
  rarity?: RarityScore;
  sequence?: SequenceScore;
  beacon?: Periodicity;
  coldStart: boolean;
}

export class Ensemble {
  readonly params: EnsembleParams;
  private features: string[] = [];
  private fitted = false;
  private alpha: number;
  private learned = 0;
  private forest: IsolationForest | null = null;
  private ring: Float64Array;
  private ringWidth = 0;
  private ringPos = 0;
  private ringCount = 0;
  private sinceRefit = 0;
  private refits = 0;
  private baseline: RobustBaseline;
  private rarity: Rarity;
  private sequence: SequenceModel;
  private beaconing: Beaconing;
  private standardisers: Record<ModelName, RobustStandardiser>;
  /** Per numeric feature: standardiser of the baseline deviation (for the zscore model). */
  private featureStandardisers = new Map<string, RobustStandardiser>();
  /** Per standardiser (model name or deviation key): entity → time it last taught an extreme score. */
  private extremes = new Map<string, Map<string, number>>();
  private threshold: DriftThreshold;
  private calibration: Calibration;

  constructor(params: EnsembleParams) {
    validateParams(params);
    this.params = structuredClone(params);
    this.alpha = initialAlpha(params.threshold);
    this.ring = new Float64Array(0);
    this.baseline = new RobustBaseline({ ...params.baseline, seed: params.seed });
    this.rarity = new Rarity(params.rarity);
    this.sequence = new SequenceModel(params.sequence);
    this.beaconing = new Beaconing(params.beaconing);
    this.standardisers = newStandardisers();
    this.threshold = new DriftThreshold(thresholdParams(this.alpha, { capacity: params.thresholdWindow ?? 5000 }));
    this.calibration = params.calibration ? { ...params.calibration, source: 'fixed' } : defaultCalibration(0, 3);
  }

  /** Feature names the ensemble knows, in column order of its forest. */
  get featureNames(): readonly string[] {
    return this.features;
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
    const sorted = history.map((o, i) => [o, i] as const).sort((a, b) => a[0].time - b[0].time || a[1] - b[1]).map(([o]) => o);
    const names = new Set<string>();
    for (const o of sorted) for (const k of Object.keys(o.features)) names.add(k);
    this.features = [...names].sort();
    if ('alertsPerDay' in this.params.threshold) {
      const perDay = this.params.threshold.windowsPerDay ?? estimateWindowsPerDay(sorted);
      this.alpha = Math.min(0.5, Math.max(1e-6, this.params.threshold.alertsPerDay / perDay));
      this.threshold = new DriftThreshold(thresholdParams(this.alpha, { capacity: this.params.thresholdWindow ?? 5000 }));
    }
    // The isolation forest sees the whole history at once; the ring keeps the latest rows for refits.
    const width = this.features.length;
    const data = new Float64Array(sorted.length * width);
    sorted.forEach((o, i) => {
      const row = this.toRow(o);
      data.set(row, i * width);
      this.remember(row);
    });
    if (this.enabled('iforest') && width > 0) {
      this.forest = this.newForest().fit({ data, rows: sorted.length, cols: width });
      this.refits++;
    }

    const warm = Math.min(sorted.length - 1, Math.floor(sorted.length * (this.params.warmupFraction ?? 0.5)));
    const raws: Partial<Record<ModelName, number>>[] = [];
    const deviations: (BaselineScore | undefined)[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const o = sorted[i];
      if (i >= warm) {
        const a = this.assess(o, false);
        raws.push(a.raw);
        deviations.push(a.baseline && a.baseline.scored > 0 ? a.baseline : undefined);
      }
      this.learnModels(o);
    }
    // Per-feature deviation scales first, then the zscore raw scores that depend on them.
    for (const b of deviations) if (b) this.learnDeviations(b);
    for (const st of this.featureStandardisers.values()) st.refresh();
    if (this.enabled('zscore')) deviations.forEach((b, i) => (b ? (raws[i].zscore = zscoreRaw(this.featureSurprisals(b))) : undefined));
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
  scoreBatch(observations: readonly Observation[]): ScoredObservation[] {
    const batch = new BatchContext();
    for (const o of observations) {
      const categorical = this.categoricalOf(o);
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
      const actions = a.sequence ? [a.sequence.worst.to, ...a.sequence.firstSeenActions] : [];
      const scoredEvidence = ex.contributions.filter((c) => c.contribution >= ATTACK_MIN_CONTRIBUTION).map((c) => c.name);
      const threat = mapToAttack({ fired, features: scoredEvidence, actions, featureTechniques: this.params.featureTechniques });
      if (threat) scored.threat = threat;
    }
    return scored;
  }

  /**
   * Online update with one observation (after scoring it). Pass the ScoredObservation scoreOne /
   * scoreBatch returned for it to save recomputing; its raw scores and alert decision are what get
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
        if (shift || !((z[m] ?? -Infinity) >= firedZ) || this.firstExtreme(m, obs)) this.standardisers[m].update(r);
      }
      if (this.enabled('zscore')) {
        const b = this.baseline.scoreOne(obs.entity, obs.features, this.direction, obs.time);
        if (b.scored > 0) this.learnDeviations(b, shift ? Infinity : -logUpperTail(firedZ), obs);
      }
    }
    for (const k of Object.keys(obs.features)) {
      if (!this.features.includes(k)) this.features.push(k);
    }
    this.learnModels(obs, isAlert);
    this.remember(this.toRow(obs));
    this.learned++;
    if (this.enabled('iforest')) {
      const every = this.params.iforest?.refitEvery ?? 10_000;
      if ((!this.forest && this.ringCount >= MIN_FOREST_ROWS) || (every > 0 && ++this.sinceRefit >= every)) this.refitForest();
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
    return {
      version: 1,
      params: structuredClone(this.params),
      features: [...this.features],
      fitted: this.fitted,
      alpha: this.alpha,
      learned: this.learned,
      forest: this.forest ? this.forest.toJSON() : null,
      forestRing: { rows: encodeFloat64(this.ring), pos: this.ringPos, count: this.ringCount, width: this.ringWidth, sinceRefit: this.sinceRefit, refits: this.refits },
      baseline: this.baseline.toJSON(),
      rarity: this.rarity.toJSON(),
      sequence: this.sequence.toJSON(),
      beaconing: this.beaconing.toJSON(),
      standardisers,
      featureStandardisers: Object.fromEntries([...this.featureStandardisers].map(([k, v]) => [k, v.toJSON()])),
      extremes: Object.fromEntries([...this.extremes].map(([k, m]) => [k, [...m]])),
      threshold: this.threshold.toJSON(),
      calibration: { ...this.calibration },
    };
  }

  static fromJSON(state: EnsembleState): Ensemble {
    if (state?.version !== 1) throw new TypeError('ensemble: unsupported state (expected version 1)');
    const e = new Ensemble(state.params);
    e.features = [...state.features];
    e.fitted = state.fitted;
    e.alpha = state.alpha;
    e.learned = state.learned;
    e.forest = state.forest ? IsolationForest.fromJSON(state.forest) : null;
    e.ring = decodeFloat64(state.forestRing.rows);
    e.ringPos = state.forestRing.pos;
    e.ringCount = state.forestRing.count;
    e.ringWidth = state.forestRing.width;
    e.sinceRefit = state.forestRing.sinceRefit;
    e.refits = state.forestRing.refits;
    e.baseline = RobustBaseline.fromJSON(state.baseline);
    e.rarity = Rarity.fromJSON(state.rarity);
    e.sequence = SequenceModel.fromJSON(state.sequence);
    e.beaconing = Beaconing.fromJSON(state.beaconing);
    for (const m of MODEL_NAMES) e.standardisers[m] = RobustStandardiser.fromJSON(state.standardisers[m]);
    for (const [k, v] of Object.entries(state.featureStandardisers ?? {})) e.featureStandardisers.set(k, RobustStandardiser.fromJSON(v));
    for (const [k, list] of Object.entries(state.extremes ?? {})) e.extremes.set(k, new Map(list));
    e.threshold = DriftThreshold.fromJSON(state.threshold);
    e.calibration = { ...state.calibration };
    return e;
  }

  // ---------------------------------------------------------------------------------------------

  private enabled(m: ModelName): boolean {
    const t = this.params.models[m];
    return Boolean(t?.enabled) && t.weight > 0;
  }

  private direction = (feature: string): Direction => this.params.featureDirections?.[feature] ?? (/hour/.test(feature) ? 'both' : 'up');

  /** Raw and standardised score of every model with input, and the fused score. */
  private assess(obs: Observation, details: boolean, batch?: BatchContext): Assessment {
    const raw: Partial<Record<ModelName, number>> = {};
    const out: Assessment = { raw, z: {}, fused: 0, coldStart: this.baseline.observations(obs.entity) < (this.baseline.params.minObservations ?? 8) };
    const hasFeature = Object.values(obs.features).some((v) => Number.isFinite(v));
    if (this.enabled('zscore') || details) {
      const b = this.baseline.scoreOne(obs.entity, obs.features, this.direction, obs.time);
      out.baseline = b;
      out.coldStart = b.coldStart;
      if (this.enabled('zscore') && b.scored > 0) {
        const fs = this.featureSurprisals(b);
        out.featureSurprisal = fs;
        raw.zscore = zscoreRaw(fs);
      }
    }
    if (this.enabled('iforest') && this.forest && hasFeature) {
      const row = this.toRow(obs).subarray(0, this.forest.columns);
      out.row = row;
      raw.iforest = this.forest.scoreOne(row);
    }
    const categorical = this.categoricalOf(obs);
    if (this.enabled('rarity') && categorical) {
      const r = this.rarity.scoreOne(obs.entity, categorical, batch);
      if (r.fieldsScored > 0) {
        raw.rarity = r.score;
        out.rarity = r;
      }
    }
    if (this.enabled('sequence') && obs.actions && obs.actions.length > 0) {
      const s = this.sequence.scoreOne(obs.entity, obs.actions, batch);
      if (s) {
        raw.sequence = s.score;
        out.sequence = s;
      }
    }
    if (this.enabled('beaconing') && obs.arrivals) {
      const b = this.beaconing.scoreOne(obs.entity, obs.arrivals);
      if (b) {
        raw.beaconing = b.score;
        out.beacon = b.top;
      }
    }
    out.z = this.standardise(raw);
    out.fused = this.fuse(out.z);
    return out;
  }

  /**
   * Surprisal of each scored feature's deviation under that feature's own standardiser — the one
   * for cold-start entities when the entity is cold (then the other one until it exists).
   */
  private featureSurprisals(b: BaselineScore): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of Object.keys(b.deviation)) {
      if (Number.isNaN(b.z[name])) continue;
      const key = deviationKey(name, b.coldStart);
      const st = this.featureStandardisers.get(key) ?? this.featureStandardisers.get(deviationKey(name, !b.coldStart));
      out[name] = st ? st.surprisal(b.deviation[name]) : Math.LN2;
    }
    return out;
  }

  /**
   * Teach each feature's standardiser the deviations of an admitted window. Deviations of
   * cold-start entities (measured against their peers) and of warm ones (against their own
   * history) are kept apart: new entities routinely differ from their peers by more than a known
   * entity differs from itself, and one pool would make 29 failed logins from a known IP look as
   * ordinary as a new VPN address's first few.
   */
  private learnDeviations(b: BaselineScore, maxSurprisal = Infinity, obs?: Observation): void {
    for (const name of Object.keys(b.deviation)) {
      if (Number.isNaN(b.z[name])) continue;
      const key = deviationKey(name, b.coldStart);
      let st = this.featureStandardisers.get(key);
      if (!st) {
        st = newFeatureStandardiser();
        this.featureStandardisers.set(key, st);
      }
      // A deviation as surprising as a firing model teaches the scale once per entity and repeatWindow.
      if (maxSurprisal < Infinity && obs && st.surprisal(b.deviation[name]) >= maxSurprisal && !this.firstExtreme(key, obs)) continue;
      st.update(b.deviation[name]);
    }
  }

  /**
   * Whether this entity may teach `scale` an extreme score now (none taught within repeatWindow);
   * if so, remembers the time. Entries older than repeatWindow are pruned as the map grows.
   */
  private firstExtreme(scale: string, obs: Observation): boolean {
    const repeat = this.params.repeatWindow ?? DAY_MS;
    let seen = this.extremes.get(scale);
    if (!seen) {
      seen = new Map();
      this.extremes.set(scale, seen);
    }
    const last = seen.get(obs.entity);
    if (last !== undefined && obs.time - last < repeat) return false;
    seen.delete(obs.entity); // re-insert: the map stays in time order of admission
    seen.set(obs.entity, obs.time);
    if (seen.size > 1024) for (const [k, t] of seen) if (obs.time - t >= repeat) seen.delete(k);
    return true;
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

  /** max(S, T) over the enabled models with input (0 when none had input); see the file comment. */
  private fuse(z: Partial<Record<ModelName, number>>): number {
    const floor = this.params.zFloor ?? -3;
    let num = 0;
    let den = 0;
    let wsum = 0;
    for (const m of MODEL_NAMES) {
      const zm = z[m];
      if (zm === undefined || !this.enabled(m)) continue;
      const w = this.params.models[m].weight;
      num += w * Math.max(zm, floor);
      den += w * w;
      wsum += w;
    }
    if (den === 0) return 0;
    const S = num / Math.sqrt(den);
    // Weighted Bonferroni: the most significant model, its p̂ scaled by Σw / w_m.
    let logP = 0;
    for (const m of MODEL_NAMES) {
      const zm = z[m];
      if (zm === undefined || !this.enabled(m)) continue;
      logP = Math.min(logP, logUpperTail(zm) + Math.log(wsum / this.params.models[m].weight));
    }
    const T = logP >= 0 ? -Infinity : zFromLogUpperTail(logP);
    return Math.max(S, T);
  }

  /** Split the fused evidence over features and findings (see explain/evidence.ts). */
  private evidence(obs: Observation, a: Assessment): Evidence[] {
    // A model's share of the anomaly: its weighted positive standardised score.
    const excess = (m: ModelName): number => (a.z[m] === undefined || !this.enabled(m) ? 0 : Math.max(0, a.z[m]) * this.params.models[m].weight);
    let total = 0;
    for (const m of MODEL_NAMES) total += excess(m);
    const share = (m: ModelName): number => (total > 0 ? excess(m) / total : 0);
    const byFeature = new Map<string, number>();
    const addFeature = (name: string, c: number): void => {
      if (c > 0) byFeature.set(name, (byFeature.get(name) ?? 0) + c);
    };
    const b = a.baseline;
    if (b) {
      let sum = 0;
      for (const k of Object.keys(b.deviation)) sum += b.deviation[k] ** 2;
      const fs = a.featureSurprisal;
      let fsum = 0;
      if (fs) for (const k of Object.keys(fs)) fsum += Math.max(0, fs[k] - 2);
      if (total > 0) {
        if (fs && fsum > 0) for (const k of Object.keys(fs)) addFeature(k, (share('zscore') * Math.max(0, fs[k] - 2)) / fsum);
        else if (sum > 0) for (const k of Object.keys(b.deviation)) addFeature(k, (share('zscore') * b.deviation[k] ** 2) / sum);
      } else if (sum > 0) {
        // Nothing anomalous: still say which features are furthest from typical, by their deviation.
        for (const k of Object.keys(b.deviation)) addFeature(k, b.deviation[k] ** 2 / sum);
      }
    }
    if (a.row && this.forest && share('iforest') > 0) {
      const c = this.forest.contributions(a.row);
      for (let j = 0; j < c.length; j++) addFeature(this.features[j], share('iforest') * c[j]);
    }
    const out: Evidence[] = [];
    for (const [name, contribution] of byFeature) {
      out.push({ kind: 'feature', name, actual: obs.features[name] ?? NaN, typical: b?.typical[name] ?? this.baseline.typical(obs.entity, name, obs.time), contribution });
    }
    if (a.rarity && share('rarity') > 0) {
      let sum = 0;
      for (const t of a.rarity.top) sum += t.surprise;
      const typical = this.standardisers.rarity.center / Math.max(1, a.rarity.fieldsScored);
      for (const t of a.rarity.top) {
        if (sum > 0) {
          out.push({ kind: 'rarity', field: t.field, value: t.value, surprise: t.surprise, typicalSurprise: typical, probability: t.probability, firstSeen: t.firstSeen, populationFirstSeen: t.populationFirstSeen, contribution: (share('rarity') * t.surprise) / sum });
        }
      }
    }
    if (a.sequence && share('sequence') > 0) {
      const w = a.sequence.worst;
      out.push({ kind: 'sequence', from: w.from, to: w.to, surprise: a.sequence.score, typicalSurprise: this.standardisers.sequence.center, firstSeen: w.firstSeen, contribution: share('sequence') });
    }
    if (a.beacon && share('beaconing') > 0) {
      const t = a.beacon;
      out.push({ kind: 'beaconing', destination: t.destination, periodMs: t.periodMs, arrivals: t.arrivals, robustCv: t.robustCv, score: t.score, typicalScore: this.standardisers.beaconing.center, contribution: share('beaconing') });
    }
    return out;
  }

  /** `flagged`: the window alerted (the baseline keeps it out of a cold-start entity's excuses). */
  private learnModels(o: Observation, flagged = false): void {
    this.baseline.learnOne(o.entity, o.features, o.time, flagged);
    const categorical = this.categoricalOf(o);
    if (categorical) this.rarity.learnOne(o.entity, categorical, o.time, flagged);
    if (o.actions && o.actions.length > 0) this.sequence.learnOne(o.entity, o.actions, o.time, flagged);
    if (o.arrivals) this.beaconing.learnOne(o.entity, o.arrivals);
  }

  /**
   * The categorical values the rarity model sees: the observation's own, plus its distinct actions
   * as the field "action" (unless given), so a first-time action is flagged first-seen even when the
   * sequence around it looks ordinary.
   */
  private categoricalOf(o: Observation): Record<string, string[]> | undefined {
    if (!o.actions || o.actions.length === 0 || (o.categorical && 'action' in o.categorical)) return o.categorical;
    return { ...o.categorical, action: o.actions };
  }

  /** The observation's features in column order, signed-log1p transformed (NaN = missing). */
  private toRow(o: Observation): Float64Array {
    const row = new Float64Array(this.features.length);
    for (let j = 0; j < this.features.length; j++) {
      const v = o.features[this.features[j]];
      row[j] = typeof v === 'number' && Number.isFinite(v) ? Math.sign(v) * Math.log1p(Math.abs(v)) : NaN;
    }
    return row;
  }

  /** Keep the row for future forest refits (ring of `memory` rows). */
  private remember(row: Float64Array): void {
    const memory = this.params.iforest?.memory ?? 4096;
    if (row.length !== this.ringWidth) {
      // New features: widen the ring, padding old rows with NaN (imputed at refit).
      const width = row.length;
      const next = new Float64Array(memory * width).fill(NaN);
      for (let r = 0; r < this.ringCount; r++) for (let j = 0; j < Math.min(width, this.ringWidth); j++) next[r * width + j] = this.ring[r * this.ringWidth + j];
      this.ring = next;
      this.ringWidth = width;
    }
    this.ring.set(row, this.ringPos * this.ringWidth);
    this.ringPos = (this.ringPos + 1) % memory;
    if (this.ringCount < memory) this.ringCount++;
  }

  private refitForest(): void {
    this.sinceRefit = 0;
    if (this.ringCount === 0 || this.ringWidth === 0) return;
    const data = this.ring.slice(0, this.ringCount * this.ringWidth);
    this.forest = this.newForest().fit({ data, rows: this.ringCount, cols: this.ringWidth });
    this.refits++;
  }

  /** Each (re)fit draws from its own seed so refits are reproducible and different from each other. */
  private newForest(): IsolationForest {
    const p = this.params.iforest ?? {};
    return new IsolationForest({ nEstimators: p.nEstimators ?? 100, maxSamples: p.maxSamples ?? 256, maxFeatures: p.maxFeatures ?? 1, seed: this.params.seed + 7919 * this.refits });
  }

  /** Fresh models, standardisers, threshold and calibration (fit() starts from scratch). */
  private reset(): void {
    const p = this.params;
    this.features = [];
    this.fitted = false;
    this.alpha = initialAlpha(p.threshold);
    this.learned = 0;
    this.forest = null;
    this.ring = new Float64Array(0);
    this.ringWidth = 0;
    this.ringPos = 0;
    this.ringCount = 0;
    this.sinceRefit = 0;
    this.refits = 0;
    this.baseline = new RobustBaseline({ ...p.baseline, seed: p.seed });
    this.rarity = new Rarity(p.rarity);
    this.sequence = new SequenceModel(p.sequence);
    this.beaconing = new Beaconing(p.beaconing);
    this.standardisers = newStandardisers();
    this.featureStandardisers = new Map();
    this.extremes = new Map();
    this.threshold = new DriftThreshold(thresholdParams(this.alpha, { capacity: p.thresholdWindow ?? 5000 }));
    this.calibration = p.calibration ? { ...p.calibration, source: 'fixed' } : defaultCalibration(0, 3);
  }
}

/** Ensemble parameters with every model on at weight 1 and a 1% target false-positive rate. */
export function defaultEnsembleParams(seed = 42): EnsembleParams {
  const on = { enabled: true, weight: 1 };
  return { seed, models: { iforest: { ...on }, zscore: { ...on }, rarity: { ...on }, sequence: { ...on }, beaconing: { ...on } }, threshold: { targetFpr: 0.01 } };
}

/** Key of a feature's deviation standardiser: warm entities under the name, cold-start ones apart. */
function deviationKey(name: string, coldStart: boolean): string {
  return coldStart ? `${name}\u0000cold` : name;
}

/**
 * Deviations per feature, in robust σ units: most are 0 (ties). The tail scale floor is one σ:
 * beyond the largest deviation seen so far, each further σ costs at least one nat. A smaller
 * floor (it was 0.05σ) turned a deviation of 0.7σ just past a short warm-up's all-zero history
 * into 14 nats — a burst of 2 logins for a user who usually has 1 outranked 60 failed logins.
 */
function newFeatureStandardiser(): RobustStandardiser {
  return new RobustStandardiser(1024, 64, 1);
}

/**
 * The zscore model's raw score: per-feature surprisal beyond 2 nats (p̂ ≈ 0.14, a deviation an
 * ordinary window shows by chance), summed — one strongly deviating feature, or several clearly
 * deviating ones, rather than the small noise of many.
 */
function zscoreRaw(fs: Record<string, number>): number {
  let sum = 0;
  for (const k of Object.keys(fs)) sum += Math.max(0, fs[k] - 2);
  return sum;
}

function newStandardisers(): Record<ModelName, RobustStandardiser> {
  const out = {} as Record<ModelName, RobustStandardiser>;
  for (const m of MODEL_NAMES) out[m] = new RobustStandardiser(4096, 128, MIN_SCALE[m]);
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
    if (!t || typeof t.enabled !== 'boolean' || !(t.weight >= 0)) throw new RangeError(`ensemble: models.${m} must be { enabled: boolean, weight: number ≥ 0 }`);
  }
  if (!MODEL_NAMES.some((m) => p.models[m].enabled && p.models[m].weight > 0)) throw new RangeError('ensemble: enable at least one model with a weight > 0');
  const t = p.threshold;
  if (!t || !('targetFpr' in t || 'alertsPerDay' in t)) throw new RangeError('ensemble: threshold must be { targetFpr } or { alertsPerDay, windowsPerDay? }');
  if ('targetFpr' in t && !(t.targetFpr > 0 && t.targetFpr < 1)) throw new RangeError(`ensemble: threshold.targetFpr must be in (0, 1), got ${t.targetFpr}`);
  if ('alertsPerDay' in t && !(t.alertsPerDay > 0)) throw new RangeError(`ensemble: threshold.alertsPerDay must be > 0, got ${t.alertsPerDay}`);
  if ('alertsPerDay' in t && t.windowsPerDay !== undefined && !(t.windowsPerDay > 0)) throw new RangeError(`ensemble: threshold.windowsPerDay must be > 0, got ${t.windowsPerDay}`);
  if (p.warmupFraction !== undefined && !(p.warmupFraction >= 0 && p.warmupFraction < 1)) throw new RangeError(`ensemble: warmupFraction must be in [0, 1), got ${p.warmupFraction}`);
}
