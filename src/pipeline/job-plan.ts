/**
 * A configured job turned into everything the pipeline needs to run it: the window arithmetic,
 * the feature request template for the executors, the ensemble parameters, and the identifiers
 * that tie stored state and anomaly documents to the settings they were produced with.
 */
import { createHash } from 'node:crypto';
import type { JobConfig } from '../config/job.js';
import type { WindowRequest } from '../features/executor.js';
import { resolveJob, type ResolvedJob } from '../features/presets.js';
import type { EnsembleParams } from '../models/ensemble.js';
import { durationMs } from '../config/duration.js';
import { validateSpec, warmupWindowCount, type TimeWindow, type WindowSpec } from './window-planner.js';
import type { AnomalyJobInfo } from './anomaly-builder.js';
import { VIGIL_VERSION } from './version.js';

/** A job merged with its preset (src/features/presets.ts). */
export type ResolvedFeatures = ResolvedJob;

export interface JobPlan {
  readonly job: JobConfig;
  readonly spec: WindowSpec;
  readonly warmupMs: number;
  readonly warmupWindows: number;
  readonly resolved: ResolvedFeatures;
  readonly ensembleParams: EnsembleParams;
  /** Hash of every setting the fitted model depends on: a change makes the runner re-fit. */
  readonly configHash: string;
  readonly info: AnomalyJobInfo;
  /** The executor request for one window of one partition. */
  request(window: TimeWindow, partition: { index: number; count: number }): Omit<WindowRequest, 'baseline'>;
}

export function ensembleParamsOf(job: JobConfig, resolved: ResolvedJob): EnsembleParams {
  const threshold =
    'target_fpr' in job.threshold ? { targetFpr: job.threshold.target_fpr } : { alertsPerDay: job.threshold.alerts_per_day };
  // Feature labels and ATT&CK techniques from the specs feed the narrative and threat.* fields.
  const labels: Record<string, string> = {};
  const featureTechniques: Record<string, string> = {};
  for (const f of resolved.features) {
    if (f.label) labels[f.name] = f.label;
    if (f.technique) featureTechniques[f.name] = f.technique;
  }
  return { seed: job.seed, models: { ...job.models }, threshold, labels, featureTechniques };
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

export function planJob(job: JobConfig, resolved: ResolvedJob = resolveJob(job)): JobPlan {
  const spec: WindowSpec = { windowMs: durationMs(job.window), slideMs: durationMs(job.slide), delayMs: durationMs(job.delay) };
  try {
    validateSpec(spec);
  } catch (error) {
    throw new Error(`job ${job.id}: ${error instanceof Error ? error.message : String(error)} (check jobs[].window and jobs[].slide)`, {
      cause: error,
    });
  }
  if (resolved.entityFields.length === 0) throw new Error(`job ${job.id}: no entity_fields (set them, or choose a preset)`);
  if (resolved.features.length === 0) throw new Error(`job ${job.id}: no features (set them, or choose a preset)`);
  const warmupMs = durationMs(job.warmup);
  const ensembleParams = ensembleParamsOf(job, resolved);
  const configHash = hashOf({
    window: spec.windowMs,
    slide: spec.slideMs,
    resolved,
    ensembleParams,
  }).slice(0, 16);
  const modelVersion = `${VIGIL_VERSION}+${configHash.slice(0, 8)}`;
  return {
    job,
    spec,
    warmupMs,
    warmupWindows: warmupWindowCount(spec, warmupMs),
    resolved,
    ensembleParams,
    configHash,
    info: {
      id: job.id,
      name: job.name ?? `Vigil: ${job.id.replace(/[_-]+/g, ' ')}`,
      category: resolved.eventCategory.length > 0 ? [...resolved.eventCategory] : ['intrusion_detection'],
      modelVersion,
    },
    request: (window, partition) => ({
      index: resolved.index,
      timeField: resolved.timeField,
      ...(resolved.filter ? { filter: resolved.filter } : {}),
      entityFields: resolved.entityFields,
      ...(resolved.entityFallbacks ? { entityFallbacks: resolved.entityFallbacks } : {}),
      start: window.start,
      end: window.end,
      features: resolved.features,
      categoricalFields: resolved.categoricalFields,
      relatedFields: resolved.relatedFields,
      ...(partition.count > 1 ? { partition } : {}),
      ...(resolved.sequenceField ? { sequenceField: resolved.sequenceField } : {}),
      ...(resolved.periodicityField ? { periodicityField: resolved.periodicityField } : {}),
    }),
  };
}
