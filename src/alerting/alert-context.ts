/**
 * The format-neutral view of an alert that every payload format renders from: entity, score,
 * severity, explanation (actual vs typical), ATT&CK mapping, window and links back to the events.
 * Built once from the anomaly document, so every format says the same thing.
 */
import type { AnomalyDocument, Severity } from '../anomaly/document.js';
import { MAX_TEXT, markdownText, visible } from './escape.js';
import { dashboardsDiscoverUrl, kibanaDiscoverUrl, kqlTerm } from './links.js';

export interface AlertLinks {
  readonly kibanaUrl?: string;
  readonly dashboardsUrl?: string;
}

export interface AlertFeature {
  readonly name: string;
  readonly actual: number;
  readonly typical: number;
  readonly contribution: number;
}

export interface AttackTechnique {
  readonly id: string;
  readonly name: string;
  readonly reference?: string;
}

export interface AlertContext {
  /** The anomaly document's deterministic id (or the incident id). */
  readonly id: string;
  /** 0: the first alert for `id`; n > 0: its n-th update. */
  readonly revision: number;
  readonly jobId: string;
  readonly ruleName: string;
  readonly entity: { readonly field: string; readonly value: string };
  readonly score: number;
  readonly probability: number;
  readonly severity: Severity;
  readonly reason: string;
  readonly explanation: string;
  /** Sorted by contribution, highest first. */
  readonly features: readonly AlertFeature[];
  readonly modelsFired: readonly string[];
  readonly attack: {
    readonly tactics: readonly { readonly id: string; readonly name: string }[];
    readonly techniques: readonly AttackTechnique[];
  };
  readonly window: { readonly start: string; readonly end: string };
  readonly eventCount: number;
  readonly related: { readonly ip: readonly string[]; readonly user: readonly string[]; readonly hosts: readonly string[] };
  readonly timestamp: string;
  /** `feedback`: the signed callback links a playbook calls to give its verdict (vigil.analyst.links). */
  readonly links: { readonly kibana?: string; readonly dashboards?: string; readonly feedback?: Readonly<Record<string, string>> };
}

/** One outgoing notification: a single alert, or a group of them when grouping is on. */
export interface Notification {
  /** Stable idempotency key, sent as `webhook-id` on every attempt. */
  readonly messageId: string;
  readonly alerts: readonly AlertContext[];
}

export function alertContext(id: string, doc: AnomalyDocument, links: AlertLinks = {}, revision = 0): AlertContext {
  const v = doc.vigil;
  const kql = kqlTerm(v.entity.field, v.entity.value);
  const tactics = zip(doc.threat?.tactic.id ?? [], doc.threat?.tactic.name ?? []).map(([tid, name]) => ({ id: tid, name }));
  // Techniques, then their sub-techniques (ECS keeps them apart: threat.technique.subtechnique.*).
  const listed = (t: { id: string[]; name: string[]; reference: string[] } | undefined): AttackTechnique[] =>
    (t?.id ?? []).map((tid, i) => ({ id: tid, name: t?.name[i] ?? tid, reference: t?.reference[i] }));
  const techniques = [...listed(doc.threat?.technique), ...listed(doc.threat?.technique.subtechnique)];
  return {
    id,
    revision,
    jobId: v.job_id,
    ruleName: doc.rule.name,
    entity: { field: v.entity.field, value: v.entity.value },
    score: v.score,
    probability: v.probability,
    severity: v.severity,
    reason: doc.event.reason,
    explanation: v.explanation,
    features: [...v.features].sort((a, b) => b.contribution - a.contribution).map((f) => ({ ...f })),
    modelsFired: [...v.models_fired],
    attack: { tactics, techniques },
    window: { start: v.window.start, end: v.window.end },
    eventCount: v.event_count,
    related: { ip: [...doc.related.ip], user: [...doc.related.user], hosts: [...doc.related.hosts] },
    timestamp: doc['@timestamp'],
    links: {
      kibana: links.kibanaUrl ? kibanaDiscoverUrl(links.kibanaUrl, kql, v.window.start, v.window.end) : undefined,
      dashboards: links.dashboardsUrl ? dashboardsDiscoverUrl(links.dashboardsUrl, kql, v.window.start, v.window.end) : undefined,
      ...(v.analyst?.links ? { feedback: { ...v.analyst.links } } : {}),
    },
  };
}

function zip<A, B>(a: readonly A[], b: readonly B[]): [A, B][] {
  return a.map((x, i) => [x, b[i]] as [A, B]);
}

/** "failed_logins 41 (typical 2.0)": numbers for humans, rounded sensibly. */
export function featureLine(f: AlertFeature): string {
  return `${f.name}: ${fmt(f.actual)} (typical ${fmt(f.typical)}, ${Math.round(f.contribution * 100)}% of the score)`;
}

export function fmt(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(1) : n.toPrecision(2);
}

/** Observables (IP, user, host) an analyst can pivot on, deduplicated, entity first. */
export function observablesOf(alert: AlertContext): { kind: 'ip' | 'user' | 'host'; value: string }[] {
  const out: { kind: 'ip' | 'user' | 'host'; value: string }[] = [];
  const seen = new Set<string>();
  const add = (kind: 'ip' | 'user' | 'host', value: string): void => {
    const key = `${kind}\u0000${value}`;
    if (!value || seen.has(key)) return;
    seen.add(key);
    out.push({ kind, value });
  };
  const f = alert.entity.field;
  if (/(^|\.)ip$/.test(f)) add('ip', alert.entity.value);
  else if (f.startsWith('user.')) add('user', alert.entity.value);
  else if (f.startsWith('host.')) add('host', alert.entity.value);
  for (const ip of alert.related.ip) add('ip', ip);
  for (const u of alert.related.user) add('user', u);
  for (const h of alert.related.hosts) add('host', h);
  return out;
}

/** Plain one-line title (entity value made visible and capped: see escape.ts). */
export function titleOf(alert: AlertContext): string {
  const update = alert.revision > 0 ? 'Update: ' : '';
  return `${update}Vigil: anomalous ${alert.entity.field} ${visible(alert.entity.value)} (score ${Math.round(alert.score)}, ${alert.severity})`;
}

export function groupTitle(alerts: readonly AlertContext[]): string {
  if (alerts.length === 1) return titleOf(alerts[0]);
  const top = Math.max(...alerts.map((a) => a.score));
  return `Vigil: ${alerts.length} anomalies (top score ${Math.round(top)})`;
}

const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export function severityRank(s: Severity): number {
  return SEVERITY_RANK[s];
}

/** Highest severity in a group. */
export function maxSeverity(alerts: readonly AlertContext[]): Severity {
  return alerts.reduce<Severity>((acc, a) => (SEVERITY_RANK[a.severity] > SEVERITY_RANK[acc] ? a.severity : acc), 'low');
}

/**
 * The verdicts a callback link records, in the order payloads list them: the label people read and
 * the suffix of the CEF field a SOAR playbook reads (vigilFeedbackTruePositive, …).
 */
const VERDICT_LINKS = [
  { verdict: 'true_positive', label: 'True positive', cef: 'TruePositive' },
  { verdict: 'false_positive', label: 'False positive', cef: 'FalsePositive' },
  { verdict: 'benign_expected', label: 'Benign, expected', cef: 'BenignExpected' },
] as const;

/**
 * The alert's signed feedback links, in a fixed order (empty when feedback callbacks are off):
 * every payload format carries them, so a playbook or an analyst can answer from wherever the
 * alert landed (src/feedback/link.ts).
 */
export function feedbackLinksOf(a: AlertContext): { verdict: string; label: string; cef: string; url: string }[] {
  const links = a.links.feedback;
  if (!links) return [];
  return VERDICT_LINKS.flatMap((v) => (links[v.verdict] ? [{ ...v, url: links[v.verdict] }] : []));
}

/** "Verdict: [True positive](url) · …" for Markdown bodies ('' when feedback callbacks are off). */
export function markdownVerdictLine(a: AlertContext): string {
  const verdicts = feedbackLinksOf(a);
  return verdicts.length ? `Verdict: ${verdicts.map((v) => `[${v.label}](${v.url})`).join(' · ')}` : '';
}

/** A markdown description: reason, explanation, feature table, ATT&CK, window, links. Every free text escaped (escape.ts). */
export function markdownDescription(alerts: readonly AlertContext[]): string {
  return alerts.map(markdownOne).join('\n\n---\n\n');
}

function markdownOne(a: AlertContext): string {
  const md = (s: string, max?: number): string => markdownText(visible(s, max));
  const lines = [
    `${a.revision > 0 ? `**Update ${a.revision}** ` : ''}**${md(a.reason, MAX_TEXT)}**`,
    '',
    md(a.explanation, MAX_TEXT),
    '',
    `- Entity: ${md(a.entity.field)} = ${md(a.entity.value)}`,
    `- Score: ${fmt(a.score)} / 100 (${a.severity}), probability ${fmt(a.probability)}`,
    `- Window: ${a.window.start} → ${a.window.end} (${a.eventCount} events)`,
    `- Job: ${md(a.jobId)}; models fired: ${a.modelsFired.join(', ') || 'none'}`,
  ];
  if (a.attack.techniques.length) lines.push(`- ATT&CK: ${a.attack.techniques.map((t) => `${md(t.id)} ${md(t.name)}`).join('; ')}`);
  if (a.features.length) {
    lines.push('', '| feature | actual | typical | share |', '| --- | --- | --- | --- |');
    for (const f of a.features)
      lines.push(`| ${md(f.name)} | ${fmt(f.actual)} | ${fmt(f.typical)} | ${Math.round(f.contribution * 100)}% |`);
  }
  if (a.links.kibana) lines.push('', `[Events in Kibana](${a.links.kibana})`);
  if (a.links.dashboards) lines.push('', `[Events in OpenSearch Dashboards](${a.links.dashboards})`);
  const verdictLine = markdownVerdictLine(a);
  if (verdictLine) lines.push('', verdictLine);
  return lines.join('\n');
}
