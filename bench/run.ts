/**
 * `npm run bench` prints a readable table with a pass/fail column against each line's target;
 * `npm run bench -- --json` prints one JSON object a line on stdout and nothing else there.
 * `npm run bench -- iforest` runs only the suites whose file name contains "iforest";
 * `--strict` exits 1 when a target is missed (by default a miss is shown, the exit code is 0).
 * `npm run bench -- --scale [--sizes 1000,10000,100000] [--baseline 1000,10000] [--windows-per-entity 6]
 * [--day-sizes 1000] [--day-windows 96] [--day-warmup-hours 3]` runs only the scale benchmark (bench/scale.ts: the real pipeline on its own 512 MB OpenSearch; minutes to hours).
 *
 * Each suite is bench/<name>.bench.ts exporting `run(): Promise<BenchLine[]>`; baselines run in the
 * same process so machine noise hits both sides alike. A suite that reads VIGIL_BENCH_OPENSEARCH_URL
 * needs OpenSearch: unless that variable is set, the runner starts the pinned embedded node (or
 * reuses one already running) and stops it at the end if it started it. Log lines of the suites go
 * to a file (its path is printed), never into the table; a failing suite is reported in its row
 * and the other suites' figures are kept.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { targetMet } from './target.js';
import type { BenchLine } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const strict = args.includes('--strict');
const valueOf = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const flagValues = new Set(
  [
    '--sizes',
    '--baseline',
    '--windows-per-entity',
    '--day-sizes',
    '--day-windows',
    '--day-warmup-hours',
    '--runners',
    '--runner-users',
  ].map(valueOf),
);
const filters = args.filter((a) => !a.startsWith('--') && !flagValues.has(a));
const sizesOf = (text: string | undefined, fallback: number[]): number[] =>
  text === undefined ? fallback : text.split(',').filter(Boolean).map(Number);
/** A whole-number flag value, or undefined when the flag is absent (the bench's default applies). */
const countOf = (flag: string): number | undefined => {
  const text = valueOf(flag);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: a whole number ≥ 1, got ${text}`);
  return n;
};
const ENGINE_VARIABLE = 'VIGIL_BENCH_OPENSEARCH_URL';

function fmt(n: number | undefined): string {
  if (n === undefined) return '';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(4)).toString();
}

/** Progress and notes: stderr in --json mode (stdout carries only JSON), stdout otherwise. */
function note(message: string): void {
  if (json) console.error(message);
  else console.log(message);
}

interface Row {
  readonly line?: BenchLine;
  readonly pass?: boolean;
  readonly suite: string;
  readonly error?: string;
}

function table(rows: readonly Row[]): string {
  const header = ['bench', 'value', 'unit', 'baseline', 'baseline value', 'ratio', 'target', 'pass'];
  const cells = rows.map((r) =>
    r.line
      ? [
          r.line.bench,
          fmt(r.line.value),
          r.line.unit,
          r.line.baseline ?? '',
          fmt(r.line.baseline_value),
          r.line.ratio === undefined ? '' : `${fmt(r.line.ratio)}×`,
          r.line.target ?? '',
          r.pass === undefined ? '' : r.pass ? 'pass' : 'FAIL',
        ]
      : [r.suite, '', '', '', '', '', '', `ERROR: ${r.error ?? ''}`],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (i === 7 && c[i].startsWith('ERROR') ? 0 : c[i].length))));
  const format = (c: string[]) =>
    c.map((v, i) => (i === 1 || i === 4 || i === 5 ? v.padStart(widths[i]) : i === 7 ? v : v.padEnd(widths[i]))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(format)].join('\n');
}

async function main(): Promise<number> {
  const started = new Date();
  const logFile = process.env.VIGIL_LOG_FILE ?? join(tmpdir(), `vigil-bench-${started.toISOString().replace(/[:.]/g, '-')}.log`);
  process.env.VIGIL_LOG_FILE = logFile; // before any suite (or its child process) creates the logger
  process.env.VIGIL_LOG_FORMAT ??= 'json';

  if (args.includes('--scale')) return scale(logFile);
  const suites = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  const needsEngine = suites.filter((f) => readFileSync(join(here, f), 'utf8').includes(ENGINE_VARIABLE));

  const { startEngine, stopEngine } = await import('../src/embedded/launcher.js');
  let stopOpenSearch: (() => Promise<unknown>) | undefined;
  let engineError: string | undefined;
  if (needsEngine.length > 0 && !process.env[ENGINE_VARIABLE]) {
    try {
      const engine = await startEngine('opensearch', { onProgress: (m) => note(`# [engine] ${m}`) });
      process.env[ENGINE_VARIABLE] = engine.url;
      note(
        `# OpenSearch ${engine.version} at ${engine.url}${engine.startedHere ? ' (started for this run; stopped at the end)' : ' (already running; left running)'}`,
      );
      if (engine.startedHere) stopOpenSearch = () => stopEngine('opensearch');
    } catch (error) {
      engineError = `OpenSearch could not be started: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      note(`# ${engineError}`);
    }
  }

  const rows: Row[] = [];
  try {
    for (const file of suites) {
      const suite = file.replace(/\.bench\.ts$/, '');
      if (engineError && needsEngine.includes(file)) {
        rows.push({ suite, error: engineError });
        continue;
      }
      note(`# running ${file} …`);
      try {
        const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<BenchLine[]> };
        for (const line of await mod.run()) {
          const pass = line.target ? targetMet(line) : undefined;
          rows.push({ suite, line, pass });
          if (json) console.log(JSON.stringify({ ...line, ...(pass === undefined ? {} : { pass }) }));
        }
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        rows.push({ suite, error: message });
        if (json) console.log(JSON.stringify({ bench: suite, error: message }));
      }
    }
  } finally {
    await stopOpenSearch?.();
  }

  const failed = rows.filter((r) => r.pass === false).length;
  const errors = rows.filter((r) => r.error).length;
  if (!json) {
    const cpu = cpus();
    console.log(
      `\nmeasured ${started.toISOString().slice(0, 16)}Z on ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, node ${process.version}\n`,
    );
    console.log(table(rows));
    const met = rows.filter((r) => r.pass === true).length;
    console.log(`\n${met} of ${met + failed} targets met${errors ? `, ${errors} suite(s) failed to run` : ''}; log lines: ${logFile}`);
  } else {
    console.error(`# log lines: ${logFile}`);
  }
  return errors > 0 || (strict && failed > 0) ? 1 : 0;
}

/** `--scale`: the estates one after another, each line printed as soon as it is measured. */
async function scale(logFile: string): Promise<number> {
  const { runScale } = await import('./scale.js');
  const rows: Row[] = [];
  await runScale({
    sizes: sizesOf(valueOf('--sizes'), [1_000, 10_000, 100_000]),
    baseline: sizesOf(valueOf('--baseline'), [1_000, 10_000]),
    windowsPerEntity: countOf('--windows-per-entity'),
    daySizes: sizesOf(valueOf('--day-sizes'), [1_000]),
    dayWindows: countOf('--day-windows'),
    dayWarmupHours: countOf('--day-warmup-hours'),
    runners: countOf('--runners'),
    runnerUsers: countOf('--runner-users'),
    onLine: (line) => {
      const pass = line.target ? targetMet(line) : undefined;
      rows.push({ suite: 'scale', line, pass });
      if (json) console.log(JSON.stringify({ ...line, ...(pass === undefined ? {} : { pass }) }));
    },
    progress: (m) => console.error(`# [scale] ${m}`),
  });
  if (!json) console.log(table(rows));
  console.error(`# log lines: ${logFile}`);
  return strict && rows.some((r) => r.pass === false) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
