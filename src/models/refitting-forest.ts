/**
 * The ensemble's isolation-forest detector ("iforest"): a population IsolationForest on the
 * window's numeric features (signed log1p), fitted on the whole fit() history and refitted every
 * `refitEvery` learned windows on a ring buffer of the latest `memory` rows, so the forest follows
 * the population as it drifts. Features that appear later widen the ring (older rows padded with
 * NaN, imputed at refit). Each (re)fit draws from its own seed: refits are reproducible and differ.
 */
import type { FeatureContribution } from '../explain/attribution.js';
import type { DetectorFactory, DetectorParams, EntityDetector, EvidenceContext, Finding } from './detector.js';
import { isEnabled, scoreEach } from './detector.js';
import { decodeFloat64, encodeFloat64 } from './codec.js';
import { IsolationForest, type IsolationForestState } from './isolation-forest.js';
import type { Observation } from './observation.js';

/** Windows learned before the first forest grows when fit() had no history. */
const MIN_FOREST_ROWS = 64;

export interface ForestParams extends DetectorParams {
  iforest?: {
    nEstimators?: number;
    maxSamples?: number;
    maxFeatures?: number;
    /** Refit on the most recent `memory` learned rows every this many learned observations (default 10,000; 0 = never). */
    refitEvery?: number;
    /** Learned rows kept for refits (default 4096). */
    memory?: number;
  };
}

export interface ForestFinding extends Finding {
  /** The window's row in the forest's columns (for attribution). */
  readonly row: Float64Array;
}

export interface RefittingForestState {
  /** Feature names in column order. */
  features: string[];
  forest: IsolationForestState | null;
  forestRing: { rows: string; pos: number; count: number; width: number; sinceRefit: number; refits: number };
}

export class RefittingForest implements EntityDetector<ForestFinding, RefittingForestState> {
  readonly name = 'iforest';
  readonly learns = 'batch';
  private features: string[] = [];
  private forest: IsolationForest | null = null;
  private ring = new Float64Array(0);
  private ringWidth = 0;
  private ringPos = 0;
  private ringCount = 0;
  private sinceRefit = 0;
  private refits = 0;

  constructor(private readonly params: ForestParams) {}

  /** Feature names in column order. */
  get featureNames(): readonly string[] {
    return this.features;
  }

  /** Fit the forest on the whole history (time order); the ring keeps its latest rows for refits. */
  learnMany(history: readonly Observation[]): void {
    const names = new Set<string>(this.features);
    for (const o of history) for (const k of Object.keys(o.features)) names.add(k);
    this.features = [...names].sort();
    const width = this.features.length;
    const data = new Float64Array(history.length * width);
    history.forEach((o, i) => {
      const row = this.toRow(o);
      data.set(row, i * width);
      this.remember(row);
    });
    if (isEnabled(this.params, this.name) && width > 0 && history.length > 0) {
      this.forest = this.newForest().fit({ data, rows: history.length, cols: width });
      this.refits++;
    }
  }

  learnOne(obs: Observation): void {
    for (const k of Object.keys(obs.features)) {
      if (!this.features.includes(k)) this.features.push(k);
    }
    this.remember(this.toRow(obs));
    if (isEnabled(this.params, this.name)) {
      const every = this.params.iforest?.refitEvery ?? 10_000;
      if ((!this.forest && this.ringCount >= MIN_FOREST_ROWS) || (every > 0 && ++this.sinceRefit >= every)) this.refit();
    }
  }

  scoreOne(obs: Observation): ForestFinding | undefined {
    if (!this.forest || !Object.values(obs.features).some((v) => Number.isFinite(v))) return undefined;
    const row = this.toRow(obs).subarray(0, this.forest.columns);
    return { score: this.forest.scoreOne(row), row };
  }

  scoreMany(obs: readonly Observation[]): Float64Array {
    return scoreEach(this, obs);
  }

  /** Each column's share of the row's isolation, scaled by the forest's share of the anomaly. */
  featureShares(finding: ForestFinding, ctx: EvidenceContext): FeatureContribution[] {
    if (!this.forest || !(ctx.share > 0)) return [];
    const c = this.forest.contributions(finding.row);
    const out: FeatureContribution[] = [];
    for (let j = 0; j < c.length; j++) out.push({ name: this.features[j], contribution: ctx.share * c[j] });
    return out;
  }

  toJSON(): RefittingForestState {
    return {
      features: [...this.features],
      forest: this.forest ? this.forest.toJSON() : null,
      forestRing: {
        rows: encodeFloat64(this.ring),
        pos: this.ringPos,
        count: this.ringCount,
        width: this.ringWidth,
        sinceRefit: this.sinceRefit,
        refits: this.refits,
      },
    };
  }

  static fromJSON(state: RefittingForestState, params: ForestParams): RefittingForest {
    const f = new RefittingForest(params);
    f.features = [...state.features];
    f.forest = state.forest ? IsolationForest.fromJSON(state.forest) : null;
    f.ring = decodeFloat64(state.forestRing.rows);
    f.ringPos = state.forestRing.pos;
    f.ringCount = state.forestRing.count;
    f.ringWidth = state.forestRing.width;
    f.sinceRefit = state.forestRing.sinceRefit;
    f.refits = state.forestRing.refits;
    return f;
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

  /** Keep the row for future refits (ring of `memory` rows). */
  private remember(row: Float64Array): void {
    const memory = this.params.iforest?.memory ?? 4096;
    if (row.length !== this.ringWidth) {
      // New features: widen the ring, padding old rows with NaN (imputed at refit).
      const width = row.length;
      const next = new Float64Array(memory * width).fill(NaN);
      for (let r = 0; r < this.ringCount; r++)
        for (let j = 0; j < Math.min(width, this.ringWidth); j++) next[r * width + j] = this.ring[r * this.ringWidth + j];
      this.ring = next;
      this.ringWidth = width;
    }
    this.ring.set(row, this.ringPos * this.ringWidth);
    this.ringPos = (this.ringPos + 1) % memory;
    if (this.ringCount < memory) this.ringCount++;
  }

  private refit(): void {
    this.sinceRefit = 0;
    if (this.ringCount === 0 || this.ringWidth === 0) return;
    const data = this.ring.slice(0, this.ringCount * this.ringWidth);
    this.forest = this.newForest().fit({ data, rows: this.ringCount, cols: this.ringWidth });
    this.refits++;
  }

  /** Each (re)fit draws from its own seed so refits are reproducible and different from each other. */
  private newForest(): IsolationForest {
    const p = this.params.iforest ?? {};
    return new IsolationForest({
      nEstimators: p.nEstimators ?? 100,
      maxSamples: p.maxSamples ?? 256,
      maxFeatures: p.maxFeatures ?? 1,
      seed: this.params.seed + 7919 * this.refits,
    });
  }
}

export const refittingForestFactory: DetectorFactory<'iforest', RefittingForest, ForestParams> = {
  name: 'iforest',
  minScale: 0.01,
  create: (params) => new RefittingForest(params),
  fromJSON: (state, params) => RefittingForest.fromJSON(state as RefittingForestState, params),
};
