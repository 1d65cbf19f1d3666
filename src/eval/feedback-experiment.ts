/**
 * `vigil eval --suite … --feedback-experiment`: what analyst feedback buys on the simulator.
 *
 * Per world of the evaluation suite (suite.ts: simulated, scored in memory, incident pass):
 *
 * 1. Suppression. The analyst reads the incidents Vigil alerted on the first `feedbackDays`
 *    scored days and, judging from the ground truth (standing in for an investigation), finds the
 *    false ones. The three noisiest false-positive patterns (the entities that drove the most false
 *    incidents: each incident's strongest window when it alerted) are marked `benign_expected` as
 *    `vigil feedback benign_expected --incident ID` records them: one verdict per false incident on
 *    the window that drove it, with the features that carried that entity's windows there
 *    (src/feedback/store.ts). From then on the verdicts are applied
 *    before the incident pass as the pipeline applies them (src/feedback/analyst.ts), and the pass
 *    is run again. Reported for the days after the verdicts: false incidents a day before and
 *    after, the attacks caught with and without feedback (any attack lost is named), and how many
 *    later false incidents an entity that had already driven one drives (the ceiling of any
 *    entity-level verdict).
 * 2. Calibration. Verdicts are labels: Platt scaling is fitted on the windows of the incidents the
 *    analyst judged in the first half of the scored period (ground truth as the verdicts) and the
 *    Brier score of the feedback-calibrated probability is compared with the ensemble's own
 *    (uncalibrated, vigil.probability) on the held-out second half: on every window, and on the
 *    windows of alerted incidents (what an analyst reads).
 *
 * Nothing here is fitted to a world: the same three-pattern rule, day count and suppression
 * tolerance for every world.
 */
import { AnalystInput } from '../feedback/analyst.js';
import { mergeBands, Suppressor } from '../feedback/pattern.js';
import type { Feedback } from '../feedback/verdict.js';
import { calibrate, fitPlatt, type Calibration } from '../models/calibration.js';
import { attacksOf } from './evaluate.js';
import { incidentPass, type IncidentPassResult } from './incident-pass.js';
import { LabelIndex, type Label } from './labels.js';
import type { ScoredWindow } from './scored-window.js';
import { scoredWorldCached, type SuiteWorld } from './suite.js';

const DAY_MS = 86_400_000;
/** How long the experiment's verdicts last (the CLI's default for benign_expected). */
const VERDICT_DAYS = 90;

export interface FeedbackExperimentOptions {
  readonly worlds: readonly SuiteWorld[];
  /** Scored days the analyst reviews before giving the verdicts (default 2). */
  readonly feedbackDays?: number;
  /** Noisiest false-positive patterns marked benign_expected (default 3). */
  readonly patterns?: number;
  readonly alertsPerDay?: number;
  /**
   * The incident pass's benign-recurrence baselines (default on, as shipped). Off is an ablation:
   * what the verdicts do where the pass does not already absorb recurring noise.
   */
  readonly recurrence?: boolean;
  readonly slide?: string;
  /** Scored worlds are kept here (with their patterns) and reused. */
  readonly cacheDir?: string;
  readonly onWorld?: (r: FeedbackWorldResult) => void;
}

export interface PeriodFigures {
  readonly incidentsPerDay: number;
  readonly falsePerDay: number;
  /** Attacks (scenario@start) caught by an alerted incident over the whole scored period. */
  readonly caught: readonly string[];
}

export interface BrierFigures {
  readonly trainPositives: number;
  readonly trainNegatives: number;
  readonly calibration: Calibration | null;
  /** Held-out windows (second half of the scored period). */
  readonly allWindows: { readonly n: number; readonly uncalibrated: number; readonly calibrated: number | null };
  /** Held-out windows of alerted incidents. */
  readonly alerted: { readonly n: number; readonly uncalibrated: number; readonly calibrated: number | null };
}

export interface FeedbackWorldResult {
  readonly world: SuiteWorld;
  readonly feedbackAt: number;
  readonly daysAfter: number;
  readonly marked: readonly { readonly root: string; readonly falseIncidents: number; readonly verdicts: number }[];
  readonly suppressedWindows: number;
  readonly before: PeriodFigures;
  readonly after: PeriodFigures;
  /** Attacks caught without feedback and missed with it. */
  readonly lost: readonly string[];
  /** False incidents alerted after the verdicts (without feedback) driven by an entity the verdicts name. */
  readonly falseAfterWithMarked: number;
  /**
   * False incidents alerted after the verdicts (without feedback) driven by an entity that drove a
   * false incident before them: the most any verdict on an entity's behaviour could remove.
   */
  readonly falseAfterRepeating: number;
  readonly falseAfter: number;
  /** Relative fall of false incidents a day after the verdicts (0.3 = 30 %). */
  readonly reduction: number;
  readonly brier: BrierFigures;
}

/** Windows matching a label, and the attacks (scenario@start) they belong to. */
interface Truth {
  readonly positive: Uint8Array;
  readonly attacks: readonly string[][];
}

function truthOf(windows: readonly ScoredWindow[], labels: readonly Label[], scoreFrom: number): Truth {
  const { attacks, labelAttack } = attacksOf(labels, scoreFrom);
  const index = new LabelIndex(labels);
  const positive = new Uint8Array(windows.length);
  const lists = windows.map((w, i) => {
    const matched = index.match({ entityValue: w.entity, startMs: w.start, endMs: w.end, related: w.related });
    positive[i] = matched.length > 0 ? 1 : 0;
    const ids = new Set<string>();
    for (const l of matched) {
      const a = attacks[labelAttack.get(l.index) ?? -1] as (typeof attacks)[number] | undefined;
      if (a?.status === 'scored') ids.add(`${a.scenario}@${new Date(a.start).toISOString().slice(5, 16)}`);
    }
    return [...ids];
  });
  return { positive, attacks: lists };
}

/** Incident id → whether any of its windows is a true positive. */
function incidentTruth(pass: IncidentPassResult, truth: Truth): Map<string, boolean> {
  const out = new Map<string, boolean>();
  pass.windows.forEach((w, i) => {
    if (w.incident) out.set(w.incident, (out.get(w.incident) ?? false) || truth.positive[i] === 1);
  });
  return out;
}

function periodFigures(pass: IncidentPassResult, truth: Truth, from: number, to: number): PeriodFigures {
  const days = Math.max(1, (to - from) / DAY_MS);
  const real = incidentTruth(pass, truth);
  const alerts = pass.alerts.filter((a) => a.at > from && a.at <= to);
  const caught = new Set<string>();
  pass.windows.forEach((w, i) => {
    if (w.incidentAlerted) for (const a of truth.attacks[i]) caught.add(a);
  });
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  return {
    incidentsPerDay: r2(alerts.length / days),
    falsePerDay: r2(alerts.filter((a) => !real.get(a.id)).length / days),
    caught: [...caught].sort(),
  };
}

/** Key of an entity in a job, as a verdict names it. */
const driverKey = (w: ScoredWindow): string => `${w.job}|${w.entityField}=${w.entity}`;

/**
 * Each false incident's driver: the strongest of its windows the analyst could read when it
 * alerted (ended by then) — the entity the notification is about. Incident id → that window.
 */
function falseDrivers(pass: IncidentPassResult, truth: Truth, from: number, to: number): Map<string, ScoredWindow> {
  const real = incidentTruth(pass, truth);
  const alertedAt = new Map<string, number>();
  for (const a of pass.alerts) if (a.at > from && a.at <= to && !real.get(a.id)) alertedAt.set(a.id, a.at);
  const out = new Map<string, ScoredWindow>();
  for (const w of pass.windows) {
    const at = w.incident === undefined ? undefined : alertedAt.get(w.incident);
    if (at === undefined || w.incident === undefined || w.end > at) continue;
    const seen = out.get(w.incident);
    if (!seen || w.score100 > seen.score100) out.set(w.incident, w);
  }
  return out;
}

/**
 * The verdicts an analyst gives after reading the alerted incidents up to `at`: the `patterns`
 * entities that drove the most false incidents (ties: name) are marked benign_expected, as
 * `vigil feedback benign_expected --incident ID` records them: one verdict per incident, on the
 * window that drove it, with the pattern of all that entity's windows in the incident. An incident
 * is judged by the entity it is about, not by every account or host linked into it. `drivers`:
 * every entity that drove a false incident by then.
 */
export function analystVerdicts(
  pass: IncidentPassResult,
  truth: Truth,
  at: number,
  patterns: number,
): { verdicts: Feedback[]; marked: FeedbackWorldResult['marked']; drivers: ReadonlySet<string> } {
  const byDriver = new Map<string, ScoredWindow[]>();
  for (const w of falseDrivers(pass, truth, -Infinity, at).values()) {
    const drove = byDriver.get(driverKey(w));
    if (drove) drove.push(w);
    else byDriver.set(driverKey(w), [w]);
  }
  const noisiest = [...byDriver].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)).slice(0, patterns);
  // The analyst judges each incident as a whole: the driver's pattern spans all its windows there.
  const judged = new Map<string, ScoredWindow[]>();
  for (const [, drove] of noisiest) for (const w of drove) judged.set(`${w.incident ?? ''}|${driverKey(w)}`, []);
  for (const w of pass.windows) if (w.end <= at) judged.get(`${w.incident ?? ''}|${driverKey(w)}`)?.push(w);
  const verdicts: Feedback[] = [];
  const marked = noisiest.map(([key, drove]) => {
    for (const w of drove) verdicts.push(verdictOf(w, judged.get(`${w.incident ?? ''}|${key}`) ?? [w], at, `noisy pattern of ${key}`));
    return { root: key, falseIncidents: drove.length, verdicts: drove.length };
  });
  return { verdicts, marked, drivers: new Set(byDriver.keys()) };
}

function verdictOf(w: ScoredWindow, judged: readonly ScoredWindow[], at: number, reason: string): Feedback {
  return {
    verdict: 'benign_expected',
    by: 'feedback-experiment',
    reason,
    job_id: w.job,
    entity: { field: w.entityField, value: w.entity },
    fused_score: w.components.ensemble_own ?? w.scores.ensemble,
    window_start: new Date(w.start).toISOString(),
    pattern: mergeBands([w, ...judged.filter((x) => x !== w)].map((x) => x.pattern ?? [])),
    expires: new Date(at + VERDICT_DAYS * DAY_MS).toISOString(),
  };
}

/** The windows after `at` as the pipeline's analyst input leaves them (suppressed ones read as typical). */
export function applyVerdicts(
  windows: readonly ScoredWindow[],
  verdicts: readonly Feedback[],
  at: number,
): { windows: ScoredWindow[]; suppressed: number } {
  const input = new AnalystInput(new Suppressor(verdicts));
  let suppressed = 0;
  const out = windows.map((w) => {
    if (w.end <= at) return w;
    const own = w.components.ensemble_own ?? w.scores.ensemble;
    const adjusted = input.adjust({
      job: w.job,
      entityField: w.entityField,
      entityValue: w.entity,
      start: w.start,
      end: w.end,
      fused: own,
      features: w.pattern ?? [],
      values: {},
    });
    if (!adjusted.suppression) return w;
    suppressed++;
    return { ...w, scores: { ...w.scores, ensemble: adjusted.fused }, components: { ...w.components, ensemble_own: adjusted.fused } };
  });
  return { windows: out, suppressed };
}

function brier(ps: readonly number[], ys: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < ps.length; i++) s += (ps[i] - ys[i]) ** 2;
  return ps.length ? Math.round((s / ps.length) * 1e6) / 1e6 : 0;
}

/** Platt fitted on the judged windows of the first half, Brier on the held-out second half. */
export function brierFigures(pass: IncidentPassResult, truth: Truth, scoreFrom: number, scoreTo: number): BrierFigures {
  const half = scoreFrom + Math.floor((scoreTo - scoreFrom) / 2 / DAY_MS) * DAY_MS;
  const alerted = new Set(pass.alerts.map((a) => a.id));
  const own = (w: ScoredWindow): number => w.components.ensemble_own ?? w.scores.ensemble;
  const train: { f: number; y: number }[] = [];
  pass.windows.forEach((w, i) => {
    if (w.end <= half && w.incident && alerted.has(w.incident)) train.push({ f: own(w), y: truth.positive[i] });
  });
  const pos = train.filter((t) => t.y === 1).length;
  const c =
    pos > 0 && pos < train.length
      ? fitPlatt(
          train.map((t) => t.f),
          train.map((t) => t.y),
        )
      : null;
  const test = (keep: (w: ScoredWindow) => boolean): BrierFigures['allWindows'] => {
    const ys: number[] = [];
    const raw: number[] = [];
    const cal: number[] = [];
    pass.windows.forEach((w, i) => {
      if (w.start < half || !keep(w)) return;
      ys.push(truth.positive[i]);
      raw.push(w.probability ?? w.score100 / 100);
      if (c) cal.push(calibrate(c, own(w)));
    });
    return { n: ys.length, uncalibrated: brier(raw, ys), calibrated: c ? brier(cal, ys) : null };
  };
  return {
    trainPositives: pos,
    trainNegatives: train.length - pos,
    calibration: c,
    allWindows: test(() => true),
    alerted: test((w) => w.incident !== undefined && alerted.has(w.incident)),
  };
}

export async function runFeedbackWorld(
  world: SuiteWorld,
  o: Omit<FeedbackExperimentOptions, 'worlds' | 'onWorld'> = {},
): Promise<FeedbackWorldResult> {
  const scored = await scoredWorldCached(world, { slide: o.slide ?? '15m', ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) });
  if (scored.windows.length > 0 && scored.windows.every((w) => w.pattern === undefined)) {
    throw new Error(`the cached scores of ${world.name} carry no feature patterns (an older cache): delete the cache folder and run again`);
  }
  const options = { alertsPerDay: o.alertsPerDay ?? 10, recurrence: o.recurrence ?? true };
  const baseline = incidentPass(scored.windows, options);
  const truth = truthOf(scored.windows, scored.labels, scored.scoreFrom);
  const feedbackAt = scored.scoreFrom + (o.feedbackDays ?? 2) * DAY_MS;
  const { verdicts, marked: markedRoots, drivers: driversBefore } = analystVerdicts(baseline, truth, feedbackAt, o.patterns ?? 3);
  const applied = applyVerdicts(scored.windows, verdicts, feedbackAt);
  const withFeedback = incidentPass(applied.windows, options);
  const before = periodFigures(baseline, truth, feedbackAt, scored.scoreTo);
  const after = periodFigures(withFeedback, truth, feedbackAt, scored.scoreTo);
  const kept = new Set(after.caught);
  const marked = new Set(markedRoots.map((m) => m.root));
  const driversAfter = [...falseDrivers(baseline, truth, feedbackAt, Infinity).values()];
  return {
    world,
    feedbackAt,
    daysAfter: Math.round(((scored.scoreTo - feedbackAt) / DAY_MS) * 10) / 10,
    marked: markedRoots,
    suppressedWindows: applied.suppressed,
    before,
    after,
    lost: before.caught.filter((a) => !kept.has(a)),
    falseAfterWithMarked: driversAfter.filter((w) => marked.has(driverKey(w))).length,
    // What any verdict on an entity could remove at most: later false incidents driven by an entity
    // that had already driven one before the verdicts.
    falseAfterRepeating: driversAfter.filter((w) => driversBefore.has(driverKey(w))).length,
    falseAfter: driversAfter.length,
    reduction: before.falsePerDay > 0 ? Math.round((1 - after.falsePerDay / before.falsePerDay) * 1000) / 1000 : 0,
    brier: brierFigures(baseline, truth, scored.scoreFrom, scored.scoreTo),
  };
}

export async function runFeedbackExperiment(o: FeedbackExperimentOptions): Promise<FeedbackWorldResult[]> {
  const out: FeedbackWorldResult[] = [];
  for (const world of o.worlds) {
    const r = await runFeedbackWorld(world, o);
    out.push(r);
    o.onWorld?.(r);
  }
  return out;
}

const f3 = (x: number | null): string => (x === null ? '—' : x.toFixed(4));

export function formatFeedbackWorld(r: FeedbackWorldResult): string {
  const b = r.brier;
  return [
    `${r.world.name}  seed ${r.world.seed} · verdicts at ${new Date(r.feedbackAt).toISOString().slice(0, 16)} · ${r.daysAfter} days after`,
    ...r.marked.map((m) => `  benign_expected: ${m.root} (in ${m.falseIncidents} false incidents, ${m.verdicts} verdicts)`),
    `  false incidents/day after the verdicts   ${r.before.falsePerDay.toFixed(2)} → ${r.after.falsePerDay.toFixed(2)}   (${(100 * r.reduction).toFixed(1)}% fewer; target ≥ 30%)`,
    `  incidents/day                            ${r.before.incidentsPerDay.toFixed(2)} → ${r.after.incidentsPerDay.toFixed(2)}   (${r.suppressedWindows} windows suppressed)`,
    `  false incidents after the verdicts (without feedback) driven by a marked entity: ${r.falseAfterWithMarked} of ${r.falseAfter}; by any entity that drove one before: ${r.falseAfterRepeating}`,
    `  attacks caught                           ${r.before.caught.length} → ${r.after.caught.length}   lost: ${r.lost.length ? r.lost.join(', ') : 'none'}`,
    `  Brier (held-out 2nd half, Platt on ${b.trainPositives}+/${b.trainNegatives}− judged windows): all ${b.allWindows.n} windows ${f3(b.allWindows.uncalibrated)} → ${f3(b.allWindows.calibrated)}; alerted ${b.alerted.n} windows ${f3(b.alerted.uncalibrated)} → ${f3(b.alerted.calibrated)}`,
  ].join('\n');
}

export function formatFeedbackSummary(results: readonly FeedbackWorldResult[]): string {
  const met = results.filter((r) => r.reduction >= 0.3 && r.lost.length === 0).length;
  const brierBetter = results.filter(
    (r) => r.brier.alerted.calibrated !== null && r.brier.alerted.calibrated < r.brier.alerted.uncalibrated,
  ).length;
  const worst = Math.min(...results.map((r) => r.reduction));
  return [
    `feedback experiment over ${results.length} worlds:`,
    `  ≥ 30% fewer false incidents/day with no attack lost: ${met}/${results.length} worlds (smallest fall ${(100 * worst).toFixed(1)}%)`,
    `  attacks lost to suppression: ${results.reduce((s, r) => s + r.lost.length, 0)}`,
    `  feedback-calibrated Brier lower than uncalibrated on alerted windows: ${brierBetter}/${results.length} worlds`,
  ].join('\n');
}
