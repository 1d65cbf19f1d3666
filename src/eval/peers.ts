/**
 * Analyst-level scoring of alerting systems on the same labelled events (`npm run bench:peers`):
 * what reaches an analyst is an incident — for Vigil, one per incident id of its alerted windows;
 * for a rule engine, one per (rule · entity, day), as a SOC de-duplicates repeated rule hits
 * (REFERENCE §6). An incident is false when none of its alerts matches a label (same positive rule
 * as the evaluation: the entity or one of its related.* values, inside the attack's time span). An
 * attack is caught when any alert matches one of its labels.
 */
import { attacksOf } from './evaluate.js';
import { LabelIndex, type Label, type RelatedValues } from './labels.js';
import type { RuleMatch } from './rules.js';
import type { ScoredWindow } from './scored-window.js';

const DAY_MS = 86_400_000;

/** One alert as the analyst sees it: the incident it belongs to, its entity, time span and related values. */
export interface AnalystAlert {
  readonly incident: string;
  readonly entity: string;
  readonly start: number;
  readonly end: number;
  readonly related: RelatedValues;
}

export interface PeerScore {
  readonly system: string;
  readonly attacks_scored: number;
  readonly attacks_caught: number;
  /** Per scenario: attacks scored and caught. */
  readonly scenarios: Record<string, { scored: number; caught: number }>;
  readonly incidents: number;
  readonly incidents_per_day: number;
  readonly false_incidents: number;
  readonly false_per_day: number;
  /** False incidents whose first alert fell on the first scored day. */
  readonly false_first_day: number;
  readonly scored_days: number;
}

/**
 * Vigil's alerts: the windows its own decision alerted (is_alert), one incident per incident id.
 * The one place bench:peers reads Vigil's decisions: when the incident pass sets `incident` on the
 * windows, it is used as is.
 */
export function vigilAlerts(windows: readonly ScoredWindow[]): AnalystAlert[] {
  return windows
    .filter((w) => w.isAlert)
    .map((w) => ({
      incident: w.incident ?? `${w.job}|${w.entity}|${w.start}`,
      entity: w.entity,
      start: w.start,
      end: w.end,
      related: w.related,
    }));
}

function relatedOf(doc: Readonly<Record<string, unknown>>): RelatedValues {
  const r = doc.related;
  if (r === null || typeof r !== 'object') return {};
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  const rel = r as Record<string, unknown>;
  return { ip: list(rel.ip), user: list(rel.user), hosts: list(rel.hosts) };
}

/** A rule engine's matches: one incident per (rule · entity, day of the scored span). */
export function ruleAlerts(matches: readonly RuleMatch[], scoreFrom: number): AnalystAlert[] {
  return matches.map((m) => ({
    incident: `${m.rule}|${m.key}|${Math.floor((m.ts - scoreFrom) / DAY_MS)}`,
    entity: m.key,
    start: m.ts,
    end: m.ts + 1,
    related: relatedOf(m.doc),
  }));
}

function round(x: number, d = 1): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

export function scoreAlerts(
  system: string,
  alerts: readonly AnalystAlert[],
  labels: readonly Label[],
  scoreFrom: number,
  scoreTo: number,
): PeerScore {
  const { attacks, labelAttack } = attacksOf(labels, scoreFrom);
  const index = new LabelIndex(labels);
  const days = Math.max(1, Math.ceil((scoreTo - scoreFrom) / DAY_MS));
  const incidents = new Map<string, { first: number; positive: boolean }>();
  const caught = new Set<number>();
  for (const a of alerts) {
    if (a.end <= scoreFrom || a.start >= scoreTo) continue;
    const matched = index.match({ entityValue: a.entity, startMs: a.start, endMs: a.end, related: a.related });
    for (const l of matched) {
      const id = labelAttack.get(l.index);
      if (id !== undefined && attacks[id].status === 'scored') caught.add(id);
    }
    const inc = incidents.get(a.incident);
    if (inc) {
      inc.first = Math.min(inc.first, a.start);
      inc.positive ||= matched.length > 0;
    } else incidents.set(a.incident, { first: a.start, positive: matched.length > 0 });
  }
  const scenarios: Record<string, { scored: number; caught: number }> = {};
  for (const a of attacks) {
    if (a.status !== 'scored') continue;
    const s = (scenarios[a.scenario] ??= { scored: 0, caught: 0 });
    s.scored++;
    if (caught.has(a.id)) s.caught++;
  }
  const falses = [...incidents.values()].filter((i) => !i.positive);
  return {
    system,
    attacks_scored: attacks.filter((a) => a.status === 'scored').length,
    attacks_caught: caught.size,
    scenarios,
    incidents: incidents.size,
    incidents_per_day: round(incidents.size / days),
    false_incidents: falses.length,
    false_per_day: round(falses.length / days),
    false_first_day: falses.filter((i) => i.first < scoreFrom + DAY_MS).length,
    scored_days: days,
  };
}

/** The side-by-side table `npm run bench:peers` prints. */
export function formatPeerTable(scores: readonly PeerScore[]): string {
  const rows = [
    ['system', 'attacks caught', 'incidents/day', 'false/day', 'false on day 1'],
    ...scores.map((s) => [
      s.system,
      `${s.attacks_caught}/${s.attacks_scored}`,
      s.incidents_per_day.toFixed(1),
      s.false_per_day.toFixed(1),
      String(s.false_first_day),
    ]),
  ];
  const names = [...new Set(scores.flatMap((s) => Object.keys(s.scenarios)))].sort();
  const scenarioRows = [
    ['scenario', ...scores.map((s) => s.system)],
    ...names.map((n) => [n, ...scores.map((s) => (s.scenarios[n] ? `${s.scenarios[n].caught}/${s.scenarios[n].scored}` : '–'))]),
  ];
  const render = (table: string[][]): string => {
    const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
    return table.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
  };
  return `${render(rows)}\n\n${render(scenarioRows)}`;
}
