/**
 * From scored entity-windows and labels to the figures a SOC cares about, for the ensemble and
 * each baseline on exactly the same windows:
 *
 * - window level (every entity-window of every job after warm-up is one sample; positive when it
 *   matches a label under the rule in labels.ts): PR-AUC (average precision), ROC-AUC, FPR at 95 %
 *   recall, precision among the k highest scores;
 * - attack level (the labels of one attack form one attack; it is caught at the first threshold —
 *   or within the daily alert budget — where any matching window is alerted): recall at an alert
 *   budget of N alerts per day, and PR-AUC / ROC-AUC / FPR at 95 % with recall counted in attacks;
 * - mean time to detect per scenario at the budget; processing latency per window;
 * - 95 % confidence intervals by a block bootstrap over days (bootstrap.ts).
 */
import { round } from '../numbers.js';
import { blockBootstrap, type Interval } from './bootstrap.js';
import {
  averagePrecision,
  buildCurve,
  curveAveragePrecision,
  curveFprAtRecall,
  curveForPlot,
  curvePrecisionAtK,
  curveRocAuc,
  fprAtRecall,
  orderByScore,
  precisionAtK,
  rocAuc,
  type Curve,
  type RankingInput,
} from './metrics.js';
import { LabelIndex, type Label } from './labels.js';
import { COMPONENT_KEYS, MODEL_KEYS, type ComponentKey, type ModelKey, type ScoredWindow } from './scored-window.js';

const DAY_MS = 86_400_000;
/** Daily alert budgets the attack recall is also reported at. */
const BUDGET_SWEEP = [5, 10, 25, 50, 100];

export interface EvaluateOptions {
  /** Windows after warm-up (warm-up windows are never scored). */
  readonly windows: readonly ScoredWindow[];
  readonly labels: readonly Label[];
  /** First scored instant (end of warm-up) and end of the data. */
  readonly scoreFrom: number;
  readonly scoreTo: number;
  readonly budgetPerDay: number;
  readonly k: number;
  readonly recallTarget: number;
  readonly resamples: number;
  readonly seed: number;
  /** Per-step processing times (ms) and the ingest delay the jobs wait before reading a window. */
  readonly processingMs: readonly number[];
  readonly delayMs: number;
}

export interface Attack {
  readonly id: number;
  readonly scenario: string;
  readonly technique: string;
  readonly start: number;
  readonly end: number;
  readonly entities: readonly string[];
  /** 'warmup' when the attack ended before scoring began: it cannot be detected by construction. */
  readonly status: 'scored' | 'warmup';
  readonly day: number;
}

export interface ModelMetrics {
  pr_auc: number;
  roc_auc: number;
  fpr_at_95_recall: number;
  precision_at_k: number;
  k: number;
  budget_per_day: number;
  /** Share of positive windows inside the daily budget. */
  recall_at_budget: number;
  /** Share of attacks with at least one matching window inside the daily budget. */
  attack_recall_at_budget: number;
  attacks_caught: number;
  attacks_scored: number;
  /** Mean minutes from attack start to its first alert (budget), over caught attacks. */
  mttd_minutes: number | null;
  attack_level: { pr_auc: number; roc_auc: number; fpr_at_95_recall: number };
  /** Share of attacks caught at other daily budgets (alerts per day → recall), to see how the budget matters. */
  attack_recall_by_budget: Record<string, number>;
  ci95: Record<'pr_auc' | 'roc_auc' | 'fpr_at_95_recall' | 'attack_recall_at_budget' | 'precision_at_k', [number, number]>;
}

export interface AttackOutcome {
  readonly start: string;
  readonly end: string;
  readonly entities: readonly string[];
  readonly status: 'scored' | 'warmup';
  readonly caught: Record<ModelKey, boolean>;
  readonly ttd_minutes: Record<ModelKey, number | null>;
  /** Best position of a matching window in its day's ranking (1 = top), per model. */
  readonly best_daily_rank: Record<ModelKey, number | null>;
  readonly matching_windows: number;
}

export interface ScenarioResult {
  technique: string;
  attacks: number;
  scored: number;
  caught: Record<ModelKey, number>;
  mttd_minutes: Record<ModelKey, number | null>;
  /** Human-readable: "caught" when the ensemble caught every scored attack, "missed" when none, else "partly caught". */
  ensemble_verdict: 'caught' | 'partly caught' | 'missed' | 'not scored';
  instances: AttackOutcome[];
}

export interface PlotData {
  readonly pr: Record<ModelKey, [number, number][]>;
  readonly roc: Record<ModelKey, [number, number][]>;
  /** Score histograms (benign vs attack windows) per model, on the model's own scale. */
  readonly histograms: Record<ModelKey, { edges: number[]; benign: number[]; attack: number[] }>;
  /** Per attack: its matching windows' ensemble scores over time and whether they were alerted. */
  readonly timelines: {
    scenario: string;
    start: number;
    end: number;
    entities: readonly string[];
    points: { t: number; score: number; alerted: boolean; job: string }[];
  }[];
}

export interface EvaluationResult {
  dataset: {
    windows: number;
    positive_windows: number;
    entity_matched_windows: number;
    labels: number;
    attacks: number;
    attacks_in_warmup: number;
    scored_days: number;
    scored_from: string;
    scored_to: string;
  };
  models: Record<ModelKey, ModelMetrics>;
  components: Record<ComponentKey, { pr_auc: number; roc_auc: number; windows_with_input: number }>;
  scenarios: Record<string, ScenarioResult>;
  latency: { processing_ms_p50: number; processing_ms_p95: number; delay_s: number; e2e_s_p95: number };
  ensemble_alerts: { per_day: number; precision: number; attack_recall: number };
  plots: PlotData;
}

function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round((s.length - 1) * q)))];
}

/** Groups labels into attacks (same scenario, technique, start and end). */
export function attacksOf(labels: readonly Label[], scoreFrom: number): { attacks: Attack[]; labelAttack: Map<number, number> } {
  const byKey = new Map<string, Label[]>();
  for (const l of labels) {
    const list = byKey.get(l.attack);
    if (list) list.push(l);
    else byKey.set(l.attack, [l]);
  }
  const attacks: Attack[] = [];
  const labelAttack = new Map<number, number>();
  for (const list of byKey.values()) {
    const id = attacks.length;
    const start = Math.min(...list.map((l) => l.startMs));
    const end = Math.max(...list.map((l) => l.endMs));
    attacks.push({
      id,
      scenario: list[0].scenario,
      technique: list[0].technique,
      start,
      end,
      entities: list.map((l) => `${l.field}=${l.value}`),
      status: end < scoreFrom ? 'warmup' : 'scored',
      day: Math.max(0, Math.floor((start - scoreFrom) / DAY_MS)),
    });
    for (const l of list) labelAttack.set(l.index, id);
  }
  return { attacks, labelAttack };
}

/**
 * Per-day top-`budget` notifications by score (ties: earlier window first). Without `groups`
 * every window is its own notification; with them, windows of one group (an incident found by
 * the relational pass) go out together, as Vigil's correlator sends them: the group's first
 * window takes a budget slot and its other windows ride along without taking one.
 */
export function budgetAlerts(
  scores: ArrayLike<number>,
  days: ArrayLike<number>,
  budget: number,
  groups?: readonly (string | undefined)[],
): { alerted: Uint8Array; rank: Uint32Array } {
  const n = scores.length;
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = byDay.get(days[i]);
    if (list) list.push(i);
    else byDay.set(days[i], [i]);
  }
  const alerted = new Uint8Array(n);
  const rank = new Uint32Array(n);
  for (const list of byDay.values()) {
    list.sort((a, b) => scores[b] - scores[a] || a - b);
    const slotOf = new Map<string, number>();
    let slots = 0;
    list.forEach((i) => {
      const group = groups?.[i];
      let slot = group === undefined ? undefined : slotOf.get(group);
      if (slot === undefined) {
        slot = ++slots;
        if (group !== undefined) slotOf.set(group, slot);
      }
      rank[i] = slot;
      if (slot <= budget) alerted[i] = 1;
    });
  }
  return { alerted, rank };
}

function histogram(
  scores: ArrayLike<number>,
  positive: ArrayLike<number>,
  bins = 40,
): { edges: number[]; benign: number[]; attack: number[] } {
  const values = Array.from(scores);
  // Clip the range to the 0.5–99.9th percentiles so one outlier does not squash the picture.
  const lo = percentile(values, 0.005);
  let hi = percentile(values, 0.999);
  for (let i = 0; i < values.length; i++) if (positive[i]) hi = Math.max(hi, values[i]);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const benign = new Array<number>(bins).fill(0);
  const attack = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor((values[i] - lo) / width)));
    if (positive[i]) attack[b]++;
    else benign[b]++;
  }
  return { edges, benign, attack };
}

/** What every step of one evaluation shares: the windows' labels, days and attacks, computed once. */
interface EvalContext {
  readonly options: EvaluateOptions;
  readonly windows: readonly ScoredWindow[];
  readonly n: number;
  readonly attacks: readonly Attack[];
  readonly scoredAttacks: readonly Attack[];
  /** Per window: 1 when it matches a label. */
  readonly positive: Uint8Array;
  /** Per window: 1 when a label names the window's own entity (not only a related value). */
  readonly entityMatched: Uint8Array;
  /** Per window: the scored attacks it matches. */
  readonly attackLists: readonly number[][];
  /** Per window: its day since scoring began. */
  readonly days: Uint32Array;
  readonly scoredDays: number;
  readonly processingP50: number;
}

/** Which windows are positive, which attacks each matches, and each window's day. */
function labelWindows(options: EvaluateOptions): EvalContext {
  const { windows, labels, scoreFrom } = options;
  const n = windows.length;
  const { attacks, labelAttack } = attacksOf(labels, scoreFrom);
  const index = new LabelIndex(labels);
  const positive = new Uint8Array(n);
  const entityMatched = new Uint8Array(n);
  const attackLists = new Array<number[]>(n);
  const days = new Uint32Array(n);
  const scoredDays = Math.max(1, Math.ceil((options.scoreTo - scoreFrom) / DAY_MS));
  for (let i = 0; i < n; i++) {
    const w = windows[i];
    const matched = index.match({ entityValue: w.entity, startMs: w.start, endMs: w.end, related: w.related });
    const ids = new Set<number>();
    for (const l of matched) {
      const a = labelAttack.get(l.index);
      if (a !== undefined && attacks[a].status === 'scored') ids.add(a);
      if (l.value === w.entity) entityMatched[i] = 1;
    }
    positive[i] = matched.length > 0 ? 1 : 0;
    attackLists[i] = [...ids];
    days[i] = Math.min(scoredDays - 1, Math.max(0, Math.floor((w.start - scoreFrom) / DAY_MS)));
  }
  const scoredAttacks = attacks.filter((a) => a.status === 'scored');
  const processingP50 = percentile(options.processingMs, 0.5);
  return { options, windows, n, attacks, scoredAttacks, positive, entityMatched, attackLists, days, scoredDays, processingP50 };
}

export function evaluate(options: EvaluateOptions): EvaluationResult {
  const ctx = labelWindows(options);
  const models = {} as Record<ModelKey, ModelMetrics>;
  const plots: PlotData = { pr: {} as PlotData['pr'], roc: {} as PlotData['roc'], histograms: {} as PlotData['histograms'], timelines: [] };
  const alertSets = {} as Record<ModelKey, BudgetAlerts>;
  for (const model of MODEL_KEYS) {
    const scores = new Float64Array(ctx.n);
    for (let i = 0; i < ctx.n; i++) scores[i] = ctx.windows[i].scores[model];
    const { metrics, alerts, curve } = evaluateModel(ctx, model, scores);
    models[model] = metrics;
    alertSets[model] = alerts;
    const plot = curveForPlot(curve, 'window');
    plots.pr[model] = plot.pr;
    plots.roc[model] = plot.roc;
    plots.histograms[model] = histogram(scores, ctx.positive);
  }
  const components = componentMetrics(ctx);
  const scenarios = scenarioResults(ctx, alertSets, plots.timelines);
  const p95 = percentile(options.processingMs, 0.95);
  return {
    dataset: datasetSummary(ctx),
    models,
    components,
    scenarios,
    latency: {
      processing_ms_p50: round(ctx.processingP50, 1),
      processing_ms_p95: round(p95, 1),
      delay_s: options.delayMs / 1000,
      e2e_s_p95: round((options.delayMs + p95) / 1000, 2),
    },
    ensemble_alerts: ensembleOwnAlerts(ctx),
    plots,
  };
}

type BudgetAlerts = ReturnType<typeof budgetAlerts>;

/** One model's window- and attack-level figures with bootstrap intervals, its budget alerts and its curve. */
function evaluateModel(
  ctx: EvalContext,
  model: ModelKey,
  scores: Float64Array,
): { metrics: ModelMetrics; alerts: BudgetAlerts; curve: Curve } {
  const { options, windows, n, positive, attackLists, attacks, scoredAttacks, days } = ctx;
  const input: RankingInput = { scores, positive, attacksOf: attackLists, attackCount: attacks.length };
  const order = orderByScore(scores);
  // Attack ids are dense over all attacks; warm-up ones get weight 0 so they never count.
  const attackWeightBase = new Float64Array(attacks.length);
  for (const a of scoredAttacks) attackWeightBase[a.id] = 1;
  const curve = buildCurve(input, { window: new Float64Array(n).fill(1), attack: attackWeightBase }, order);
  // Only Vigil groups windows into incidents (its correlator); the baselines alert per window.
  const groups = model === 'ensemble' ? windows.map((w) => w.incident) : undefined;
  const budget = budgetAlerts(scores, days, options.budgetPerDay, groups);

  const caughtAt = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (!budget.alerted[i]) continue;
    for (const a of attackLists[i]) caughtAt.set(a, Math.min(caughtAt.get(a) ?? Infinity, windows[i].end));
  }
  let tpBudget = 0;
  let posTotal = 0;
  for (let i = 0; i < n; i++) {
    if (positive[i]) {
      posTotal++;
      if (budget.alerted[i]) tpBudget++;
    }
  }
  const ttds: number[] = [];
  for (const [a, t] of caughtAt) ttds.push(Math.max(0, t + options.delayMs + ctx.processingP50 - attacks[a].start) / 60_000);
  const metrics: ModelMetrics = {
    pr_auc: round(averagePrecision(scores, positive)),
    roc_auc: round(rocAuc(scores, positive)),
    fpr_at_95_recall: round(fprAtRecall(scores, positive, options.recallTarget), 5),
    precision_at_k: round(precisionAtK(scores, positive, options.k)),
    k: options.k,
    budget_per_day: options.budgetPerDay,
    recall_at_budget: round(posTotal > 0 ? tpBudget / posTotal : NaN),
    attack_recall_at_budget: round(scoredAttacks.length ? caughtAt.size / scoredAttacks.length : NaN),
    attacks_caught: caughtAt.size,
    attacks_scored: scoredAttacks.length,
    mttd_minutes: ttds.length ? round(ttds.reduce((s, x) => s + x, 0) / ttds.length, 1) : null,
    attack_level: {
      pr_auc: round(curveAveragePrecision(curve, 'attack')),
      roc_auc: round(curveRocAuc(curve, 'attack')),
      fpr_at_95_recall: round(curveFprAtRecall(curve, options.recallTarget, 'attack'), 5),
    },
    attack_recall_by_budget: attackRecallByBudget(ctx, scores, budget, groups),
    ci95: bootstrapIntervals(ctx, input, order, caughtAt),
  };
  return { metrics, alerts: budget, curve };
}

/** Share of scored attacks caught at each daily budget of BUDGET_SWEEP. */
function attackRecallByBudget(
  ctx: EvalContext,
  scores: Float64Array,
  budget: BudgetAlerts,
  groups: readonly (string | undefined)[] | undefined,
): Record<string, number> {
  const { options, n, attackLists, scoredAttacks } = ctx;
  return Object.fromEntries(
    BUDGET_SWEEP.map((b) => {
      const alerted = b === options.budgetPerDay ? budget.alerted : budgetAlerts(scores, ctx.days, b, groups).alerted;
      const caught = new Set<number>();
      for (let i = 0; i < n; i++) if (alerted[i]) for (const a of attackLists[i]) caught.add(a);
      return [String(b), round(scoredAttacks.length ? caught.size / scoredAttacks.length : NaN)];
    }),
  );
}

/** 95 % intervals by a block bootstrap over days: a day drawn twice weighs its windows and attacks twice. */
function bootstrapIntervals(
  ctx: EvalContext,
  input: RankingInput,
  order: Uint32Array,
  caughtAt: ReadonlyMap<number, number>,
): ModelMetrics['ci95'] {
  const { options, n, days, attacks, scoredAttacks, scoredDays } = ctx;
  const bootstrap = blockBootstrap(scoredDays, { resamples: options.resamples, seed: options.seed }, (dayWeights) => {
    const ww = new Float64Array(n);
    for (let i = 0; i < n; i++) ww[i] = dayWeights[days[i]];
    const aw = new Float64Array(attacks.length);
    for (const a of scoredAttacks) aw[a.id] = dayWeights[Math.min(scoredDays - 1, a.day)];
    const c = buildCurve(input, { window: ww, attack: aw }, order);
    let caughtW = 0;
    let totalW = 0;
    for (const a of scoredAttacks) {
      totalW += aw[a.id];
      if (caughtAt.has(a.id)) caughtW += aw[a.id];
    }
    return {
      pr_auc: curveAveragePrecision(c, 'window'),
      roc_auc: curveRocAuc(c, 'window'),
      fpr_at_95_recall: curveFprAtRecall(c, options.recallTarget, 'window'),
      attack_recall_at_budget: totalW > 0 ? caughtW / totalW : NaN,
      precision_at_k: curvePrecisionAtK(c, options.k * (ww.reduce((s, x) => s + x, 0) / Math.max(1, n))),
    };
  });
  const ci = (name: string): [number, number] => {
    const iv: Interval | undefined = bootstrap[name];
    return iv ? [round(iv.low), round(iv.high)] : [NaN, NaN];
  };
  return {
    pr_auc: ci('pr_auc'),
    roc_auc: ci('roc_auc'),
    fpr_at_95_recall: ci('fpr_at_95_recall'),
    attack_recall_at_budget: ci('attack_recall_at_budget'),
    precision_at_k: ci('precision_at_k'),
  };
}

/** Window-level PR-AUC / ROC-AUC of each ensemble component alone (windows without its input score 0). */
function componentMetrics(ctx: EvalContext): EvaluationResult['components'] {
  const components = {} as EvaluationResult['components'];
  for (const c of COMPONENT_KEYS) {
    const scores = new Float64Array(ctx.n);
    let withInput = 0;
    for (let i = 0; i < ctx.n; i++) {
      const v = ctx.windows[i].components[c];
      if (v !== undefined) withInput++;
      scores[i] = v ?? 0;
    }
    components[c] = {
      pr_auc: round(averagePrecision(scores, ctx.positive)),
      roc_auc: round(rocAuc(scores, ctx.positive)),
      windows_with_input: withInput,
    };
  }
  return components;
}

/** Per scenario: its attacks, which models caught each (at the budget), when, and the ensemble's timeline of each. */
function scenarioResults(
  ctx: EvalContext,
  alertSets: Record<ModelKey, BudgetAlerts>,
  timelines: PlotData['timelines'],
): Record<string, ScenarioResult> {
  const matchingWindows = new Map<number, number[]>();
  for (let i = 0; i < ctx.n; i++)
    for (const a of ctx.attackLists[i]) {
      const list = matchingWindows.get(a);
      if (list) list.push(i);
      else matchingWindows.set(a, [i]);
    }
  const scenarios: Record<string, ScenarioResult> = {};
  for (const a of [...ctx.attacks].sort((x, y) => x.start - y.start)) {
    const matches = matchingWindows.get(a.id) ?? [];
    const s = (scenarios[a.scenario] ??= {
      technique: a.technique,
      attacks: 0,
      scored: 0,
      caught: Object.fromEntries(MODEL_KEYS.map((m) => [m, 0])) as Record<ModelKey, number>,
      mttd_minutes: Object.fromEntries(MODEL_KEYS.map((m) => [m, null])) as Record<ModelKey, number | null>,
      ensemble_verdict: 'not scored',
      instances: [],
    });
    const outcome = attackOutcome(ctx, a, matches, alertSets);
    s.attacks++;
    if (a.status === 'scored') s.scored++;
    for (const m of MODEL_KEYS) if (outcome.caught[m]) s.caught[m]++;
    s.instances.push(outcome);
    const { windows } = ctx;
    timelines.push({
      scenario: a.scenario,
      start: a.start,
      end: a.end,
      entities: a.entities,
      points: matches.map((i) => ({
        t: windows[i].start,
        score: windows[i].score100,
        alerted: Boolean(alertSets.ensemble.alerted[i]),
        job: windows[i].job,
      })),
    });
  }
  for (const s of Object.values(scenarios)) {
    for (const m of MODEL_KEYS) {
      const t = s.instances.map((x) => x.ttd_minutes[m]).filter((x): x is number => x !== null);
      s.mttd_minutes[m] = t.length ? round(t.reduce((p, x) => p + x, 0) / t.length, 1) : null;
    }
    s.ensemble_verdict =
      s.scored === 0 ? 'not scored' : s.caught.ensemble === s.scored ? 'caught' : s.caught.ensemble === 0 ? 'missed' : 'partly caught';
  }
  return scenarios;
}

/** One attack: caught or not by each model at the budget, its time to detect and its best daily rank. */
function attackOutcome(ctx: EvalContext, a: Attack, matches: readonly number[], alertSets: Record<ModelKey, BudgetAlerts>): AttackOutcome {
  const caught = {} as Record<ModelKey, boolean>;
  const ttd = {} as Record<ModelKey, number | null>;
  const bestRank = {} as Record<ModelKey, number | null>;
  for (const m of MODEL_KEYS) {
    const alertedWindows = matches.filter((i) => alertSets[m].alerted[i]);
    caught[m] = a.status === 'scored' && alertedWindows.length > 0;
    const first = alertedWindows.length ? Math.min(...alertedWindows.map((i) => ctx.windows[i].end)) : undefined;
    ttd[m] = first === undefined ? null : round(Math.max(0, first + ctx.options.delayMs + ctx.processingP50 - a.start) / 60_000, 1);
    bestRank[m] = matches.length ? Math.min(...matches.map((i) => alertSets[m].rank[i])) : null;
  }
  return {
    start: new Date(a.start).toISOString(),
    end: new Date(a.end).toISOString(),
    entities: a.entities,
    status: a.status,
    caught,
    ttd_minutes: ttd,
    best_daily_rank: bestRank,
    matching_windows: matches.length,
  };
}

/** The ensemble's own alert decisions (drift-aware threshold), for comparison with the budget. */
function ensembleOwnAlerts(ctx: EvalContext): EvaluationResult['ensemble_alerts'] {
  let ownAlerts = 0;
  let ownTp = 0;
  const ownCaught = new Set<number>();
  for (let i = 0; i < ctx.n; i++) {
    if (!ctx.windows[i].isAlert) continue;
    ownAlerts++;
    if (ctx.positive[i]) ownTp++;
    for (const a of ctx.attackLists[i]) ownCaught.add(a);
  }
  const scored = ctx.scoredAttacks.length;
  return {
    per_day: round(ownAlerts / ctx.scoredDays, 1),
    precision: round(ownAlerts ? ownTp / ownAlerts : NaN),
    attack_recall: round(scored ? ownCaught.size / scored : NaN),
  };
}

function datasetSummary(ctx: EvalContext): EvaluationResult['dataset'] {
  let posCount = 0;
  let entityCount = 0;
  for (let i = 0; i < ctx.n; i++) {
    posCount += ctx.positive[i];
    entityCount += ctx.entityMatched[i];
  }
  return {
    windows: ctx.n,
    positive_windows: posCount,
    entity_matched_windows: entityCount,
    labels: ctx.options.labels.length,
    attacks: ctx.attacks.length,
    attacks_in_warmup: ctx.attacks.length - ctx.scoredAttacks.length,
    scored_days: ctx.scoredDays,
    scored_from: new Date(ctx.options.scoreFrom).toISOString(),
    scored_to: new Date(ctx.options.scoreTo).toISOString(),
  };
}
