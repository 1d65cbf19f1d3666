/**
 * Detection quality at the analyst's level: what a SOC sees is incidents, not entity-windows.
 *
 * - Attacks caught at N incidents a day (N = 5, 10, 25): each day, the N incidents with the
 *   highest score are read; an attack is caught when a window matching it belongs to one of them.
 *   Vigil's incidents are the incident pass's (src/incidents: linked entities, consecutive
 *   windows); a baseline's are one per entity and day — what an analyst reading a rule's or a
 *   model's alert list would deduplicate to (ElastAlert2's realert does the same). Same counting,
 *   same windows, for every model.
 * - At the default setting, Vigil's online decisions (the pass's alerts as the pipeline sends
 *   them, budget and floor included): incidents a day, false incidents a day (an alert whose
 *   incident held no window of an attack when it was sent), false incidents on the first scored day, attacks
 *   caught, and the median time to detect (attack start → the first slice at which a matching
 *   window belonged to an alerted incident, plus the ingest delay and processing time). The
 *   static rules' own decision (a rule fires) is counted the same way, one incident per entity
 *   and day.
 * - Window-level PR-AUC, for comparison with the older figures.
 */
import { attacksOf, budgetAlerts } from './evaluate.js';
import { LabelIndex, type Label } from './labels.js';
import { averagePrecision } from './metrics.js';
import { MODEL_KEYS, type ModelKey, type ScoredWindow } from './scored-window.js';
import type { IncidentAlert } from './incident-pass.js';

const DAY_MS = 86_400_000;
export const ANALYST_BUDGETS = [5, 10, 25] as const;

export interface DefaultFigures {
  readonly incidentsPerDay: number;
  readonly falsePerDay: number;
  readonly firstDayFalse: number;
  readonly caught: number;
  readonly ttdMedianMinutes: number | null;
}

export interface ModelAnalystFigures {
  /** Distinct scored attacks caught at N incidents a day. */
  readonly caughtAt: Record<string, number>;
  /** Median minutes to detect at 10 incidents a day (retrospective ranking). */
  readonly ttdMedianAt10: number | null;
  readonly prAuc: number;
  /** The model's own alerting at its default setting (Vigil: the incident pass; rules: a rule fires). */
  readonly atDefault?: DefaultFigures;
}

export interface AnalystFigures {
  readonly days: number;
  readonly attacksScored: number;
  readonly windows: number;
  readonly models: Record<ModelKey, ModelAnalystFigures>;
  /** Scored attacks the ensemble missed at 10 incidents a day (scenario and start). */
  readonly missedAt10: readonly string[];
}

export interface AnalystOptions {
  readonly windows: readonly ScoredWindow[];
  readonly labels: readonly Label[];
  readonly alerts: readonly IncidentAlert[];
  readonly scoreFrom: number;
  readonly scoreTo: number;
  /** Added to detection times: the ingest delay and the processing time of a window. */
  readonly latencyMs: number;
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

export function analystFigures(o: AnalystOptions): AnalystFigures {
  const { windows, scoreFrom } = o;
  const n = windows.length;
  const days = Math.max(1, Math.ceil((o.scoreTo - scoreFrom) / DAY_MS));
  const { attacks, labelAttack } = attacksOf(o.labels, scoreFrom);
  const scored = attacks.filter((a) => a.status === 'scored');
  const index = new LabelIndex(o.labels);
  const positive = new Uint8Array(n);
  const attackLists: number[][] = new Array<number[]>(n);
  const day = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const w = windows[i];
    const ids = new Set<number>();
    const matched = index.match({ entityValue: w.entity, startMs: w.start, endMs: w.end, related: w.related });
    for (const l of matched) {
      const a = labelAttack.get(l.index);
      if (a !== undefined && attacks[a].status === 'scored') ids.add(a);
    }
    positive[i] = matched.length > 0 ? 1 : 0;
    attackLists[i] = [...ids];
    day[i] = Math.min(days - 1, Math.max(0, Math.floor((w.start - scoreFrom) / DAY_MS)));
  }
  const ttdOf = (a: number, t: number): number => Math.max(0, t + o.latencyMs - attacks[a].start) / 60_000;

  const models = {} as Record<ModelKey, ModelAnalystFigures>;
  let missedAt10: string[] = [];
  for (const model of MODEL_KEYS) {
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) scores[i] = windows[i].scores[model];
    const groups = windows.map((w, i) => (model === 'ensemble' ? (w.incident ?? `w${i}`) : `${w.entity}|${day[i]}`));
    const caughtAt: Record<string, number> = {};
    let ttd10: number | null = null;
    for (const b of ANALYST_BUDGETS) {
      const { alerted } = budgetAlerts(scores, day, b, groups);
      const first = new Map<number, number>();
      for (let i = 0; i < n; i++)
        if (alerted[i]) for (const a of attackLists[i]) first.set(a, Math.min(first.get(a) ?? Infinity, windows[i].end));
      caughtAt[String(b)] = first.size;
      if (b === 10) {
        ttd10 = median([...first].map(([a, t]) => ttdOf(a, t)));
        if (model === 'ensemble')
          missedAt10 = scored.filter((a) => !first.has(a.id)).map((a) => `${a.scenario}@${new Date(a.start).toISOString().slice(5, 16)}`);
      }
    }
    models[model] = {
      caughtAt,
      ttdMedianAt10: ttd10 === null ? null : r1(ttd10),
      prAuc: Math.round(averagePrecision(scores, positive) * 1000) / 1000,
    };
  }

  // Vigil at its default: the pass's own alerts, judged as the analyst meets them. An alert is
  // true when, at the moment it is sent, its incident already holds a window of an attack; an
  // attack is caught when one of its windows is in an incident at that incident's alert, or
  // reaches the analyst later as an update (a window at the cut) of an incident that was true
  // when it alerted. An attack that only joins an incident which alerted earlier for something
  // benign is not caught: the analyst dismissed that incident before the attack began.
  const canonicalOf = new Map<string, string>();
  for (const a of o.alerts) canonicalOf.set(a.id, a.incident);
  const incidentOfWindow = (w: ScoredWindow): string | undefined => (w.incident ? (canonicalOf.get(w.incident) ?? w.incident) : undefined);
  const alertAt = new Map<string, number>();
  for (const a of o.alerts) alertAt.set(a.incident, Math.min(alertAt.get(a.incident) ?? Infinity, a.at));
  // Earliest end of a positive window per incident: true at an alert sent at t iff ≤ t.
  const firstPositiveEnd = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const inc = positive[i] ? incidentOfWindow(windows[i]) : undefined;
    if (inc !== undefined) firstPositiveEnd.set(inc, Math.min(firstPositiveEnd.get(inc) ?? Infinity, windows[i].end));
  }
  const trueAt = (incident: string, t: number): boolean => (firstPositiveEnd.get(incident) ?? Infinity) <= t;
  const firstCaught = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const w = windows[i];
    const inc = incidentOfWindow(w);
    const at = inc === undefined ? undefined : alertAt.get(inc);
    if (inc === undefined || at === undefined || attackLists[i].length === 0) continue;
    const detected = w.end <= at ? at : w.isAlert && trueAt(inc, at) ? w.end : undefined;
    if (detected !== undefined) for (const a of attackLists[i]) firstCaught.set(a, Math.min(firstCaught.get(a) ?? Infinity, detected));
  }
  const inScope = o.alerts.filter((a) => a.at > scoreFrom && a.at <= o.scoreTo + DAY_MS);
  const falseAlerts = inScope.filter((a) => !trueAt(a.incident, a.at));
  models.ensemble = {
    ...models.ensemble,
    atDefault: {
      incidentsPerDay: r1(inScope.length / days),
      falsePerDay: r1(falseAlerts.length / days),
      firstDayFalse: falseAlerts.filter((a) => a.at <= scoreFrom + DAY_MS).length,
      caught: firstCaught.size,
      ttdMedianMinutes: (() => {
        const m = median([...firstCaught].map(([a, t]) => ttdOf(a, t)));
        return m === null ? null : r1(m);
      })(),
    },
  };

  // Static rules at their own thresholds (a rule fires: score ≥ 1), one incident per entity and day.
  const ruleIncidents = new Map<string, { positive: boolean; day: number }>();
  const ruleCaught = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const w = windows[i];
    if (!(w.scores.rules >= 1)) continue;
    const key = `${w.entity}|${day[i]}`;
    const inc = ruleIncidents.get(key) ?? { positive: false, day: day[i] };
    inc.positive ||= positive[i] === 1;
    ruleIncidents.set(key, inc);
    for (const a of attackLists[i]) ruleCaught.set(a, Math.min(ruleCaught.get(a) ?? Infinity, w.end));
  }
  const ruleFalse = [...ruleIncidents.values()].filter((x) => !x.positive);
  models.rules = {
    ...models.rules,
    atDefault: {
      incidentsPerDay: r1(ruleIncidents.size / days),
      falsePerDay: r1(ruleFalse.length / days),
      firstDayFalse: ruleFalse.filter((x) => x.day === 0).length,
      caught: ruleCaught.size,
      ttdMedianMinutes: (() => {
        const m = median([...ruleCaught].map(([a, t]) => ttdOf(a, t)));
        return m === null ? null : r1(m);
      })(),
    },
  };
  return { days, attacksScored: scored.length, windows: n, models, missedAt10 };
}
