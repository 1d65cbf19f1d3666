/**
 * The top incidents of a period, as the report's first section: what an analyst reads first.
 * One row per entity (its highest-scoring alert), highest score first, with the narrative, the
 * evidence (the features that deviated, actual against typical) and the ATT&CK techniques.
 */
import type { AnomalyDocument } from '../../anomaly/document.js';

export interface ReportIncident {
  readonly entity: string;
  readonly job: string;
  readonly window: string;
  readonly score: number;
  readonly severity: string;
  readonly narrative: string;
  readonly evidence: readonly string[];
  readonly attack: readonly string[];
}

function round(x: number): string {
  return Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 10) / 10);
}

export function incidentOf(doc: AnomalyDocument): ReportIncident {
  const v = doc.vigil;
  const technique = doc.threat?.technique;
  return {
    entity: `${v.entity.field}=${v.entity.value}`,
    job: v.job_id,
    window: `${v.window.start.slice(0, 16).replace('T', ' ')} → ${v.window.end.slice(11, 16)} UTC`,
    score: v.score,
    severity: v.severity,
    narrative: v.explanation || doc.event.reason,
    evidence: v.features.slice(0, 3).map((f) => `${f.name}: ${round(f.actual)} (typical ${round(f.typical)})`),
    attack: technique ? technique.id.map((id, i) => `${id} ${technique.name[i] ?? ''}`.trim()) : [],
  };
}

/** The `limit` highest-scoring alerts, one per entity. */
export function topIncidents(docs: readonly AnomalyDocument[], limit = 10): ReportIncident[] {
  const best = new Map<string, AnomalyDocument>();
  for (const d of docs) {
    if (!d.vigil.is_alert) continue;
    const key = `${d.vigil.entity.field}=${d.vigil.entity.value}`;
    const seen = best.get(key);
    if (!seen || d.vigil.score > seen.vigil.score) best.set(key, d);
  }
  return [...best.values()]
    .sort((a, b) => b.vigil.score - a.vigil.score || a.vigil.entity.value.localeCompare(b.vigil.entity.value))
    .slice(0, limit)
    .map(incidentOf);
}
