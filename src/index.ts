/**
 * Vigil as a library: `import { IsolationForest, Ensemble } from 'vigil'`.
 *
 *   detectors   the ensemble's models behind one contract (learnOne / scoreOne / learnMany /
 *               scoreMany / toJSON), and the table detectors on a Matrix (higher = more abnormal)
 *   ensemble    Ensemble, its params and scored output
 *   features    feature specs (zod schema), presets, job plans, and the in-memory `detect` over
 *               NDJSON events
 *   engine      the Engine port and connectEngine for Elasticsearch / OpenSearch
 */
export { IsolationForest, type IsolationForestParams, type IsolationForestState } from './models/isolation-forest.js';
export { PopulationZScore, type PopulationZScoreState } from './models/population-zscore.js';
export { matrix, matrixFromRows, type Matrix } from './models/matrix.js';
export {
  OnlineDetector,
  type DetectorFactory,
  type DetectorParams,
  type EntityDetector,
  type EvidenceContext,
  type Finding,
  type ScoreContext,
  type TableDetector,
} from './models/detector.js';
export { DETECTORS, MODEL_NAMES, type ModelName } from './models/detectors.js';
export { RefittingForest } from './models/refitting-forest.js';
export { DeviationScorer } from './models/deviation-scorer.js';
export { Rarity, RarityDetector } from './models/rarity.js';
export { SequenceDetector, SequenceModel } from './models/sequence.js';
export { Beaconing, BeaconingDetector } from './models/beaconing.js';
export { RobustBaseline } from './models/robust-baseline.js';
export type { Observation } from './models/observation.js';
export {
  defaultEnsembleParams,
  Ensemble,
  type EnsembleParams,
  type EnsembleState,
  type LabelledScore,
  type ScoredObservation,
  type ThresholdPolicy,
} from './models/ensemble.js';
export type { Evidence } from './explain/evidence.js';
export type { FeatureExplanation } from './explain/explanation.js';

export { featureSpecSchema, parseFeatureSpecs, type FeatureKind, type FeatureSpec, type FeatureSpecInput } from './config/feature-spec.js';
export { jobSchema, type JobConfig } from './config/job.js';
export { PRESETS, resolveJob, type PresetName } from './features/presets.js';
export { planJob, type JobPlan } from './pipeline/job-plan.js';
export { detect, loadEvents, NdjsonSink, type DetectOptions, type DetectResult, type LoadedEvents } from './pipeline/detect.js';
export type { AnomalyDocument } from './anomaly/document.js';

export type { Engine, EngineInfo, JsonObject, JsonValue } from './engine/engine.js';
export { connectEngine } from './engine/connect.js';
export type { ClusterConfig } from './config/cluster.js';
export { VIGIL_VERSION } from './pipeline/version.js';
