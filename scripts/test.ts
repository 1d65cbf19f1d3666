/**
 * The test command (`npm test`): type-check, start the embedded engines the integration tests
 * need, run every test with node's test runner, stop what it started.
 *
 *   npm test                     everything (unit + integration on both engines)
 *   npm test -- --unit           unit tests only (no engines)
 *   npm test -- FILE...          just these test files (engines started when one is an integration test)
 *   npm test -- --lint ...       also lint with --unit or FILE... (a full `npm test` always lints)
 *   npm test -- --no-lint        a full run without the lint step
 *   npm test -- --no-typecheck   skip both the type check and lint (quick re-runs of one file)
 *
 * Lint is `npm run lint` (eslint, prettier --check, scripts/check-deps.ts), run after the type check. It is part
 * of every full run (CI's `npm test`) and left out of the quick loops (--unit, FILE...) unless asked for, since it
 * re-type-checks the whole tree; `npx eslint FILE...` lints just the files at hand.
 *
 * Engines that were already running are reused and left running; VIGIL_KEEP_ENGINES=1 keeps the
 * ones started here too (handy while developing).
 *
 * Quiet and clean: the code under test logs into one file per run (VIGIL_LOG_FILE), not into the
 * test report; the file is kept and its path and last lines printed only when a test failed. The
 * tests' temporary folders live in one folder per run (TMPDIR), removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startEngine, stopEngine, type RunningEngine } from '../src/embedded/launcher.js';
import type { EngineFlavour } from '../src/embedded/versions.js';

function findTests(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(relative(process.cwd(), path));
  }
  return out;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unitOnly = args.includes('--unit');
  const explicit = args.filter((a) => !a.startsWith('--'));
  const files = explicit.length > 0 ? explicit : [...findTests('test/unit'), ...(unitOnly ? [] : findTests('test/integration'))];
  const needsEngines = files.some((f) => f.includes('integration'));

  if (!args.includes('--no-typecheck')) {
    console.log('# type-checking (tsc --noEmit)');
    const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
    if (tsc.status !== 0) return tsc.status ?? 1;
    const lint = args.includes('--lint') || (!unitOnly && explicit.length === 0 && !args.includes('--no-lint'));
    if (lint) {
      console.log('# linting (npm run lint: eslint, prettier --check, scripts/check-deps.ts)');
      const run = spawnSync('npm', ['run', '--silent', 'lint'], { stdio: 'inherit' });
      if (run.status !== 0) return run.status ?? 1;
    }
  }

  const started: RunningEngine[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (needsEngines) {
    const flavours: EngineFlavour[] = ['opensearch', 'elasticsearch'];
    const engines = await Promise.all(
      flavours.map((f) => startEngine(f, { onProgress: (m) => console.log(`# [engines] ${m}`), plugins: openSearchPlugins(f) })),
    );
    for (const e of engines) {
      console.log(`# engine under test: ${e.flavour} ${e.version} at ${e.url}${e.startedHere ? '' : ' (reused)'}`);
      if (e.startedHere) started.push(e);
    }
    env.VIGIL_TEST_OPENSEARCH_URL = engines[0].url;
    env.VIGIL_TEST_ELASTICSEARCH_URL = engines[1].url;
  }

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runTmp = mkdtempSync(join(tmpdir(), 'vigil-test-run-'));
  const logFile = process.env.VIGIL_LOG_FILE ?? join(tmpdir(), `vigil-test-${stamp}.log`);
  env.TMPDIR = runTmp;
  env.VIGIL_LOG_FILE = logFile;
  env.VIGIL_LOG_FORMAT ??= 'json';

  let status: number;
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files], {
      stdio: 'inherit',
      env,
    });
    status = run.status ?? 1;
  } finally {
    if (process.env.VIGIL_KEEP_ENGINES !== '1') for (const e of started) await stopEngine(e.flavour);
    rmSync(runTmp, { recursive: true, force: true });
  }
  reportLogs(logFile, status !== 0 && process.env.VIGIL_LOG_FILE === undefined);
  return status;
}

/** After a failure: where the run's log lines are, and the last of them. After a success the file is removed. */
function reportLogs(logFile: string, failed: boolean): void {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return;
  }
  if (!failed) {
    rmSync(logFile, { force: true });
    return;
  }
  const lines = text.split('\n').filter(Boolean);
  console.log(`# log lines of this run: ${lines.length} in ${logFile}; the last ${Math.min(40, lines.length)}:`);
  for (const line of lines.slice(-40)) console.log(`#   ${line}`);
}

/** OpenSearch plugins the alerting tests use, when Maven Central carries them for the pinned version. */
function openSearchPlugins(flavour: EngineFlavour): string[] {
  if (flavour !== 'opensearch' || process.env.VIGIL_TEST_OS_PLUGINS === '0') return [];
  return (process.env.VIGIL_TEST_OS_PLUGINS ?? '').split(',').filter(Boolean);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
