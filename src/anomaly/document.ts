/**
 * The anomaly document Vigil writes for every scored entity-window: ECS where ECS has a field
 * (`event.kind: alert`, risk score, rule, related, threat), Vigil's own fields under `vigil.*`.
 * Its mapping is mappings/anomalies.index-template.json; dashboards, the alerting connector and
 * the evaluation read exactly these fields. Ids are deterministic (job, entity, window).
 */
import { createHash } from 'node:crypto';
import type { FeatureExplanation } from '../explain/explanation.js';
import type { ModelName } from '../models/detectors.js';

export type { FeatureExplanation } from '../explain/explanation.js';
export type { ModelName } from '../models/detectors.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface AnomalyDocument {
  '@timestamp': string;
  event: {
    kind: 'alert';
    module: 'vigil';
    dataset: 'vigil.anomaly';
    category: string[];
    type: string[];
    /** 0–100, equals vigil.score rounded. */
    risk_score: number;
    risk_score_norm: number;
    severity: number;
    /** The one-line narrative. */
    reason: string;
    start: string;
    end: string;
  };
  rule: { id: string; name: string; version: string; ruleset: 'vigil' };
  user?: { name: string };
  host?: { name: string };
  source?: { ip: string };
  destination?: { ip: string };
  related: { ip: string[]; user: string[]; hosts: string[] };
  threat?: {
    framework: 'MITRE ATT&CK';
    tactic: { id: string[]; name: string[] };
    technique: { id: string[]; name: string[]; reference: string[] };
  };
  vigil: {
    job_id: string;
    entity: { field: string; value: string };
    window: { start: string; end: string };
    /** 0–100. */
    score: number;
    /** Calibrated probability that this entity-window is anomalous. */
    probability: number;
    fused_score: number;
    threshold: number;
    is_alert: boolean;
    severity: Severity;
    /** Standardised score of each model that ran. */
    models: Partial<Record<ModelName, number>>;
    models_fired: ModelName[];
    features: FeatureExplanation[];
    top_feature: string;
    /**
     * Actual and typical value of `top_feature`, flattened out of the nested `features` list
     * because Lens and OpenSearch Dashboards visualizations cannot aggregate nested fields
     * (the Entity investigation dashboard charts them). Omitted when there is no top feature.
     */
    top_feature_actual?: number;
    top_feature_typical?: number;
    explanation: string;
    event_count: number;
    model_version: string;
    partition: number;
    /**
     * The ensemble's own fused score, present once the relational correlator
     * (src/pipeline/correlator.ts) lifted `fused_score` with risk from linked entity-windows.
     */
    own_fused_score?: number;
    relational?: RelationalFields;
  };
}

/** How the correlator lifted a document's score (src/models/relational.ts). */
export interface RelationalFields {
  /** fused_score − own_fused_score. */
  lift: number;
  /** Id of the anomaly document that contributed most. */
  source_key: string;
  /** Its entity value, and its job. */
  source_entity: string;
  source_job: string;
  /** The link: same_entity, ip, user, hosts or related. */
  via: string;
  /** Id of the document whose own evidence the incident rests on (group alerts by it). */
  root: string;
  /** The clause appended to `explanation` / `event.reason` ('' when none). */
  clause: string;
}

/** Per-window run record written to the status index (ElastAlert2's writeback idea), read by the Pipeline health dashboard. */
export interface StatusDocument {
  '@timestamp': string;
  vigil: {
    status: {
      job_id: string;
      partition: number;
      window_start: string;
      window_end: string;
      /** Seconds between window end and when it was scored. */
      lag_seconds: number;
      events: number;
      entities: number;
      anomalies_written: number;
      alerts: number;
      documents_rejected: number;
      alerts_delivered: number;
      alerts_retried: number;
      alerts_dead_lettered: number;
      duration_ms: number;
      mode: 'run' | 'backfill';
    };
  };
}

/**
 * `vigil.top_feature` of an entity-window where no feature stands out (nothing deviates from its
 * baseline): a readable label instead of an empty string, so a terms table has no blank row.
 */
export const NO_TOP_FEATURE = '(no feature stands out)';

export function severityOf(score: number): Severity {
  if (score >= 90) return 'critical';
  if (score >= 75) return 'high';
  if (score >= 50) return 'medium';
  return 'low';
}

/** Deterministic id: a re-run of the same job, entity and window overwrites instead of duplicating. */
export function anomalyId(jobId: string, entityField: string, entityValue: string, windowStartMs: number): string {
  return createHash('sha256').update(`${jobId}\u0000${entityField}\u0000${entityValue}\u0000${windowStartMs}`).digest('hex').slice(0, 40);
}
