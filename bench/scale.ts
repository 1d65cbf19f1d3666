/**
 * `npm run bench -- --scale [--json] [--sizes 1000,10000,100000] [--baseline 1000,10000]
 *   [--windows-per-entity 6] [--day-sizes 1000] [--day-windows 96] [--day-warmup-hours 3]`
 *
 * Simulated estates of N users (one authentication event stream, the `auth_by_user` preset, 1 h
 * windows, 3 h warm-up, `--windows-per-entity` scored windows at 1 h slides, default 6) through the
 * real pipeline: `vigil install` and
 * `vigil backfill` as child processes of the compiled CLI (built first, see `buildCli`) against an OpenSearch with a 512 MB heap started for the
 * benchmark on its own ports (9260 / 9360, never the shared test engines). Per estate:
 *
 *   scale.ew_per_s.N            scored entity-windows per second of backfill wall time (warm-up included)
 *   scale.peak_rss_mb.N         peak RSS of the backfill process (VmHWM)
 *   scale.rss_mb_per_100k.N     peak RSS scaled to 100 k entities
 *   scale.docs_per_1m_ew.N      anomaly-index documents per 1 M scored entity-windows
 *   scale.bytes_per_1m_ew.N     anomaly-index bytes (force-merged store) per 1 M scored entity-windows
 * and `scale.cost_exponent`: the slope of log(wall) on log(entity-windows) over the estates (1 =
 * linear). Where `--baseline` lists the estate, the same events also run with the previous
 * design's settings (write_min_score 0, no rollups: one document per entity-window; the state
 * committed after every window) and the throughput / documents / bytes lines carry it as the
 * baseline (ratio > 1 = Vigil's defaults better). The machine is shared: `scale.load_1m` is the
 * 1-minute load average while the estate ran.
 * `scale.id_fielddata_bytes.N` is the `_id` fielddata the backfill left in the engine's heap (0:
 * no query sorts or aggregates on `_id`). `scale.load_1m.N` is the mean 1-minute load average
 * sampled while the default run's backfill ran (`scale.load_1m_baseline.N` for the baseline run):
 * throughput measured under load is depressed. Set VIGIL_SCALE_CPU_PROF=DIR to write a
 * `node --cpu-prof` profile of each backfill into DIR.
 *
 * A realistic day (`scale.day.*`, for the estates of `--day-sizes`, default 1,000 users only: the
 * 10,000-user day is about a million entity-windows, twice): the presets' shape — 1 h windows at
 * 15-minute slides — with `--day-windows` scored windows (default 96, one UTC day), default
 * settings against the previous ones. The documents and bytes per 1 M entity-windows depend on how
 * many windows one daily rollup stands for: 6 in the lines above, 96 here.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine } from '../src/embedded/launcher.js';
import { clusterSchema } from '../src/config/cluster.js';
import type { BulkOperation, Engine, JsonObject } from '../src/engine/engine.js';
import { OpenSearchEngine } from '../src/engine/opensearch.js';
import { eventsIndexTemplate } from '../test/fixtures/pipeline-events.js';
import type { BenchLine } from './types.js';

const H = 3_600_000;
const START = Date.parse('2026-03-02T08:00:00Z');
const WARMUP_HOURS = 3;
/** Scored windows per entity of the main estates (1 h slides) unless `--windows-per-entity` says otherwise. */
export const DEFAULT_WINDOWS_PER_ENTITY = 6;
/** The realistic day: scored from midnight UTC, so the default 96 windows of 15 minutes are one daily rollup period. */
const DAY_START = Date.parse('2026-03-02T00:00:00Z');
export const DEFAULT_DAY_WINDOWS = 96;
const PORTS = { httpPort: 9260, transportPort: 9360 };
const REPO = new URL('../', import.meta.url).pathname;
/**
 * The previous design's settings: one document per entity-window, the state committed after every
 * window, no nearest-neighbour evidence (`vigil run` / `backfill` wrote none then).
 */
const PREVIOUS: JsonObject = { write_min_score: 0, rollup: 'none', checkpoint_every: 1, neighbours: false };

export interface ScaleOptions {
  readonly sizes: readonly number[];
  readonly baseline: readonly number[];
  /** Scored windows per entity of the main estates (1 h slides; default 6). */
  readonly windowsPerEntity?: number;
  /** Estates also run for a realistic day (15-minute slides), default and previous settings. */
  readonly daySizes?: readonly number[];
  /** Scored windows of the realistic day (default 96 = one day at 15-minute slides). */
  readonly dayWindows?: number;
  /** Warm-up of the realistic day in hours (default 3, as the estates). */
  readonly dayWarmupHours?: number;
  /**
   * Several runners on one job (`--runners N --runner-users U`): the job split into N partitions,
   * backfilled once by one runner (all partitions) and once by N runners at the same time (one
   * partition each), on the main estate's shape.
   */
  readonly runners?: number;
  readonly runnerUsers?: number;
  readonly onLine?: (line: BenchLine) => void;
  readonly progress?: (message: string) => void;
}

/** The job's slide and scored windows, the time the scoring starts and the warm-up hours before it. */
interface Shape {
  readonly slideMinutes: number;
  readonly scored: number;
  readonly scoreFrom: number;
  readonly warmupHours: number;
}

/** Hours of events a shape needs: the warm-up, the scored windows' starts and the last window's hour. */
function shapeHours(shape: Shape): number {
  return shape.warmupHours + Math.ceil(((shape.scored - 1) * shape.slideMinutes) / 60 + 1);
}

interface RunFigures {
  readonly seconds: number;
  readonly load: number;
  readonly entityWindows: number;
  readonly peakRssMb: number;
  readonly documents: number;
  readonly bytes: number;
}

/** A deterministic 32-bit hash (the estate needs variety, not randomness). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

/** A quarter hour: each user logs on at most once in each. */
const QUARTER = H / 4;

/**
 * One hour of authentication events: each user logs on at most once per quarter hour, with a chance
 * of 2 in 3 (2.7 logons an hour on average; an hour-long window holds none for 1 user in 81, so
 * nearly every user is an entity of every window), and a few logons fail. Drawn per quarter hour,
 * not per clock hour, so any hour-long window at a 15-minute boundary holds the same mix: the
 * windows the models learn from (aligned to the hour) look like the ones they score between them.
 */
function hourEvents(users: number, hour: number, start: number): JsonObject[] {
  const out: JsonObject[] = [];
  const hourStart = start + hour * H;
  for (let u = 0; u < users; u++) {
    for (let q = 0; q < 4; q++) {
      const slot = hour * 4 + q;
      if (mix(u, slot) % 3 === 0) continue;
      const r = mix(u * 4 + q, slot + 1000);
      const failed = r % 17 === 0;
      out.push({
        '@timestamp': new Date(hourStart + q * QUARTER + (r % QUARTER)).toISOString(),
        event: {
          category: ['authentication'],
          type: ['start'],
          action: failed ? 'logon-failed' : 'logon',
          outcome: failed ? 'failure' : 'success',
        },
        user: { name: `u${u}` },
        source: { ip: `10.${(u >> 16) & 255}.${(u >> 8) & 255}.${u & 255}`, geo: { country_iso_code: r % 101 === 0 ? 'DE' : 'US' } },
        host: { name: `ws-${(u + (r % 211 === 0 ? 7 : 0)) % 5000}` },
      });
    }
  }
  return out;
}

/** `hours` hours of events from `start`. */
export async function indexEstate(engine: Engine, index: string, users: number, hours: number, start: number): Promise<number> {
  // The pipeline tests' authentication mapping (ECS types, strict).
  await engine.putIndexTemplate(`${index}-template`, eventsIndexTemplate(index));
  let events = 0;
  for (let hour = 0; hour < hours; hour++) {
    const all = hourEvents(users, hour, start);
    for (let i = 0; i < all.length; i += 5_000) {
      const ops: BulkOperation[] = all.slice(i, i + 5_000).map((document) => ({ action: 'index', index, document }));
      const result = await engine.bulk(ops);
      if (result.failed > 0)
        throw new Error(`indexing the estate: ${result.failed} events refused (${result.items.find((x) => !x.ok)?.error?.reason ?? '?'})`);
    }
    events += all.length;
  }
  await engine.refresh(index);
  return events;
}

export function writeConfig(url: string, events: string, out: string, policy: JsonObject, shape: Shape, partitions = 1): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-scale-'));
  const path = join(dir, 'vigil.json');
  const pipeline: JsonObject = { lease_ttl: '120s', ...policy };
  const config = {
    cluster: { urls: [url], flavour: 'opensearch', request_timeout_ms: 300_000 },
    jobs: [
      {
        id: 'auth',
        preset: 'auth_by_user',
        index: events,
        window: '1h',
        slide: `${shape.slideMinutes}m`,
        delay: '1m',
        warmup: `${shape.warmupHours}h`,
        partitions,
      },
    ],
    output: {
      anomaly_index: `${out}-anomalies`,
      state_index: `${out}-state`,
      dead_letter_index: `${out}-dead-letter`,
      status_index: `${out}-status`,
    },
    pipeline,
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/**
 * The CLI as users run it: `dist/src/cli/main.js`, compiled from this tree by `buildCli` when the
 * benchmark starts. Through tsx the same backfill measured about 200 MB more peak RSS (its
 * transpile cache and source maps) and ran 5–10 % slower (the `__name` wrappers it adds).
 */
const CLI = join(REPO, 'dist/src/cli/main.js');

/** Compiles the tree (`tsc -p tsconfig.build.json`, as `npm ci` / `npm run build` do) so CLI is this tree's code. */
export function buildCli(progress?: (message: string) => void): void {
  progress?.('compiling the CLI (tsc -p tsconfig.build.json)');
  execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', join(REPO, 'tsconfig.build.json')], {
    cwd: REPO,
    stdio: 'inherit',
  });
}

/** Runs the compiled CLI in one node process, sampling its peak RSS (VmHWM) until it exits. */
function cli(
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<{ stdout: string; peakRssMb: number; seconds: number; load: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeFlags, CLI, ...args], {
      cwd: REPO,
      env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    const loads: number[] = [];
    let ticks = 0;
    const sample = (): void => {
      if (ticks++ % 50 === 0) loads.push(loadavg()[0]);
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid ?? 0}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // the process has just exited
      }
    };
    const timer = setInterval(sample, 100);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`vigil ${args.join(' ')} exited with ${code}:\n${stderr.slice(-3000)}`));
      else
        resolve({
          stdout,
          peakRssMb: peakKb / 1024,
          seconds: (performance.now() - started) / 1000,
          load: loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length),
        });
    });
  });
}

async function indexFigures(url: string, engine: Engine, index: string): Promise<{ documents: number; bytes: number }> {
  await engine.refresh(index);
  await fetch(`${url}/${index}/_forcemerge?max_num_segments=1`, { method: 'POST' });
  // _count, not _stats: the stats count every nested feature as a Lucene document of its own.
  const stats = (await (await fetch(`${url}/${index}/_stats/store`)).json()) as {
    _all: { primaries: { store: { size_in_bytes: number } } };
  };
  return { documents: await engine.count(index), bytes: stats._all.primaries.store.size_in_bytes };
}

async function runPipeline(
  url: string,
  events: string,
  out: string,
  policy: JsonObject,
  engine: Engine,
  shape: Shape,
): Promise<RunFigures> {
  await engine.deleteIndex(`${out}-*`);
  const config = writeConfig(url, events, out, policy, shape);
  await cli(['install', '--config', config]);
  const from = new Date(shape.scoreFrom - shape.warmupHours * H).toISOString();
  // The end of the last scored window (1 h windows).
  const to = new Date(shape.scoreFrom + (shape.scored - 1) * shape.slideMinutes * 60_000 + H).toISOString();
  const profile = process.env.VIGIL_SCALE_CPU_PROF;
  const run = await cli(
    ['backfill', '--config', config, '--from', from, '--to', to, '--json', '--no-progress', '--no-alerts'],
    profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [],
  );
  const summary = (JSON.parse(run.stdout) as { summary: { entity_windows: number } }).summary;
  const figures = await indexFigures(url, engine, `${out}-anomalies`);
  await engine.deleteIndex(`${out}-*`);
  return { seconds: run.seconds, load: run.load, entityWindows: summary.entity_windows, peakRssMb: run.peakRssMb, ...figures };
}

/** What the anomaly index holds, to compare two runs: documents, alerts and the sum of their scores. */
async function anomalyDigest(url: string, engine: Engine, index: string): Promise<{ documents: number; alerts: number; scoreSum: number }> {
  await engine.refresh(index);
  const body = {
    size: 0,
    track_total_hits: true,
    aggs: { score: { sum: { field: 'vigil.score' } }, alerts: { filter: { term: { 'vigil.is_alert': true } } } },
  };
  const r = (await (
    await fetch(`${url}/${index}/_search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  ).json()) as { hits: { total: { value: number } }; aggregations: { score: { value: number }; alerts: { doc_count: number } } };
  return {
    documents: r.hits.total.value,
    alerts: r.aggregations.alerts.doc_count,
    scoreSum: Math.round(r.aggregations.score.value * 10) / 10,
  };
}

interface RunnersFigures {
  readonly seconds: number;
  readonly load: number;
  readonly entityWindows: number;
  /** Peak RSS summed over the runners. */
  readonly peakRssMb: number;
  readonly digest: { documents: number; alerts: number; scoreSum: number };
}

/**
 * The job split into `partitions`, backfilled by `runners` processes at once (runner i takes
 * partitions i, i + runners, …): wall time until the last one finishes, entity-windows summed.
 */
async function runRunners(
  url: string,
  events: string,
  out: string,
  engine: Engine,
  shape: Shape,
  partitions: number,
  runners: number,
): Promise<RunnersFigures> {
  await engine.deleteIndex(`${out}-*`);
  const config = writeConfig(url, events, out, {}, shape, partitions);
  await cli(['install', '--config', config]);
  const from = new Date(shape.scoreFrom - shape.warmupHours * H).toISOString();
  const to = new Date(shape.scoreFrom + (shape.scored - 1) * shape.slideMinutes * 60_000 + H).toISOString();
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: runners }, (_, r) => {
      const mine = Array.from({ length: partitions }, (_, p) => p).filter((p) => p % runners === r);
      return cli([
        'backfill',
        '--config',
        config,
        '--from',
        from,
        '--to',
        to,
        '--partitions',
        mine.join(','),
        '--json',
        '--no-progress',
        '--no-alerts',
      ]);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const entityWindows = runs.reduce(
    (n, run) => n + (JSON.parse(run.stdout) as { summary: { entity_windows: number } }).summary.entity_windows,
    0,
  );
  const digest = await anomalyDigest(url, engine, `${out}-anomalies`);
  await engine.deleteIndex(`${out}-*`);
  return {
    seconds,
    load: runs.reduce((n, run) => n + run.load, 0) / runs.length,
    entityWindows,
    peakRssMb: runs.reduce((n, run) => n + run.peakRssMb, 0),
    digest,
  };
}

/** `_id` fielddata in the engine's heap: what a PIT `_index` + `_id` tiebreak loads (the 30,000-user failure); the pipeline should load none. */
async function idFielddataBytes(url: string): Promise<number> {
  const stats = (await (await fetch(`${url}/_nodes/stats/indices/fielddata?fields=_id`)).json()) as {
    nodes: Record<string, { indices: { fielddata: { fields?: Record<string, { memory_size_in_bytes: number }> } } }>;
  };
  return Object.values(stats.nodes).reduce((n, node) => n + (node.indices.fielddata.fields?._id?.memory_size_in_bytes ?? 0), 0);
}

/** Least-squares slope of log(y) on log(x). */
export function logLogSlope(points: readonly { x: number; y: number }[]): number {
  const xs = points.map((p) => Math.log(p.x));
  const ys = points.map((p) => Math.log(p.y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

export async function runScale(options: ScaleOptions): Promise<BenchLine[]> {
  const lines: BenchLine[] = [];
  const emit = (line: BenchLine): void => {
    lines.push(line);
    options.onLine?.(line);
  };
  const main: Shape = {
    slideMinutes: 60,
    scored: options.windowsPerEntity ?? DEFAULT_WINDOWS_PER_ENTITY,
    scoreFrom: START + WARMUP_HOURS * H,
    warmupHours: WARMUP_HOURS,
  };
  const day: Shape = {
    slideMinutes: 15,
    scored: options.dayWindows ?? DEFAULT_DAY_WINDOWS,
    scoreFrom: DAY_START,
    warmupHours: options.dayWarmupHours ?? WARMUP_HOURS,
  };
  for (const s of [main, day])
    if (!Number.isInteger(s.scored) || s.scored < 1)
      throw new RangeError(`scale: scored windows must be a whole number ≥ 1, got ${s.scored}`);
  buildCli(options.progress);
  const running = await startEngine('opensearch', { ...PORTS, heap: '512m', timeoutSeconds: 600, onProgress: options.progress });
  const engine = new OpenSearchEngine(clusterSchema.parse({ urls: [running.url], flavour: 'opensearch', request_timeout_ms: 300_000 }));
  const fits: { x: number; y: number }[] = [];
  const perM = (n: number, ew: number): number => (n / Math.max(1, ew)) * 1e6;
  /** Documents and bytes per 1 M entity-windows, with the previous settings' as the baseline where they ran. */
  const emitVolume = (prefix: string, users: number, now: RunFigures, before: RunFigures | undefined, target?: string): void => {
    const volumes = [
      { name: 'docs_per_1m_ew', unit: 'documents', of: (f: RunFigures) => f.documents },
      { name: 'bytes_per_1m_ew', unit: 'bytes', of: (f: RunFigures) => f.bytes, target },
    ];
    for (const v of volumes) {
      const value = perM(v.of(now), now.entityWindows);
      const was = before ? perM(v.of(before), before.entityWindows) : undefined;
      emit({
        bench: `${prefix}.${v.name}.${users}`,
        value,
        unit: v.unit,
        ...(was !== undefined ? { baseline: 'every entity-window written', baseline_value: was, ratio: was / Math.max(1, value) } : {}),
        ...(v.target ? { target: v.target } : {}),
      });
    }
  };
  try {
    emit({ bench: 'scale.windows_per_entity', value: main.scored, unit: 'windows (1 h slides)' });
    for (const users of options.sizes) {
      const events = `bench-scale-events-${users}`;
      await engine.deleteIndex(events);
      const hours = shapeHours(main);
      options.progress?.(`indexing ${users} users × ${hours} h`);
      const count = await indexEstate(engine, events, users, hours, main.scoreFrom - main.warmupHours * H);
      options.progress?.(`${count} events indexed; backfill with the default policy`);
      await fetch(`${running.url}/_cache/clear?fielddata=true`, { method: 'POST' });
      const now = await runPipeline(running.url, events, `bench-scale-${users}`, {}, engine, main);
      emit({ bench: `scale.load_1m.${users}`, value: now.load, unit: 'load' });
      emit({ bench: `scale.wall_s.${users}`, value: now.seconds, unit: 's' });
      emit({ bench: `scale.id_fielddata_bytes.${users}`, value: await idFielddataBytes(running.url), unit: 'bytes', target: '≤ 0' });
      fits.push({ x: now.entityWindows, y: now.seconds });
      let before: RunFigures | undefined;
      if (options.baseline.includes(users)) {
        options.progress?.('backfill with the previous settings (every entity-window written, state committed after every window)');
        before = await runPipeline(running.url, events, `bench-scale-${users}-full`, PREVIOUS, engine, main);
        emit({ bench: `scale.load_1m_baseline.${users}`, value: before.load, unit: 'load' });
        emit({ bench: `scale.wall_s_baseline.${users}`, value: before.seconds, unit: 's' });
      }
      emit({
        bench: `scale.ew_per_s.${users}`,
        value: now.entityWindows / now.seconds,
        unit: 'entity-windows/s',
        ...(before
          ? {
              baseline: 'previous settings',
              baseline_value: before.entityWindows / before.seconds,
              ratio: now.entityWindows / now.seconds / (before.entityWindows / before.seconds),
            }
          : {}),
        ...(users >= 10_000 ? { target: '≥ 1,700' } : {}),
      });
      emit({ bench: `scale.entity_windows.${users}`, value: now.entityWindows, unit: 'entity-windows' });
      emit({ bench: `scale.peak_rss_mb.${users}`, value: now.peakRssMb, unit: 'MB' });
      emit({
        bench: `scale.rss_mb_per_100k.${users}`,
        value: (now.peakRssMb / users) * 100_000,
        unit: 'MB',
        ...(users >= 10_000 ? { target: '≤ 400' } : {}),
      });
      emitVolume('scale', users, now, before, '≥ 10×');
      await engine.deleteIndex(events);
    }
    if (fits.length >= 2)
      emit({ bench: 'scale.cost_exponent', value: logLogSlope(fits), unit: 'slope of log wall on log entity-windows', target: '≤ 1.1' });
    if ((options.daySizes ?? []).length > 0) {
      emit({ bench: 'scale.day.windows_per_entity', value: day.scored, unit: 'windows (1 h windows, 15 min slides)' });
      emit({ bench: 'scale.day.warmup_hours', value: day.warmupHours, unit: 'h' });
    }
    for (const users of options.daySizes ?? []) {
      const events = `bench-scale-day-events-${users}`;
      await engine.deleteIndex(events);
      const hours = shapeHours(day);
      options.progress?.(`a realistic day: indexing ${users} users × ${hours} h, ${day.scored} windows of 15 minutes scored`);
      await indexEstate(engine, events, users, hours, day.scoreFrom - day.warmupHours * H);
      const now = await runPipeline(running.url, events, `bench-scale-day-${users}`, {}, engine, day);
      emit({ bench: `scale.day.load_1m.${users}`, value: now.load, unit: 'load' });
      emit({ bench: `scale.day.wall_s.${users}`, value: now.seconds, unit: 's' });
      options.progress?.('a realistic day with the previous settings');
      const before = await runPipeline(running.url, events, `bench-scale-day-${users}-full`, PREVIOUS, engine, day);
      emit({ bench: `scale.day.load_1m_baseline.${users}`, value: before.load, unit: 'load' });
      emit({ bench: `scale.day.wall_s_baseline.${users}`, value: before.seconds, unit: 's' });
      emit({
        bench: `scale.day.ew_per_s.${users}`,
        value: now.entityWindows / now.seconds,
        unit: 'entity-windows/s',
        baseline: 'previous settings',
        baseline_value: before.entityWindows / before.seconds,
        ratio: now.entityWindows / now.seconds / (before.entityWindows / before.seconds),
      });
      emit({ bench: `scale.day.entity_windows.${users}`, value: now.entityWindows, unit: 'entity-windows' });
      emitVolume('scale.day', users, now, before, '≥ 10×');
      await engine.deleteIndex(events);
    }
    if (options.runners !== undefined && options.runners > 1) {
      const n = options.runners;
      const users = options.runnerUsers ?? 10_000;
      const events = `bench-scale-runners-events-${users}`;
      await engine.deleteIndex(events);
      options.progress?.(`${n} runners: indexing ${users} users × ${shapeHours(main)} h`);
      await indexEstate(engine, events, users, shapeHours(main), main.scoreFrom - main.warmupHours * H);
      options.progress?.(`one runner, the job in ${n} partitions`);
      const one = await runRunners(running.url, events, `bench-scale-runners1-${users}`, engine, main, n, 1);
      options.progress?.(`${n} runners at once, one partition each`);
      const many = await runRunners(running.url, events, `bench-scale-runners${n}-${users}`, engine, main, n, n);
      emit({ bench: `scale.runners.load_1m.${n}x${users}`, value: many.load, unit: 'load' });
      /** A figure of the N runners against one runner's (ratio > 1: the N runners are better). */
      const against = (name: string, unit: string, of: (f: RunnersFigures) => number, higherIsBetter: boolean): void => {
        const [value, was] = [of(many), of(one)];
        emit({
          bench: `scale.runners.${name}.${n}x${users}`,
          value,
          unit,
          baseline: '1 runner',
          baseline_value: was,
          ratio: higherIsBetter ? value / was : was / value,
        });
      };
      against('wall_s', 's', (f) => f.seconds, false);
      against('ew_per_s', 'entity-windows/s', (f) => f.entityWindows / f.seconds, true);
      against('peak_rss_mb', 'MB (summed)', (f) => f.peakRssMb, false);
      const same = many.entityWindows === one.entityWindows && JSON.stringify(many.digest) === JSON.stringify(one.digest);
      emit({
        bench: `scale.runners.same_documents.${n}x${users}`,
        value: same ? 1 : 0,
        unit: `1 = the same entity-windows (${many.entityWindows} / ${one.entityWindows}), documents, alerts and score sum as one runner (${JSON.stringify(many.digest)} / ${JSON.stringify(one.digest)})`,
        target: '≥ 1',
      });
      await engine.deleteIndex(events);
    }
  } finally {
    await engine.close();
  }
  return lines;
}
