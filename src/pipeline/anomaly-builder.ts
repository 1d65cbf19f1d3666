/**
 * One scored entity-window → one anomaly document (src/anomaly/document.ts): ECS fields where ECS
 * has them, Vigil's own under `vigil.*`, and the deterministic id (job, entity, window) that makes
 * every re-run overwrite instead of duplicate.
 *
 * The anomaly index mapping is strict, so the builder only emits mapped fields, only valid IPs in
 * `ip` fields, and finite numbers; every list is de-duplicated, sorted (stable documents across
 * re-runs) and capped.
 */
import { isIP } from 'node:net';
import {
  ECS_VERSION,
  NO_TOP_FEATURE,
  anomalyId,
  eventKindOf,
  severityOf,
  type AnomalyDocument,
  type FeatureExplanation,
  type ModelName,
  type Severity,
} from '../anomaly/document.js';
import type { ScoredObservation, ThreatFields } from '../models/ensemble.js';
import { round } from '../numbers.js';
import { neighbourPhrase, type NeighbourEvidence } from '../models/neighbours.js';

/** What the builder needs of a computed entity-window (a subset of the executors' EntityWindow). */
export interface EntityWindowLike {
  readonly entity: { readonly fields: readonly string[]; readonly value: string };
  /** Value of each entity field (same order as `entity.fields`). */
  readonly entityValues: Readonly<Record<string, string>> | readonly string[];
  readonly start: number;
  readonly end: number;
  readonly eventCount: number;
  readonly related?: { readonly ip?: readonly string[]; readonly user?: readonly string[]; readonly hosts?: readonly string[] };
}

export interface AnomalyJobInfo {
  readonly id: string;
  /** rule.name */
  readonly name: string;
  /** ECS event.category */
  readonly category: readonly string[];
  /** rule.version and vigil.model_version. */
  readonly modelVersion: string;
}

export interface BuiltAnomaly {
  readonly id: string;
  readonly doc: AnomalyDocument;
}

/** Upper bound on each related.* list and on features listed per document. */
const MAX_RELATED = 100;
const MAX_FEATURES = 10;

/** ECS `event.severity` numbers, the scale Elastic detection rules use (21 / 47 / 73 / 99). */
export const SEVERITY_NUMBER: Readonly<Record<Severity, number>> = { low: 21, medium: 47, high: 73, critical: 99 };

/** The entity key the ensemble keeps its per-entity state under, e.g. "user.name=alice". */
export function entityKey(window: Pick<EntityWindowLike, 'entity'>): string {
  return `${window.entity.fields.join(',')}=${window.entity.value}`;
}

/** Value of each entity field, whatever shape the executor used. */
export function entityFieldValues(window: EntityWindowLike): [string, string][] {
  const { fields } = window.entity;
  const values = window.entityValues;
  if (Array.isArray(values)) return fields.map((f, i) => [f, String(values[i] ?? '')]);
  const record = values as Readonly<Record<string, string>>;
  if (fields.length === 1 && record[fields[0]] === undefined) return [[fields[0], window.entity.value]];
  return fields.map((f) => [f, record[f] ?? '']);
}

function finiteOr(x: number, fallback: number): number {
  return Number.isFinite(x) ? x : fallback;
}

function uniqueSorted(values: Iterable<string>, keep: (v: string) => boolean = () => true): string[] {
  const set = new Set<string>();
  for (const v of values) if (typeof v === 'string' && v.length > 0 && keep(v)) set.add(v);
  return [...set].sort().slice(0, MAX_RELATED);
}

const isIp = (v: string): boolean => isIP(v) !== 0;

export function buildAnomaly(
  window: EntityWindowLike,
  scored: ScoredObservation,
  job: AnomalyJobInfo,
  partition: number,
  threat?: ThreatFields,
): BuiltAnomaly {
  const entityField = window.entity.fields.join(',');
  const id = anomalyId(job.id, entityField, window.entity.value, window.start);
  const score = round(Math.min(100, Math.max(0, finiteOr(scored.score, 0))), 2);
  const severity = severityOf(score);
  const startIso = new Date(window.start).toISOString();
  const endIso = new Date(window.end).toISOString();

  const relatedIp: string[] = [...(window.related?.ip ?? [])];
  const relatedUser: string[] = [...(window.related?.user ?? [])];
  const relatedHosts: string[] = [...(window.related?.hosts ?? [])];
  let user: AnomalyDocument['user'];
  let host: AnomalyDocument['host'];
  let source: AnomalyDocument['source'];
  let destination: AnomalyDocument['destination'];
  for (const [field, value] of entityFieldValues(window)) {
    if (!value) continue;
    if (field === 'user.name') user = { name: value };
    else if (field === 'host.name') host = { name: value };
    else if (field === 'source.ip' && isIp(value)) source = { ip: value };
    else if (field === 'destination.ip' && isIp(value)) destination = { ip: value };
    // Whatever the entity is, it belongs in related.* for cross-index pivots.
    if (field.endsWith('.ip') || field === 'ip') relatedIp.push(value);
    else if (field.endsWith('user.name')) relatedUser.push(value);
    else if (field.endsWith('host.name') || field.endsWith('.hostname') || field === 'host.hostname') relatedHosts.push(value);
  }

  const features = scored.contributions
    .filter((f) => Number.isFinite(f.actual))
    .slice(0, MAX_FEATURES)
    .map((f): FeatureExplanation => ({
      name: f.name,
      actual: f.actual,
      typical: finiteOr(f.typical, 0),
      contribution: round(finiteOr(f.contribution, 0)),
    }));
  const models: Partial<Record<ModelName, number>> = {};
  for (const [name, value] of Object.entries(scored.models) as [ModelName, number | undefined][]) {
    if (value !== undefined && Number.isFinite(value)) models[name] = round(value);
  }
  const reason =
    scored.narrative.trim() || `${entityField} ${window.entity.value}: anomaly score ${Math.round(score)} (${severity}) in job ${job.id}`;
  const threatFields = threat ?? scored.threat;

  const doc: AnomalyDocument = {
    // The window end: the moment the anomaly became knowable (and stable across re-runs, unlike the wall clock).
    '@timestamp': endIso,
    ecs: { version: ECS_VERSION },
    event: {
      kind: eventKindOf(scored.isAlert),
      module: 'vigil',
      dataset: 'vigil.anomaly',
      category: [...job.category],
      type: ['info'],
      risk_score: Math.round(score),
      risk_score_norm: score,
      severity: SEVERITY_NUMBER[severity],
      reason,
      start: startIso,
      end: endIso,
    },
    rule: { id: job.id, name: job.name, version: job.modelVersion, ruleset: 'vigil' },
    ...(user ? { user } : {}),
    ...(host ? { host } : {}),
    ...(source ? { source } : {}),
    ...(destination ? { destination } : {}),
    related: { ip: uniqueSorted(relatedIp, isIp), user: uniqueSorted(relatedUser), hosts: uniqueSorted(relatedHosts) },
    ...(threatFields && threatFields.technique.id.length > 0 ? { threat: threatFields } : {}),
    vigil: {
      job_id: job.id,
      entity: { field: entityField, value: window.entity.value },
      window: { start: startIso, end: endIso },
      score,
      probability: round(finiteOr(scored.probability, 0), 6),
      fused_score: round(finiteOr(scored.fused, 0)),
      threshold: round(finiteOr(scored.threshold, 0)),
      is_alert: scored.isAlert,
      severity,
      models,
      models_fired: [...scored.fired].sort(),
      features,
      top_feature: features[0]?.name ?? NO_TOP_FEATURE,
      ...(features[0] ? { top_feature_actual: features[0].actual, top_feature_typical: features[0].typical } : {}),
      explanation: reason,
      event_count: window.eventCount,
      model_version: job.modelVersion,
      partition,
      // The ensemble had no threshold yet (warming up) or the entity no history of its own.
      warming_up: scored.coldStart || !Number.isFinite(scored.threshold),
    },
  };
  return { id, doc };
}

/**
 * Adds the nearest-neighbour evidence (src/models/neighbours.ts) to a built document:
 * `vigil.neighbours` (the k nearest past windows of the entity, the verdict and its sentence), and
 * on the ensemble's own alerts the sentence is appended to the narrative.
 */
export function withNeighbours(built: BuiltAnomaly, evidence: NeighbourEvidence): BuiltAnomaly {
  const v = built.doc.vigil;
  const summary = neighbourPhrase(evidence);
  v.neighbours = {
    verdict: evidence.verdict,
    compared: evidence.compared,
    times: evidence.nearest.map((n) => new Date(n.time).toISOString()),
    distances: evidence.nearest.map((n) => n.distance),
    ...(evidence.usual !== null ? { usual_distance: evidence.usual } : {}),
    summary,
  };
  if (v.is_alert && evidence.verdict !== 'no history') {
    v.explanation = `${v.explanation} ${summary[0].toUpperCase()}${summary.slice(1)}.`;
    built.doc.event.reason = v.explanation;
  }
  return built;
}
