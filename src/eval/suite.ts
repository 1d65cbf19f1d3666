/**
 * `vigil eval --suite` (`npm run eval:suite`): detection quality at the analyst's level across
 * several simulated worlds, so no single seed or estate can be tuned for. Each world is simulated
 * (its own seed, size, period, role mix, time zones, schedules and noisy services — see
 * src/simulate/profile.ts), replayed through the pipeline's JobRunner in memory with the presets on
 * hourly windows sliding by 15 minutes, then through the incident pass exactly as the pipeline
 * runs it (src/incidents), and counted by analyst.ts. Printed per world, then the worst case.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { planJob } from '../pipeline/job-plan.js';
import { log } from '../log.js';
import { parseAttackSpec, type SimulateOptions } from '../simulate/options.js';
import { simulate } from '../simulate/simulate.js';
import { NdjsonFileSink } from '../simulate/sinks.js';
import { analystFigures, ANALYST_BUDGETS, type AnalystFigures } from './analyst.js';
import { bucketByDay, readLines, removeBuckets } from './event-tape.js';
import { incidentPass, type IncidentAlert, type RuleHitWeights } from './incident-pass.js';
import { defaultEvalJobs, type ModelSwitches } from './jobs.js';
import { parseLabels } from './labels.js';
import { formatLabel } from '../simulate/labels.js';
import { runInMemory } from './memory-run.js';
import { rulesForJob } from './rules.js';
import { MODEL_KEYS, type ScoredWindow } from './scored-window.js';
import { formatAnalystTable, num1, shortModelName } from './format.js';
import type { Label } from './labels.js';

const DAY_MS = 86_400_000;
/** First instant of every suite world. */
export const SUITE_START_MS = Date.parse('2026-03-02T00:00:00Z');

export interface SuiteWorld {
  readonly name: string;
  readonly seed: number;
  readonly users: number;
  readonly hosts: number;
  readonly days: number;
  readonly warmupDays: number;
  readonly attacks: string;
  readonly stealth: number;
}

/**
 * The suite's worlds: several seeds, 150–3,000 accounts, 14–30 days, attacks after a three-day
 * warm-up, each world's own profile (derived from its seed). Sizes are kept so the whole suite
 * runs in reasonable time on two cores; `--suite smoke` runs the first world on fewer days.
 */
export const SUITE_WORLDS: readonly SuiteWorld[] = [
  { name: 'w1-small', seed: 11, users: 150, hosts: 60, days: 14, warmupDays: 3, attacks: 'all:1', stealth: 0.3 },
  { name: 'w2-mid', seed: 23, users: 300, hosts: 110, days: 14, warmupDays: 3, attacks: 'all:1', stealth: 0.35 },
  { name: 'w3-month', seed: 37, users: 200, hosts: 80, days: 30, warmupDays: 3, attacks: 'all:2', stealth: 0.3 },
  { name: 'w4-quiet', seed: 41, users: 250, hosts: 90, days: 21, warmupDays: 3, attacks: 'all:1', stealth: 0.45 },
  { name: 'w5-large', seed: 53, users: 600, hosts: 200, days: 14, warmupDays: 3, attacks: 'all:1', stealth: 0.3 },
  { name: 'w6-estate', seed: 67, users: 3000, hosts: 800, days: 14, warmupDays: 3, attacks: 'all:1', stealth: 0.3 },
];

export const SMOKE_WORLD: SuiteWorld = {
  name: 'smoke',
  seed: 5,
  users: 120,
  hosts: 50,
  days: 6,
  warmupDays: 3,
  attacks: 'brute_force,password_spray,lateral_movement,data_exfiltration',
  stealth: 0.2,
};

export interface WorldResult {
  readonly world: SuiteWorld;
  readonly events: number;
  readonly figures: AnalystFigures;
  readonly elapsedMs: number;
  /** Wall time of scoring alone (the JobRunner over every window; simulation excluded), as measured when it was scored (kept in the cache). */
  readonly scoringMs?: number;
}

/** What a world's incident pass produced, handed to SuiteOptions.inspect (the fairness table reads it). */
export interface ScoredPass {
  readonly world: SuiteWorld;
  readonly windows: readonly ScoredWindow[];
  readonly alerts: readonly IncidentAlert[];
  readonly labels: readonly Label[];
  readonly scoreFrom: number;
  readonly scoreTo: number;
}

export interface SuiteOptions {
  readonly worlds: readonly SuiteWorld[];
  /** Slide of the hourly windows (default 15m). */
  readonly slide?: string;
  readonly alertsPerDay?: number;
  /**
   * Keep each world's scored windows here and reuse them on the next run (scoring is the slow
   * part; the incident pass and the counting take seconds). Only valid while the models and
   * features are unchanged: delete the folder after changing them.
   */
  readonly cacheDir?: string;
  /** Ensemble members switched on or off over the defaults (the ablation); part of the cache key. */
  readonly models?: ModelSwitches;
  /** The rule pack's matches as soft labels on Vigil's windows (`--rule-hits`: Vigil deployed beside the SOC's rules). */
  readonly ruleHits?: RuleHitWeights;
  /** Called with each world's windows after the incident pass (they are not kept in the result). */
  readonly inspect?: (pass: ScoredPass) => void;
  readonly onWorld?: (r: WorldResult) => void;
}

export interface ScoredWorld {
  readonly windows: ScoredWindow[];
  readonly labels: Label[];
  readonly events: number;
  readonly scoreFrom: number;
  readonly scoreTo: number;
  readonly latencyMs: number;
  readonly scoringMs?: number;
}

/** A cache-file tag for model switches ('' for the defaults). */
function switchesTag(models: ModelSwitches | undefined): string {
  if (!models) return '';
  return Object.entries(models)
    .map(([m, t]) => `-${m}${t.enabled ? 'On' : 'Off'}${t.weight !== undefined ? `w${t.weight}` : ''}`)
    .join('');
}

/** Simulates one world, scores it in memory, runs the incident pass, counts at the analyst's level. */
export async function runWorld(
  world: SuiteWorld,
  options: Pick<SuiteOptions, 'slide' | 'alertsPerDay' | 'cacheDir' | 'models' | 'inspect' | 'ruleHits'> = {},
): Promise<WorldResult> {
  const started = Date.now();
  const scored = await scoredWorldCached(world, options);
  const pass = incidentPass(scored.windows, {
    alertsPerDay: options.alertsPerDay ?? 10,
    ...(options.ruleHits ? { ruleHits: options.ruleHits } : {}),
  });
  const figures = analystFigures({
    windows: pass.windows,
    labels: scored.labels,
    alerts: pass.alerts,
    scoreFrom: scored.scoreFrom,
    scoreTo: scored.scoreTo,
    latencyMs: scored.latencyMs,
  });
  options.inspect?.({
    world,
    windows: pass.windows,
    alerts: pass.alerts,
    labels: scored.labels,
    scoreFrom: scored.scoreFrom,
    scoreTo: scored.scoreTo,
  });
  return {
    world,
    events: scored.events,
    figures,
    elapsedMs: Date.now() - started,
    ...(scored.scoringMs !== undefined ? { scoringMs: scored.scoringMs } : {}),
  };
}

/**
 * A world's scored windows: read from `cacheDir` when an earlier run kept them (same world, seed,
 * slide and models), else simulated and scored, and kept there. Every command that evaluates the
 * suite's worlds (the suite, the feedback experiment) shares this one cache.
 */
export async function scoredWorldCached(
  world: SuiteWorld,
  options: Pick<SuiteOptions, 'slide' | 'cacheDir' | 'models'> = {},
): Promise<ScoredWorld> {
  const slide = options.slide ?? '15m';
  const cacheFile = options.cacheDir
    ? join(options.cacheDir, `${world.name}-${world.seed}-${world.users}-${world.days}-${slide}${switchesTag(options.models)}.ndjson`)
    : undefined;
  if (cacheFile && existsSync(cacheFile)) return readCache(cacheFile);
  const scored = await scoreWorld(world, slide, options.models);
  if (cacheFile) await writeCache(cacheFile, scored);
  return scored;
}

/**
 * The cache is NDJSON: a header line (labels, counts, span), then one scored window a line — a
 * 3,000-user world has millions of windows, more than one JSON string can hold.
 */
async function writeCache(file: string, scored: ScoredWorld): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  const { windows, ...header } = scored;
  const put = async (value: unknown): Promise<void> => {
    if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
  };
  await put({ ...header, windowCount: windows.length });
  for (const w of windows) await put(w);
  out.end();
  await once(out, 'finish');
  await rename(partial, file);
}

async function readCache(file: string): Promise<ScoredWorld> {
  let header: (Omit<ScoredWorld, 'windows'> & { windowCount: number }) | undefined;
  const windows: ScoredWindow[] = [];
  for await (const line of readLines(file)) {
    if (!line) continue;
    if (header) windows.push(JSON.parse(line) as ScoredWindow);
    else header = JSON.parse(line) as Omit<ScoredWorld, 'windows'> & { windowCount: number };
  }
  if (!header) throw new Error(`${file}: empty suite cache; delete it to score the world again`);
  const { windowCount, ...rest } = header;
  if (windows.length !== windowCount)
    throw new Error(`${file}: incomplete suite cache (${windows.length} of ${windowCount} windows); delete it to score the world again`);
  return { ...rest, windows };
}

/** Simulates a world and scores every entity-window with the pipeline's JobRunner (the slow part). */
export async function scoreWorld(world: SuiteWorld, slideText: string, models?: ModelSwitches): Promise<ScoredWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-suite-'));
  try {
    const eventsPath = join(dir, 'events.ndjson');
    const simOptions: SimulateOptions = {
      seed: world.seed,
      days: world.days,
      users: world.users,
      hosts: world.hosts,
      startMs: SUITE_START_MS,
      attacks: parseAttackSpec(world.attacks),
      intensity: 1,
      stealth: world.stealth,
      warmupDays: world.warmupDays,
      varied: true,
    };
    const sink = await NdjsonFileSink.create(eventsPath);
    const summary = await simulate({ options: simOptions, sinks: [sink] });
    const labels = parseLabels(summary.labels.map((l) => formatLabel(l)));
    const buckets = await bucketByDay(eventsPath, '@timestamp');
    await rm(eventsPath, { force: true });
    try {
      const warmupMs = world.warmupDays * DAY_MS;
      const jobs = defaultEvalJobs('events', warmupMs, slideText, models);
      const plans = jobs.map((j) => planJob(j));
      const slide = Math.max(...plans.map((p) => p.spec.slideMs));
      const scoreFrom = Math.ceil((Math.floor(buckets.minTime / slide) * slide + warmupMs) / slide) * slide;
      const rules = new Map(jobs.map((j) => [j.id, rulesForJob(j)]));
      const scoringStarted = performance.now();
      const mem = await runInMemory({ plans, rules, buckets, timeField: '@timestamp', scoreFrom, narratives: false });
      const scoringMs = performance.now() - scoringStarted;
      const delayMs = Math.max(...plans.map((p) => p.spec.delayMs));
      const p50 = [...mem.stepLatencyMs].sort((a, b) => a - b)[mem.stepLatencyMs.length >> 1] ?? 0;
      return {
        windows: mem.windows.filter((w) => w.start >= scoreFrom),
        labels,
        events: summary.events,
        scoreFrom,
        scoreTo: buckets.maxTime + 1,
        latencyMs: delayMs + p50,
        scoringMs,
      };
    } finally {
      await removeBuckets(buckets);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runSuite(options: SuiteOptions): Promise<WorldResult[]> {
  const results: WorldResult[] = [];
  for (const world of options.worlds) {
    log.info({ world: world.name, users: world.users, days: world.days }, 'suite: world');
    const r = await runWorld(world, options);
    results.push(r);
    options.onWorld?.(r);
  }
  return results;
}

/** One world's table: a row per model. */
export function formatWorld(r: WorldResult): string {
  const f = r.figures;
  const w = r.world;
  return [
    `${w.name}  seed ${w.seed} · ${w.users} users · ${w.days} days (${w.warmupDays} warm-up) · ${r.events.toLocaleString('en-US')} events · ${f.attacksScored} scored attacks · ${f.windows.toLocaleString('en-US')} entity-windows · ${(r.elapsedMs / 1000).toFixed(0)} s`,
    ...formatAnalystTable(f),
  ].join('\n');
}

/** One line per world, for diffs between runs and branches: caught@5/10/25 per model, then Vigil's default figures. */
export function compactLine(r: WorldResult): string {
  const f = r.figures;
  const d = f.models.ensemble.atDefault;
  const caught = MODEL_KEYS.map(
    (m) => `${shortModelName(m)} ${ANALYST_BUDGETS.map((b) => f.models[m].caughtAt[String(b)] ?? 0).join('/')}`,
  ).join(' · ');
  return `${r.world.name} of ${f.attacksScored}: ${caught} | false/day ${num1(d?.falsePerDay)} 1st-day ${d?.firstDayFalse ?? '—'} TTD ${num1(d?.ttdMedianMinutes)} PR-AUC ${f.models.ensemble.prAuc.toFixed(3)}`;
}

/** Figures of the worst case, each with the world it comes from. */
type WorstFigure = 'caughtShareAt10' | 'falsePerDay' | 'firstDayFalse' | 'ttdMedianMinutes';

export interface WorstCase {
  readonly caughtShareAt10: number;
  readonly beatsBaselinesAt5And10: number;
  readonly falsePerDay: number;
  readonly firstDayFalse: number;
  readonly ttdMedianMinutes: number | null;
  readonly worlds: number;
  /** The world each worst figure comes from (first one on ties). */
  readonly from: Partial<Record<WorstFigure, string>>;
  /** Worlds where Vigil does not catch more than every baseline at 5 and at 10 incidents a day. */
  readonly notBeating: readonly string[];
}

export function worstCase(results: readonly WorldResult[]): WorstCase {
  let share = Infinity;
  let falsePerDay = 0;
  let firstDay = 0;
  let ttd: number | null = null;
  const from: Partial<Record<WorstFigure, string>> = {};
  const notBeating: string[] = [];
  for (const r of results) {
    const f = r.figures;
    const e = f.models.ensemble;
    const name = r.world.name;
    const s = f.attacksScored ? (e.caughtAt['10'] ?? 0) / f.attacksScored : 1;
    if (s < share) [share, from.caughtShareAt10] = [s, name];
    const beat = (['rules', 'zscore', 'iforest'] as const).every((m) =>
      ['5', '10'].every((b) => (e.caughtAt[b] ?? 0) > (f.models[m].caughtAt[b] ?? 0)),
    );
    if (!beat) notBeating.push(name);
    const fp = e.atDefault?.falsePerDay ?? 0;
    if (from.falsePerDay === undefined || fp > falsePerDay) [falsePerDay, from.falsePerDay] = [fp, name];
    const fd = e.atDefault?.firstDayFalse ?? 0;
    if (from.firstDayFalse === undefined || fd > firstDay) [firstDay, from.firstDayFalse] = [fd, name];
    const t = e.atDefault?.ttdMedianMinutes ?? null;
    if (t !== null && (ttd === null || t > ttd)) [ttd, from.ttdMedianMinutes] = [t, name];
  }
  return {
    caughtShareAt10: share,
    beatsBaselinesAt5And10: results.length - notBeating.length,
    falsePerDay,
    firstDayFalse: firstDay,
    ttdMedianMinutes: ttd,
    worlds: results.length,
    from,
    notBeating,
  };
}

export function formatWorstCase(w: WorstCase): string {
  const at = (k: WorstFigure): string => (w.from[k] ? `  (${w.from[k]})` : '');
  const ok = (met: boolean): string => (met ? 'met' : 'NOT met');
  return [
    `worst case over ${w.worlds} worlds (Vigil, default settings: 10 incidents/day budget):`,
    `  attacks caught at 10 incidents/day   ${(100 * w.caughtShareAt10).toFixed(0)}%${at('caughtShareAt10')}   target ≥ 90%: ${ok(w.caughtShareAt10 >= 0.9)}`,
    `  more than every baseline at 5 and 10 ${w.beatsBaselinesAt5And10}/${w.worlds} worlds${w.notBeating.length ? `  (not: ${w.notBeating.join(', ')})` : ''}   target all: ${ok(w.notBeating.length === 0)}`,
    `  false incidents/day                  ${w.falsePerDay.toFixed(1)}${at('falsePerDay')}   target ≤ 4: ${ok(w.falsePerDay <= 4)}`,
    `  false incidents, first scored day    ${w.firstDayFalse}${at('firstDayFalse')}   target ≤ 10: ${ok(w.firstDayFalse <= 10)}`,
    `  median time to detect                ${num1(w.ttdMedianMinutes)} min${at('ttdMedianMinutes')}   target ≤ 20: ${ok(w.ttdMedianMinutes !== null && w.ttdMedianMinutes <= 20)}`,
  ].join('\n');
}
