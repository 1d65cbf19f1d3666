/**
 * `vigil eval --suite WORLDS --ablate MODEL`: what one ensemble member adds or costs, at the
 * analyst's level, across several simulated worlds. Each world is scored twice with the same
 * events, jobs and seeds — once without MODEL, once with it (the only difference) — and counted
 * exactly as the suite counts (analyst.ts): distinct attacks caught at 5 and 10 incidents a day,
 * false incidents a day at the default setting, window-level PR-AUC, and the wall time of scoring.
 *
 * The decision rule (`ablationDecision`) is written down before the numbers: a member ships enabled
 * only when it loses no attack at 5 or 10 incidents/day in any world, adds no more than
 * FALSE_TOLERANCE false incidents/day in any world, and gains (an attack caught, FALSE_TOLERANCE
 * fewer false incidents/day, or PR-AUC up by PR_AUC_GAIN) in at least half of the worlds.
 */
import type { ModelName } from '../models/detectors.js';
import { MODEL_NAMES, OFF_BY_DEFAULT } from '../models/detectors.js';
import type { ModelSwitches } from './jobs.js';
import { runWorld, type ScoredPass, type SuiteWorld, type WorldResult } from './suite.js';

/** A change in false incidents/day below this is rounding noise (figures are rounded to 0.1). */
export const FALSE_TOLERANCE = 0.25;
/** PR-AUC gain that counts as a gain on its own. */
export const PR_AUC_GAIN = 0.01;

/** One variant's figures in one world (the ensemble at the analyst's level). */
export interface VariantFigures {
  readonly caughtAt5: number;
  readonly caughtAt10: number;
  readonly incidentsPerDay: number;
  readonly falsePerDay: number;
  readonly prAuc: number;
  /** Wall time of scoring when it was scored (null when unknown: a cache written by an older version). */
  readonly scoringSeconds: number | null;
}

export interface AblationWorld {
  readonly world: string;
  readonly attacks: number;
  readonly without: VariantFigures;
  readonly with: VariantFigures;
  readonly verdict: 'gain' | 'hurt' | 'neutral';
}

export interface AblationResult {
  readonly model: ModelName;
  /** Whether MODEL is on in the shipped defaults (the "with" run is then the default). */
  readonly onByDefault: boolean;
  readonly slide: string;
  readonly worlds: readonly AblationWorld[];
  readonly decision: AblationDecision;
  /** 1-minute load average when the runs ended (scoring times depend on it). */
  readonly loadAverage: number;
}

export interface AblationDecision {
  readonly ship: boolean;
  readonly gains: number;
  readonly hurts: number;
  readonly reason: string;
}

export function variantFigures(r: WorldResult): VariantFigures {
  const e = r.figures.models.ensemble;
  return {
    caughtAt5: e.caughtAt['5'] ?? 0,
    caughtAt10: e.caughtAt['10'] ?? 0,
    incidentsPerDay: e.atDefault?.incidentsPerDay ?? 0,
    falsePerDay: e.atDefault?.falsePerDay ?? 0,
    prAuc: e.prAuc,
    scoringSeconds: r.scoringMs === undefined ? null : Math.round(r.scoringMs / 100) / 10,
  };
}

/** A world's verdict: hurt when an attack is lost or false incidents rise; gain when something improves and nothing is hurt. */
export function worldVerdict(without: VariantFigures, withModel: VariantFigures): AblationWorld['verdict'] {
  const lost = withModel.caughtAt5 < without.caughtAt5 || withModel.caughtAt10 < without.caughtAt10;
  const moreFalse = withModel.falsePerDay - without.falsePerDay > FALSE_TOLERANCE;
  if (lost || moreFalse) return 'hurt';
  const gained =
    withModel.caughtAt5 > without.caughtAt5 ||
    withModel.caughtAt10 > without.caughtAt10 ||
    without.falsePerDay - withModel.falsePerDay > FALSE_TOLERANCE ||
    // PR-AUC is reported to 3 decimals: compare in thousandths so 0.41 − 0.40 counts as 0.01.
    Math.round((withModel.prAuc - without.prAuc) * 1000) >= Math.round(PR_AUC_GAIN * 1000);
  return gained ? 'gain' : 'neutral';
}

export function ablationDecision(model: ModelName, worlds: readonly AblationWorld[]): AblationDecision {
  const gains = worlds.filter((w) => w.verdict === 'gain').length;
  const hurts = worlds.filter((w) => w.verdict === 'hurt').length;
  const ship = worlds.length > 0 && hurts === 0 && gains * 2 >= worlds.length;
  const reason = ship
    ? `${model} gains in ${gains}/${worlds.length} worlds and hurts in none: ship it enabled`
    : hurts > 0
      ? `${model} hurts in ${hurts}/${worlds.length} worlds (an attack lost or > ${FALSE_TOLERANCE} more false incidents/day): keep it off`
      : `${model} gains in only ${gains}/${worlds.length} worlds (needs at least half): keep it off`;
  return { ship, gains, hurts, reason };
}

export interface AblationOptions {
  readonly model: ModelName;
  readonly worlds: readonly SuiteWorld[];
  readonly slide?: string;
  readonly alertsPerDay?: number;
  readonly cacheDir?: string;
  /** Each world's passes (without, then with), e.g. for the fairness table. */
  readonly inspect?: (pass: ScoredPass, variant: 'without' | 'with') => void;
  readonly onWorld?: (w: AblationWorld) => void;
  /** The 1-minute load average (os.loadavg()[0]); injectable for tests. */
  readonly loadAverage: () => number;
}

/** The model switched off and on over the defaults. */
export function ablationSwitches(model: ModelName): { without: ModelSwitches; with: ModelSwitches } {
  if (!MODEL_NAMES.includes(model)) throw new RangeError(`ablation: unknown model "${model}"; known: ${MODEL_NAMES.join(', ')}`);
  return { without: { [model]: { enabled: false } }, with: { [model]: { enabled: true } } };
}

export async function runAblation(o: AblationOptions): Promise<AblationResult> {
  const switches = ablationSwitches(o.model);
  const worlds: AblationWorld[] = [];
  for (const world of o.worlds) {
    const run = async (variant: 'without' | 'with'): Promise<WorldResult> =>
      runWorld(world, {
        models: switches[variant],
        ...(o.slide ? { slide: o.slide } : {}),
        ...(o.alertsPerDay ? { alertsPerDay: o.alertsPerDay } : {}),
        ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
        ...(o.inspect ? { inspect: (p: ScoredPass) => o.inspect?.(p, variant) } : {}),
      });
    const without = variantFigures(await run('without'));
    const withResult = await run('with');
    const w: AblationWorld = {
      world: world.name,
      attacks: withResult.figures.attacksScored,
      without,
      with: variantFigures(withResult),
      verdict: 'neutral',
    };
    const judged = { ...w, verdict: worldVerdict(w.without, w.with) };
    worlds.push(judged);
    o.onWorld?.(judged);
  }
  return {
    model: o.model,
    onByDefault: !OFF_BY_DEFAULT.has(o.model),
    slide: o.slide ?? '15m',
    worlds,
    decision: ablationDecision(o.model, worlds),
    loadAverage: Math.round(o.loadAverage() * 10) / 10,
  };
}

const arrow = (a: string, b: string, width: number): string => `${a} → ${b}`.padStart(width);
const secs = (x: number | null): string => (x === null ? '?' : x.toFixed(0));

/** Cost of scoring with the model, relative to without (e.g. "+38%"); '—' when a side was cached. */
export function costText(w: AblationWorld): string {
  const a = w.without.scoringSeconds;
  const b = w.with.scoringSeconds;
  if (a === null || b === null || a <= 0) return '—';
  const pct = Math.round((100 * (b - a)) / a);
  return `${pct >= 0 ? '+' : ''}${pct}%`;
}

/** The ablation as a text table, one row per world (without → with), then the decision. */
export function formatAblation(r: AblationResult): string {
  const lines = [
    `ablation: ${r.model} (ensemble without → with; ${r.model} is ${r.onByDefault ? 'on' : 'off'} by default), hourly windows sliding ${r.slide}`,
    `  world        attacks   caught@5/day  caught@10/day  false inc/day@default  incidents/day        PR-AUC    scoring s (cost)  verdict`,
  ];
  for (const w of r.worlds) {
    lines.push(
      `  ${w.world.padEnd(12)} ${String(w.attacks).padStart(7)} ${arrow(String(w.without.caughtAt5), String(w.with.caughtAt5), 14)} ${arrow(String(w.without.caughtAt10), String(w.with.caughtAt10), 14)}` +
        ` ${arrow(w.without.falsePerDay.toFixed(1), w.with.falsePerDay.toFixed(1), 22)} ${arrow(w.without.incidentsPerDay.toFixed(1), w.with.incidentsPerDay.toFixed(1), 14)}` +
        ` ${arrow(w.without.prAuc.toFixed(3), w.with.prAuc.toFixed(3), 14)} ${`${arrow(secs(w.without.scoringSeconds), secs(w.with.scoringSeconds), 9)} (${costText(w)})`.padStart(17)}  ${w.verdict}`,
    );
  }
  lines.push(
    `  scoring times at a 1-minute load average of ${r.loadAverage} (2 shared cores): compare them with each other, not across runs`,
  );
  lines.push(`decision: ${r.decision.reason}`);
  return lines.join('\n');
}
