/**
 * The anomaly document Vigil writes for every scored entity-window: ECS where ECS has a field
 * (`ecs.version`, `event.kind`, risk score, rule, related, threat), Vigil's own fields under `vigil.*`.
 * `event.kind` is `alert` only on alerts (vigil.is_alert); every other scored window is a `metric`,
 * ECS's kind for a numeric measurement taken on a schedule.
 * Its mapping is mappings/anomalies.index-template.json; dashboards, the alerting connector and
 * the evaluation read exactly these fields. Ids are deterministic (job, entity, window).
 */
import { createHash } from 'node:crypto';
import type { FeatureExplanation } from '../explain/explanation.js';
import type { ModelName } from '../models/detectors.js';

export type { FeatureExplanation } from '../explain/explanation.js';
export type { ModelName } from '../models/detectors.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** The ECS version the anomaly documents conform to (fields checked against the @elastic/ecs dictionary). */
export const ECS_VERSION = '8.17.0';

export type AnomalyEventKind = 'alert' | 'metric';

export function eventKindOf(isAlert: boolean): AnomalyEventKind {
  return isAlert ? 'alert' : 'metric';
}

export interface AnomalyDocument {
  '@timestamp': string;
  ecs?: { version: string };
  event: {
    kind: AnomalyEventKind;
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
    tactic: { id: string[]; name: string[]; reference?: string[] };
    /** Techniques (T1110); their sub-techniques (T1110.001) under `subtechnique`. */
    technique: { id: string[]; name: string[]; reference: string[]; subtechnique?: { id: string[]; name: string[]; reference: string[] } };
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
    /**
     * The cut on the 0–100 score scale this document was decided with: `is_alert` ⇔ `score` ≥
     * `threshold`, always (0 < threshold ≤ 100; 100 means the day's alert budget is spent).
     */
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
     * The entity's accumulated risk after this window (standard-normal scale), from the incident
     * pass (src/incidents) that decided `score`, `threshold` and `is_alert` for the time slice.
     */
    risk?: number;
    /**
     * The job was still warming up or the entity had too little history of its own (cold start):
     * the score is capped below critical.
     */
    warming_up?: boolean;
    /** The incident this window belongs to (absent when its risk opened or joined none). */
    incident?: IncidentFields;
    /** The analyst's input applied to this window (src/feedback): verdicts, lists, calibration, callback links. */
    analyst?: AnalystFields;
    /**
     * Fairness segment (only with `fairness:` configured; src/pipeline/segment-sink.ts): the
     * entity's attribute `by` from the lookup, and `alerted` = 1 on an alert else 0, so its
     * average per segment is the segment's alert rate.
     */
    segment?: { by: string; value: string; alerted: number };
    /**
     * Nearest-neighbour evidence (src/models/neighbours.ts): the closest past windows of this
     * entity (window starts and standardised distances, closest first), how many were compared,
     * the entity's usual nearest distance, the verdict and its sentence.
     */
    neighbours?: NeighbourFields;
  };
}

export interface NeighbourFields {
  verdict: 'typical' | 'unlike its past' | 'no history';
  compared: number;
  times: string[];
  distances: number[];
  usual_distance?: number;
  summary: string;
}

/**
 * `vigil.analyst`: what the analyst's input did to a document, so nothing is muted or lifted
 * without a visible reason (mappings: vigil.analyst.*).
 */
export interface AnalystFields {
  /** A verdict given on this very document (vigil feedback / a callback). */
  verdict?: string;
  /** A benign_expected or false_positive verdict mutes this window's pattern. */
  suppressed?: boolean;
  suppressed_by?: { verdict: string; by: string; until?: string; reason: string; anomaly_id?: string };
  /** Watch-, allow- and IOC lists that matched (soft labels). */
  lists?: { name: string; kind: string; weight: number; value: string }[];
  /** Detection rules (rule_hits: the SOC's rule engine) that matched the entity in this window (soft labels). */
  rules?: string[];
  /** The fused score the incident pass saw after the analyst's input (vigil.fused_score is the ensemble's own). */
  adjusted_fused_score?: number;
  /** Verdicts (labelled windows) vigil.probability was Platt-calibrated on; absent: the ensemble's own. */
  calibration_labels?: number;
  /** Signed callback links, one per verdict (POST or GET), valid until `expires`. */
  links?: { true_positive: string; false_positive: string; benign_expected: string; expires: string };
}

/**
 * An incident: linked entities (shared related.*) and consecutive windows grouped by the incident
 * pass. The id is stable across restarts and re-runs; the connector receives it as the alert id.
 */
export interface IncidentFields {
  /** 16 hex characters (sha256 of the incident's first window start and root entity). */
  id: string;
  /** new: alerted with this slice; update: alerted before, updated now; open: tracked, not alerted. */
  status: 'new' | 'update' | 'open';
  /** `field=value` of the entity the incident started from. */
  root: string;
  /** The incident has alerted (with this slice or earlier). */
  alerted: boolean;
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
      /** Events of the window skipped because no entity field (nor fallback) held a value. */
      events_skipped_no_entity: number;
      anomalies_written: number;
      alerts: number;
      documents_rejected: number;
      alerts_delivered: number;
      alerts_retried: number;
      alerts_dead_lettered: number;
      /** Alerts in the outbox not yet delivered or dead-lettered when this window was done (a gauge). */
      alerts_pending: number;
      duration_ms: number;
      mode: 'run' | 'backfill';
      /** The slice's alert threshold, while analyst verdicts with a risk are in force (absent otherwise). */
      budget?: StatusBudget;
    };
  };
}

/**
 * `vigil.status.budget`: the risk (z scale) an incident had to reach to alert in the window's
 * slice, its cut on the score scale, and what the analyst's verdicts did to it
 * (src/incidents/budget.ts, AlertBudget.warmStart).
 */
export interface StatusBudget {
  threshold_risk: number;
  cut: number;
  warm_start: {
    /** Benign (false_positive / benign_expected) and attack (true_positive) peaks in force. */
    benign: number;
    attack: number;
    /** The benign peaks stood in for a previous day (less than a week of the budget's own history). */
    seeded: boolean;
    /** The lowest attack peak: the threshold is never above it, nor below the floor. */
    cap?: number;
    /** The cap lowered the threshold. */
    capped: boolean;
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
