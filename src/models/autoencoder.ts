/**
 * The autoencoder detector ("autoencoder", the framework's reconstruction-error model, Eq. 1):
 * a small dense network x → tanh(W₁x + b₁) → W₂h + b₂ trained to reproduce the population's
 * standardised feature vectors; a window it reconstructs badly combines its features in a way the
 * population does not, even when no single feature is extreme. Score = mean squared
 * reconstruction error on standardised features (higher = more abnormal).
 *
 * Small on purpose (hidden width ≈ d/3, at least 2): it must learn the common structure, not the
 * identity. Inputs are signed-log1p transformed like the isolation forest's, then standardised with
 * running means and variances (Welford, counts capped so the scale follows drift); a missing
 * feature is imputed at the mean (0). Training is plain SGD on typed arrays with a seeded shuffle:
 * fit() runs `epochs` passes over the history, then every learned window is one online step (River's
 * learn_one); windows that alerted are not learned (quarantine). The feature set is fixed by the
 * first windows learned; a feature appearing later is ignored by this detector.
 */
import type { FeatureContribution } from '../explain/attribution.js';
import { decodeFloat64, encodeFloat64 } from './codec.js';
import { OnlineDetector, type DetectorFactory, type DetectorParams, type EvidenceContext, type Finding } from './detector.js';
import type { Observation } from './observation.js';
import { mulberry32 } from './random.js';

/** Windows learned before the detector scores (its scales and weights mean little before). */
const MIN_LEARNED = 64;
/** Cap of the running moments' count: older windows fade once it is reached. */
const MOMENT_CAP = 10_000;

export interface AutoencoderParams extends DetectorParams {
  autoencoder?: {
    /** Hidden units (default max(2, ⌈d/3⌉)). */
    hidden?: number;
    /** Passes over the fit() history (default 20). */
    epochs?: number;
    /** SGD step (default 0.01). */
    learningRate?: number;
  };
}

export interface AutoencoderFinding extends Finding {
  /** Squared reconstruction error per feature (column order). */
  readonly residuals: Float64Array;
}

export interface AutoencoderState {
  features: string[];
  hidden: number;
  learned: number;
  steps: number;
  mean: string;
  m2: string;
  count: number;
  w1: string;
  b1: string;
  w2: string;
  b2: string;
}

export class AutoencoderDetector extends OnlineDetector<AutoencoderFinding, AutoencoderState> {
  readonly name = 'autoencoder';
  private features: string[] = [];
  private hidden = 0;
  private learned = 0;
  private steps = 0;
  private mean = new Float64Array(0);
  private m2 = new Float64Array(0);
  private count = 0;
  private w1 = new Float64Array(0);
  private b1 = new Float64Array(0);
  private w2 = new Float64Array(0);
  private b2 = new Float64Array(0);
  // Scratch buffers: no allocation per observation on the hot path.
  private x = new Float64Array(0);
  private h = new Float64Array(0);
  private y = new Float64Array(0);

  constructor(private readonly params: AutoencoderParams) {
    super();
  }

  override learnMany(history: readonly Observation[]): void {
    if (history.length === 0) return;
    if (this.features.length === 0) this.init(history);
    for (const o of history) this.updateMoments(o);
    const rng = mulberry32(this.params.seed + 104_729);
    const order = Uint32Array.from(history.keys());
    const epochs = this.params.autoencoder?.epochs ?? 20;
    for (let e = 0; e < epochs; e++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const i of order) this.step(history[i]);
    }
    this.learned += history.length;
  }

  learnOne(obs: Observation, flagged = false): void {
    if (flagged) return;
    if (this.features.length === 0) this.init([obs]);
    this.updateMoments(obs);
    this.step(obs);
    this.learned++;
  }

  scoreOne(obs: Observation): AutoencoderFinding | undefined {
    if (this.learned < MIN_LEARNED || this.features.length === 0) return undefined;
    if (!this.features.some((f) => Number.isFinite(obs.features[f]))) return undefined;
    this.forward(obs);
    const d = this.features.length;
    const residuals = new Float64Array(d);
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const r = (this.x[j] - this.y[j]) ** 2;
      residuals[j] = r;
      sum += r;
    }
    return { score: sum / d, residuals };
  }

  /** Each feature's share of the reconstruction error, scaled by the detector's share of the anomaly. */
  featureShares(finding: AutoencoderFinding, ctx: EvidenceContext): FeatureContribution[] {
    if (!(ctx.share > 0)) return [];
    let total = 0;
    for (const r of finding.residuals) total += r;
    if (!(total > 0)) return [];
    return this.features.map((name, j) => ({ name, contribution: (ctx.share * finding.residuals[j]) / total }));
  }

  toJSON(): AutoencoderState {
    return {
      features: [...this.features],
      hidden: this.hidden,
      learned: this.learned,
      steps: this.steps,
      mean: encodeFloat64(this.mean),
      m2: encodeFloat64(this.m2),
      count: this.count,
      w1: encodeFloat64(this.w1),
      b1: encodeFloat64(this.b1),
      w2: encodeFloat64(this.w2),
      b2: encodeFloat64(this.b2),
    };
  }

  static fromJSON(state: AutoencoderState | undefined, params: AutoencoderParams): AutoencoderDetector {
    const a = new AutoencoderDetector(params);
    // A checkpoint written before this detector existed: start it fresh.
    if (!state) return a;
    a.features = [...state.features];
    a.hidden = state.hidden;
    a.learned = state.learned;
    a.steps = state.steps;
    a.mean = decodeFloat64(state.mean);
    a.m2 = decodeFloat64(state.m2);
    a.count = state.count;
    a.w1 = decodeFloat64(state.w1);
    a.b1 = decodeFloat64(state.b1);
    a.w2 = decodeFloat64(state.w2);
    a.b2 = decodeFloat64(state.b2);
    a.allocateScratch();
    return a;
  }

  /** Column order and seeded small weights (Xavier-uniform), from the first windows seen. */
  private init(sample: readonly Observation[]): void {
    const names = new Set<string>();
    for (const o of sample) for (const k of Object.keys(o.features)) names.add(k);
    this.features = [...names].sort();
    const d = this.features.length;
    this.hidden = this.params.autoencoder?.hidden ?? Math.max(2, Math.ceil(d / 3));
    const h = this.hidden;
    const rng = mulberry32(this.params.seed + 7_877);
    const limit = Math.sqrt(6 / (d + h));
    const uniform = () => (2 * rng() - 1) * limit;
    this.w1 = Float64Array.from({ length: h * d }, uniform);
    this.b1 = new Float64Array(h);
    this.w2 = Float64Array.from({ length: d * h }, uniform);
    this.b2 = new Float64Array(d);
    this.mean = new Float64Array(d);
    this.m2 = new Float64Array(d);
    this.allocateScratch();
  }

  private allocateScratch(): void {
    this.x = new Float64Array(this.features.length);
    this.y = new Float64Array(this.features.length);
    this.h = new Float64Array(this.hidden);
  }

  private raw(o: Observation, j: number): number {
    const v = o.features[this.features[j]];
    return typeof v === 'number' && Number.isFinite(v) ? Math.sign(v) * Math.log1p(Math.abs(v)) : NaN;
  }

  private updateMoments(o: Observation): void {
    if (this.count < MOMENT_CAP) this.count++;
    for (let j = 0; j < this.features.length; j++) {
      const v = this.raw(o, j);
      if (Number.isNaN(v)) continue;
      const delta = v - this.mean[j];
      this.mean[j] += delta / this.count;
      this.m2[j] += delta * (v - this.mean[j]);
      // Capped count: keep m2 on the same footing as the mean's effective window.
      if (this.count === MOMENT_CAP) this.m2[j] *= 1 - 1 / MOMENT_CAP;
    }
  }

  /** Standardised input into x, hidden activations into h, reconstruction into y. */
  private forward(o: Observation): void {
    const d = this.features.length;
    const hid = this.hidden;
    for (let j = 0; j < d; j++) {
      const v = this.raw(o, j);
      const sd = Math.sqrt(this.m2[j] / Math.max(1, this.count - 1)) || 1;
      this.x[j] = Number.isNaN(v) ? 0 : (v - this.mean[j]) / sd;
    }
    for (let k = 0; k < hid; k++) {
      let s = this.b1[k];
      for (let j = 0; j < d; j++) s += this.w1[k * d + j] * this.x[j];
      this.h[k] = Math.tanh(s);
    }
    for (let j = 0; j < d; j++) {
      let s = this.b2[j];
      for (let k = 0; k < hid; k++) s += this.w2[j * hid + k] * this.h[k];
      this.y[j] = s;
    }
  }

  /** One SGD step on ½‖y − x‖² (gradients clipped, so one outlier cannot blow the weights up). */
  private step(o: Observation): void {
    const d = this.features.length;
    const hid = this.hidden;
    if (d === 0) return;
    this.forward(o);
    const lr = this.params.autoencoder?.learningRate ?? 0.01;
    const dh = new Float64Array(hid);
    for (let j = 0; j < d; j++) {
      const g = clip(this.y[j] - this.x[j]);
      this.b2[j] -= lr * g;
      for (let k = 0; k < hid; k++) {
        dh[k] += g * this.w2[j * hid + k];
        this.w2[j * hid + k] -= lr * g * this.h[k];
      }
    }
    for (let k = 0; k < hid; k++) {
      const g = clip(dh[k] * (1 - this.h[k] * this.h[k]));
      this.b1[k] -= lr * g;
      for (let j = 0; j < d; j++) this.w1[k * d + j] -= lr * g * this.x[j];
    }
    this.steps++;
  }
}

function clip(g: number): number {
  return g > 5 ? 5 : g < -5 ? -5 : g;
}

export const autoencoderFactory: DetectorFactory<'autoencoder', AutoencoderDetector, AutoencoderParams> = {
  name: 'autoencoder',
  minScale: 0.01,
  create: (params) => new AutoencoderDetector(params),
  fromJSON: (state, params) => AutoencoderDetector.fromJSON(state as AutoencoderState | undefined, params),
};
