/**
 * The decision of one time slice, pure: every job's and partition's scored windows of the slice →
 * the incident pass (src/incidents) → the documents as they are written (one decision: score,
 * cut, is_alert, incident id) and the alerts to send (one per incident when it first alerts, then
 * updates under the same id). The cluster's slice pass (slice-pass.ts) and `vigil detect` share it.
 *
 * Deterministic: the same slices from the same state give the same documents, incident ids and
 * alert revisions — what makes a redo after a crash, and a re-run, idempotent.
 */
import { eventKindOf, severityOf, type AnomalyDocument } from '../anomaly/document.js';
import { relationalClause } from '../explain/relational.js';
import type { AnalystDecision, AnalystPass } from '../feedback/analyst-pass.js';
import {
  IncidentTracker,
  type IncidentDecision,
  type IncidentOptionsInput,
  type IncidentStateJson,
  type SliceDecision,
  type VerdictRisks,
  type WindowDecision,
} from '../incidents/index.js';
import type { BuiltAnomaly } from './anomaly-builder.js';
import { SEVERITY_NUMBER } from './anomaly-builder.js';
import type { PartitionScores } from './job-runner.js';

/** An alert for the connectors: `id` is the incident id; revision 0 is the first alert, n > 0 the n-th update. */
export interface IncidentAlert {
  readonly id: string;
  readonly doc: AnomalyDocument;
  readonly revision: number;
}

/** One partition's window with its documents decided. */
export interface DecidedWindow {
  readonly scores: PartitionScores;
  readonly anomalies: readonly BuiltAnomaly[];
  readonly alerts: number;
}

export interface DecidedSlice {
  readonly end: number;
  readonly windows: readonly DecidedWindow[];
  readonly alerts: readonly IncidentAlert[];
  /** Incidents alerted for the first time / updated in this slice. */
  readonly newIncidents: number;
  readonly updates: number;
  /** The slice's threshold, cut and what the verdicts did to them (for the status documents). */
  readonly budget: SliceDecision['budget'];
}

/** No analyst input at all: no verdicts, so nothing warm-starts the threshold (it drops what it had). */
const NO_VERDICT_RISKS: VerdictRisks = { benign: [], attack: [] };

export interface SliceDeciderState {
  readonly version: 2;
  readonly tracker: IncidentStateJson;
  /** Updates sent per alerted incident (the next update's revision), with the incident's last slice end. */
  readonly revisions: Record<string, { readonly n: number; readonly last: number }>;
}

/** Revision counters of incidents quiet this long are forgotten (an incident closes long before). */
const REVISION_MEMORY_MS = 7 * 86_400_000;

/** Where the incident pass's score lifted a window above its own evidence, the clause naming the neighbour. */
function clauseOf(
  d: WindowDecision,
  jobOf: (key: string) => string | undefined,
  fieldOf: (key: string) => string | undefined,
): string | undefined {
  if (!d.source) return undefined;
  const lift = d.propagated - (d.own - d.recurrence);
  return relationalClause({ lift, source: d.source }, { jobOf: (key) => jobOf(key) ?? key, fieldOf });
}

/** The document with the slice's decision: score, cut (vigil.threshold), verdict, severity, incident. */
export function decidedDocument(
  doc: AnomalyDocument,
  d: WindowDecision,
  incident: IncidentDecision | undefined,
  clause: string | undefined,
): AnomalyDocument {
  // A copy of the two levels this sets (the record keeps its document as scored, for a redone
  // slice); features, neighbours and related.* are shared, never changed. structuredClone of every
  // entity-window was 5 % of a backfill's CPU.
  const out: AnomalyDocument = { ...doc, event: { ...doc.event }, vigil: { ...doc.vigil } };
  const severity = severityOf(d.score);
  out.event.risk_score = Math.round(d.score);
  out.event.risk_score_norm = d.score;
  out.event.severity = SEVERITY_NUMBER[severity];
  out.vigil.score = d.score;
  out.vigil.threshold = d.cut;
  out.vigil.is_alert = d.isAlert;
  // ECS: an alert only when the slice's decision says so, every other scored window a metric.
  out.event.kind = eventKindOf(d.isAlert);
  out.vigil.severity = severity;
  out.vigil.warming_up = d.warmingUp;
  out.vigil.risk = Math.round(d.risk * 1e4) / 1e4;
  if (d.incidentId) {
    out.vigil.incident = {
      id: d.incidentId,
      status: d.incidentStatus ?? 'open',
      root: incident?.root ?? '',
      alerted: incident?.alerted ?? false,
    };
  } else {
    delete out.vigil.incident;
  }
  if (clause) {
    out.vigil.explanation = out.vigil.explanation ? `${out.vigil.explanation}; ${clause}` : clause;
    out.event.reason = out.event.reason ? `${out.event.reason}; ${clause}` : clause;
  }
  return out;
}

export class SliceDecider {
  private readonly tracker: IncidentTracker;
  private readonly revisions: Map<string, { n: number; last: number }>;

  constructor(options: IncidentOptionsInput, state?: SliceDeciderState | null) {
    this.tracker = state ? IncidentTracker.fromJSON(state.tracker, options) : new IncidentTracker(options);
    this.revisions = new Map(Object.entries(state?.revisions ?? {}).map(([id, r]) => [id, { ...r }]));
  }

  toJSON(): SliceDeciderState {
    return {
      version: 2,
      tracker: this.tracker.toJSON(),
      revisions: Object.fromEntries([...this.revisions].sort(([a], [b]) => (a < b ? -1 : 1))),
    };
  }

  /**
   * Decides one slice (all windows ending at `end`, every job and partition); slices come in
   * increasing `end`. The analyst's input (verdicts, lists: src/feedback) moves each window's fused
   * score before the incident pass sees it, and is recorded on the document (vigil.analyst); the
   * risks of what it judged warm-start the alert threshold.
   */
  decide(end: number, records: readonly PartitionScores[], analyst?: AnalystPass): DecidedSlice {
    const byId = new Map<string, { doc: AnomalyDocument; record: number; analyst?: AnalystDecision }>();
    const windows = records.flatMap((r, record) =>
      r.anomalies.map((a) => {
        const judged = analyst?.decide(a.doc);
        byId.set(a.id, { doc: a.doc, record, ...(judged ? { analyst: judged } : {}) });
        const v = a.doc.vigil;
        return {
          id: a.id,
          job: v.job_id,
          entityField: v.entity.field,
          entityValue: v.entity.value,
          start: r.window.start,
          end: r.window.end,
          related: a.doc.related,
          fused: judged ? judged.fused : v.fused_score,
          warmingUp: v.warming_up === true,
        };
      }),
    );
    const start = records.reduce((m, r) => Math.min(m, r.window.start), end);
    // Unread verdicts (analyst.warmStart undefined) leave the threshold with the risks it had.
    const warmStart = analyst ? analyst.warmStart : NO_VERDICT_RISKS;
    const decision = this.tracker.step({ start, end, windows, ...(warmStart ? { warmStart } : {}) });
    const incidents = new Map(decision.incidents.map((i) => [i.id, i]));

    const jobOf = (key: string): string | undefined => byId.get(key)?.doc.vigil.job_id;
    const fieldOf = (key: string): string | undefined => byId.get(key)?.doc.vigil.entity.field;
    const decided: BuiltAnomaly[][] = records.map(() => []);
    const docs = new Map<string, AnomalyDocument>();
    for (const d of decision.windows) {
      const source = byId.get(d.id);
      if (!source) continue;
      const incident = d.incidentId ? incidents.get(d.incidentId) : undefined;
      const doc = decidedDocument(source.doc, d, incident, clauseOf(d, jobOf, fieldOf));
      if (analyst && source.analyst) analyst.annotate(d.id, doc, source.analyst);
      decided[source.record].push({ id: d.id, doc });
      docs.set(d.id, doc);
    }

    const alerts: IncidentAlert[] = [];
    let newIncidents = 0;
    let updates = 0;
    for (const incident of [...decision.incidents].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      if (incident.status === 'open') continue;
      const doc = representative(incident, docs);
      if (!doc) continue;
      let revision = 0;
      if (incident.status === 'update') {
        const r = this.revisions.get(incident.id) ?? { n: 0, last: end };
        revision = r.n + 1;
        updates++;
      } else {
        newIncidents++;
      }
      this.revisions.set(incident.id, { n: revision, last: end });
      alerts.push({ id: incident.id, doc, revision });
    }
    for (const [id, r] of this.revisions) if (r.last < end - REVISION_MEMORY_MS) this.revisions.delete(id);

    return {
      end,
      windows: records.map((scores, i) => ({
        scores,
        anomalies: decided[i],
        alerts: decided[i].filter((b) => b.doc.vigil.is_alert).length,
      })),
      alerts,
      newIncidents,
      updates,
      budget: decision.budget,
    };
  }
}

/** The document an incident's alert is rendered from: its strongest window of the slice. */
function representative(incident: IncidentDecision, docs: ReadonlyMap<string, AnomalyDocument>): AnomalyDocument | undefined {
  let best: AnomalyDocument | undefined;
  let bestId = '';
  for (const id of incident.windowIds) {
    const doc = docs.get(id);
    if (!doc) continue;
    if (!best || doc.vigil.score > best.vigil.score || (doc.vigil.score === best.vigil.score && id < bestId)) {
      best = doc;
      bestId = id;
    }
  }
  return best;
}
