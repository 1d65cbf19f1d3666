/** `vigil eval --suite`: picks the worlds, runs them one by one, prints each as it finishes and the worst case. */
import { UsageError } from '../usage-error.js';
import { ruleHitsSchema } from '../config/rule-hits.js';
import { durationMs } from '../config/duration.js';
import { compactLine, formatWorld, formatWorstCase, runSuite, SMOKE_WORLD, SUITE_WORLDS, worstCase, type SuiteWorld } from './suite.js';

export interface SuiteCommandOptions {
  readonly which: string;
  readonly slide: string;
  readonly json: boolean;
  readonly budget?: string;
  readonly cacheDir?: string;
  /** `--rule-hits [weight]`: the rule pack's matches as soft labels (default weight 1, two rules at most). */
  readonly ruleHits?: string | boolean;
}

/** rule_hits' defaults (weight, max_rules), so the suite measures what the pipeline does by default. */
const RULE_HIT_DEFAULTS = ruleHitsSchema.parse({ index: 'unused' });

/** The --rule-hits weight: true = the rule_hits default, a number in (0, 1] otherwise. */
export function ruleHitWeight(flag: string | boolean | undefined): number | undefined {
  if (flag === undefined || flag === false) return undefined;
  if (flag === true) return RULE_HIT_DEFAULTS.weight;
  const w = Number(flag);
  if (!(w > 0 && w <= 1)) throw new UsageError(`--rule-hits takes a weight in (0, 1], got "${flag}"`);
  return w;
}

export function suiteWorlds(which: string): SuiteWorld[] {
  if (which === 'all') return [...SUITE_WORLDS];
  if (which === 'smoke') return [SMOKE_WORLD];
  const names = which.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !SUITE_WORLDS.some((w) => w.name === n));
  if (unknown.length)
    throw new UsageError(`--suite: unknown world ${unknown.join(', ')}; known: all, smoke, ${SUITE_WORLDS.map((w) => w.name).join(', ')}`);
  return SUITE_WORLDS.filter((w) => names.includes(w.name));
}

export async function runSuiteCommand(o: SuiteCommandOptions): Promise<void> {
  const worlds = suiteWorlds(o.which);
  try {
    durationMs(o.slide);
  } catch {
    throw new UsageError(`--slide must be a duration such as 15m or 1h, got "${o.slide}"`);
  }
  const budget = o.budget === undefined ? 10 : Number(o.budget);
  if (!Number.isInteger(budget) || budget < 1) throw new UsageError(`--budget must be a whole number ≥ 1, got "${o.budget}"`);
  const weight = ruleHitWeight(o.ruleHits);
  if (weight !== undefined && !o.json)
    console.log(
      `Vigil with the rule pack's matches as soft labels: weight ${weight} (${(3 * weight).toFixed(2)} σ a rule), at most ${RULE_HIT_DEFAULTS.max_rules} rules a window\n`,
    );
  const results = await runSuite({
    worlds,
    ...(weight !== undefined ? { ruleHits: { weight, maxRules: RULE_HIT_DEFAULTS.max_rules } } : {}),
    slide: o.slide,
    alertsPerDay: budget,
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    onWorld: (r) => {
      if (o.json) console.log(JSON.stringify({ world: r.world, events: r.events, elapsed_ms: r.elapsedMs, figures: r.figures }));
      else console.log(`${formatWorld(r)}\n`);
    },
  });
  const worst = worstCase(results);
  if (o.json) console.log(JSON.stringify({ worst_case: worst }));
  else
    console.log(
      `${formatWorstCase(worst)}\n\none line per world (to compare runs):\n${results.map((r) => `  ${compactLine(r)}`).join('\n')}`,
    );
}
