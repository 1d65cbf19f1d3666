/**
 * The deviation scorer ("zscore"): the robust z of each feature against the entity's own
 * median/MAD (its peers' on cold start, robust-baseline.ts), each feature's deviation judged
 * against how often that feature deviates so much — a busy hour is common for process counts,
 * 26 failed logins is not:
 *
 *     raw = Σ_features (−ln p̂_f(d_f) − 2)⁺
 *
 * p̂_f is the tail probability of the deviation among the feature's recent deviations of admitted
 * windows (standardiser.ts). Deviations of cold-start entities (judged against their peers) and of
 * known ones (against their own history) are standardised apart: new entities routinely differ
 * from their peers by more than a known entity differs from itself, and one pool would make 29
 * failed logins from a known IP look as ordinary as a new VPN address's first few.
 *
 * The baseline is also the ensemble's notion of "typical": the typical value shown beside a
 * feature in the explanation, and whether the entity is still on cold start.
 */
import type { FeatureContribution } from '../explain/attribution.js';
import {
  OnlineDetector,
  type DetectorFactory,
  type DetectorParams,
  type EvidenceContext,
  type Finding,
  type ScoreContext,
} from './detector.js';
import type { ExtremeGate } from './extreme-gate.js';
import type { Observation } from './observation.js';
import {
  RobustBaseline,
  type BaselineScore,
  type Direction,
  type ReservoirState,
  type RobustBaselineParams,
  type RobustBaselineState,
} from './robust-baseline.js';
import { RobustStandardiser, type StandardiserState } from './standardiser.js';

export interface DeviationParams extends DetectorParams {
  baseline?: Partial<Omit<RobustBaselineParams, 'seed'>>;
  /** Which deviations of a feature count: 'up' (default), 'down' or 'both' (default for names containing "hour"). */
  featureDirections?: Record<string, Direction>;
}

export interface DeviationFinding extends Finding {
  readonly baseline: BaselineScore;
  /** Per-feature surprisal of the deviation, nats. */
  readonly featureSurprisal: Record<string, number>;
}

export interface DeviationScorerState {
  baseline: RobustBaselineState;
  featureStandardisers: Record<string, StandardiserState>;
}

export class DeviationScorer extends OnlineDetector<DeviationFinding, DeviationScorerState> {
  readonly name = 'zscore';
  private baseline: RobustBaseline;
  /** Per numeric feature (cold-start entities apart): standardiser of the deviation. */
  private featureStandardisers = new Map<string, RobustStandardiser>();

  constructor(private readonly params: DeviationParams) {
    super();
    this.baseline = new RobustBaseline({ ...params.baseline, seed: params.seed });
  }

  /** The entity has too few windows for its own baseline: its typical values are its peers'. */
  isColdStart(entity: string): boolean {
    return this.baseline.observations(entity) < (this.baseline.params.minObservations ?? 8);
  }

  /** The baseline's verdict on the window's features (robust z, deviation, typical per feature). Pure read. */
  describe(obs: Observation): BaselineScore {
    return this.baseline.scoreOne(obs.entity, obs.features, this.direction, obs.time);
  }

  /** The entity's (or on cold start the peers') median of a feature; NaN when unknown. */
  typical(entity: string, feature: string, time?: number): number {
    return this.baseline.typical(entity, feature, time);
  }

  scoreOne(obs: Observation, ctx?: ScoreContext): DeviationFinding | undefined {
    const b = ctx?.baseline ?? this.describe(obs);
    if (b.scored === 0) return undefined;
    const featureSurprisal = this.featureSurprisals(b);
    return { score: zscoreRaw(featureSurprisal), baseline: b, featureSurprisal };
  }

  learnOne(obs: Observation, flagged = false): void {
    this.baseline.learnOne(obs.entity, obs.features, obs.time, flagged);
  }

  /**
   * After fit()'s online pass: the deviation scales learn every warm window's deviations at once,
   * then the raw scores of those windows are judged on them (before, every scale was empty).
   */
  afterWarmup(findings: readonly (DeviationFinding | undefined)[]): (number | undefined)[] {
    for (const f of findings) if (f) this.learnDeviations(f.baseline);
    for (const st of this.featureStandardisers.values()) st.refresh();
    return findings.map((f) => (f ? zscoreRaw(this.featureSurprisals(f.baseline)) : undefined));
  }

  /**
   * A window the threshold admitted teaches each feature's scale its deviation; a deviation as
   * surprising as a firing model (≥ maxSurprisal) only once per entity and repeat window (gate).
   */
  learnAdmitted(obs: Observation, maxSurprisal: number, gate: ExtremeGate): void {
    const b = this.describe(obs);
    if (b.scored > 0) this.learnDeviations(b, maxSurprisal, obs, gate);
  }

  /** Features by their share of the anomaly: by surprisal beyond 2 nats, else by squared deviation. */
  featureShares(f: DeviationFinding, ctx: EvidenceContext): FeatureContribution[] {
    if (!ctx.anomalous) return [];
    const fs = f.featureSurprisal;
    let fsum = 0;
    for (const k of Object.keys(fs)) fsum += Math.max(0, fs[k] - 2);
    if (fsum > 0) return Object.keys(fs).map((k) => ({ name: k, contribution: (ctx.share * Math.max(0, fs[k] - 2)) / fsum }));
    return deviationShares(f.baseline, ctx.share);
  }

  evictEntity(entity: string): unknown {
    return this.baseline.evictEntity(entity);
  }

  restoreEntity(entity: string, state: unknown): void {
    this.baseline.restoreEntity(entity, state as ReservoirState);
  }

  toJSON(): DeviationScorerState {
    return {
      baseline: this.baseline.toJSON(),
      featureStandardisers: Object.fromEntries([...this.featureStandardisers].map(([k, v]) => [k, v.toJSON()])),
    };
  }

  static fromJSON(state: DeviationScorerState, params: DeviationParams): DeviationScorer {
    const d = new DeviationScorer(params);
    d.baseline = RobustBaseline.fromJSON(state.baseline);
    for (const [k, v] of Object.entries(state.featureStandardisers ?? {})) d.featureStandardisers.set(k, RobustStandardiser.fromJSON(v));
    return d;
  }

  private direction = (feature: string): Direction =>
    this.params.featureDirections?.[feature] ?? (feature.includes('hour') ? 'both' : 'up');

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

  private learnDeviations(b: BaselineScore, maxSurprisal = Infinity, obs?: Observation, gate?: ExtremeGate): void {
    for (const name of Object.keys(b.deviation)) {
      if (Number.isNaN(b.z[name])) continue;
      const key = deviationKey(name, b.coldStart);
      let st = this.featureStandardisers.get(key);
      if (!st) {
        st = newFeatureStandardiser();
        this.featureStandardisers.set(key, st);
      }
      // A deviation as surprising as a firing model teaches the scale once per entity and repeat window.
      if (
        maxSurprisal < Infinity &&
        obs &&
        gate &&
        st.surprisal(b.deviation[name]) >= maxSurprisal &&
        !gate.admit(key, obs.entity, obs.time)
      )
        continue;
      st.update(b.deviation[name]);
    }
  }
}

/** Each feature's share by its squared deviation (how far from typical it is), scaled by `share`. */
export function deviationShares(b: BaselineScore, share = 1): FeatureContribution[] {
  let sum = 0;
  for (const k of Object.keys(b.deviation)) sum += b.deviation[k] ** 2;
  if (!(sum > 0)) return [];
  return Object.keys(b.deviation).map((k) => ({ name: k, contribution: (share * b.deviation[k] ** 2) / sum }));
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

export const deviationScorerFactory: DetectorFactory<'zscore', DeviationScorer, DeviationParams> = {
  name: 'zscore',
  minScale: 0.5,
  create: (params) => new DeviationScorer(params),
  fromJSON: (state, params) => DeviationScorer.fromJSON(state as DeviationScorerState, params),
};
