/**
 * What an events evaluation computes and returns, whichever way it ran (in memory or in a
 * cluster): the types shared by events-eval.ts, cluster-eval.ts and the HTML report, kept apart
 * so none of them imports another for its types.
 */
import type { JobConfig } from '../config/job.js';
import type { JobPlan } from '../pipeline/job-plan.js';
import type { SinkReport } from '../simulate/sinks.js';
import type { EvaluationResult } from './evaluate.js';
import type { StaticRule } from './rules.js';
import type { ScoredWindow } from './scored-window.js';
import type { AnalystFigures } from './analyst.js';

export interface ScoringInput {
  readonly eventsPath: string;
  readonly jobs: JobConfig[];
  readonly plans: JobPlan[];
  readonly rules: Map<string, StaticRule[]>;
  readonly scoreFrom: number;
  readonly timeField: string;
}

/** What scoring produced, whichever way it ran. */
export interface ScoringOutput {
  readonly windows: ScoredWindow[];
  readonly processingMs: number[];
  readonly rules: ReadonlyMap<string, StaticRule[]>;
  readonly fieldIssues: Record<string, { missing: number; mistyped: number }>;
  readonly anomalyIndex?: string;
}

export interface ClusterIndices {
  readonly events: string;
  readonly anomalies: string;
  readonly state: string;
  readonly status: string;
  readonly deadLetter: string;
}

export interface ClusterRunResult extends ScoringOutput {
  readonly indices: ClusterIndices;
  readonly load?: SinkReport;
  readonly alerts: { delivered: number; retried: number; deadLettered: number; suppressed: number };
  readonly anomalyCount: number;
}

export interface EventsEvaluation {
  readonly result: EvaluationResult;
  /** Incidents-level figures (attacks caught at N incidents/day, false incidents/day, time to detect). */
  readonly analyst: AnalystFigures;
  readonly jobs: readonly { id: string; preset?: string; window: string; slide: string; entity: string; features: number }[];
  readonly rules: Record<string, readonly { name: string; type: string; threshold: number; description: string }[]>;
  readonly events: number;
  readonly badLines: number;
  readonly warmupMs: number;
  readonly mode: 'memory' | 'cluster';
  readonly elapsedMs: number;
  readonly fieldIssues: Record<string, { missing: number; mistyped: number }>;
  /** Cluster mode: where the anomalies are. */
  readonly anomalyIndex?: string;
  readonly cluster?: { indices: ClusterIndices; alerts: ClusterRunResult['alerts']; anomalyCount: number; load?: SinkReport };
  /** With keepWindows: the scored windows the figures were computed from, and the scored span [scoreFrom, scoreTo). */
  readonly scored?: { readonly windows: readonly ScoredWindow[]; readonly scoreFrom: number; readonly scoreTo: number };
}
