/**
 * Shared set-up of the pipeline integration tests: index the generated events on a real engine,
 * write a config file for the CLI, run the CLI as a child process.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterSchema } from '../../src/config/cluster.js';
import { connectEngine } from '../../src/engine/connect.js';
import { isRecord } from '../../src/guards.js';
import type { AnomalyDocument } from '../../src/anomaly/document.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { eventsIndexTemplate, generateAuthEvents, type GeneratedEvents } from '../fixtures/pipeline-events.js';
import type { TestEngine } from './engines.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const H = 3_600_000;
export const START = Date.parse('2026-03-02T00:00:00Z');
export const HOURS = 30;

export async function engineFor(e: TestEngine): Promise<Engine> {
  return connectEngine(clusterSchema.parse({ urls: [e.url], flavour: e.flavour }));
}

/** Indexes the generated events into `<prefix>-events` (mapped like ECS) and returns them. */
export async function indexEvents(
  engine: Engine,
  prefix: string,
  options: { hours?: number; start?: number; users?: number } = {},
): Promise<GeneratedEvents> {
  const index = `${prefix}-events`;
  await engine.putIndexTemplate(index, eventsIndexTemplate(index));
  const generated = generateAuthEvents({
    start: options.start ?? START,
    hours: options.hours ?? HOURS,
    users: options.users ?? 20,
    attackHour: (options.hours ?? HOURS) - 6,
  });
  const result = await engine.bulk(
    generated.events.map((document) => ({ action: 'index' as const, index, document })),
    { refresh: true },
  );
  if (result.failed > 0) throw new Error(`indexing the test events failed: ${JSON.stringify(result.items.find((i) => !i.ok))}`);
  return generated;
}

export interface OutputNames {
  anomaly_index: string;
  state_index: string;
  dead_letter_index: string;
  status_index: string;
}

export function outputNames(prefix: string): OutputNames {
  return {
    anomaly_index: `${prefix}-anomalies`,
    state_index: `${prefix}-state`,
    dead_letter_index: `${prefix}-dead-letter`,
    status_index: `${prefix}-status`,
  };
}

/** A config file for the CLI: one auth_by_user job over the events, short leases. */
export function writeConfig(e: TestEngine, eventsPrefix: string, output: OutputNames, extra: JsonObject = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pipeline-'));
  const path = join(dir, 'vigil.json');
  const config = {
    cluster: { urls: [e.url], flavour: e.flavour },
    jobs: [
      { id: 'auth-users', preset: 'auth_by_user', index: `${eventsPrefix}-events`, window: '1h', slide: '1h', delay: '1m', warmup: '12h' },
    ],
    output,
    ...extra,
    // Short enough that a killed runner's lease lapses quickly, long enough for a loaded CI machine.
    // Every scored entity-window written (the full-detail opt-in): these tests compare them one by one.
    pipeline: { lease_ttl: '8s', write_min_score: 0, rollup: 'none', ...(isRecord(extra.pipeline) ? extra.pipeline : {}) },
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `vigil <args>` as a child process (tsx, from the repository). */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO,
    // Log lines on stderr (not the test run's log file): the tests read them.
    env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', VIGIL_LOG_FORMAT: 'json', VIGIL_LOG_FILE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await startCli(args, env).done;
  if (result.code !== 0)
    throw new Error(`vigil ${args.join(' ')} exited with ${result.code ?? result.signal}:\n${result.stderr}\n${result.stdout}`);
  return result;
}

/** All documents of an index by id (refreshing first; test indices hold well under 10,000). */
export async function allDocuments(engine: Engine, index: string): Promise<Map<string, JsonObject>> {
  await engine.refresh(index);
  const response = await engine.search(index, { size: 10_000, query: { match_all: {} } });
  const hits = ((response.hits as JsonObject).hits ?? []) as JsonObject[];
  return new Map(hits.map((h) => [String(h._id), h._source as JsonObject]));
}

/** The `vigil` block of an anomaly document read back (fails the test when the document is missing). */
export function vigilOf(doc: JsonObject | undefined): AnomalyDocument['vigil'] {
  assert.ok(doc, 'document missing');
  return (doc as unknown as AnomalyDocument).vigil;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A real-time job over `index`: logins and failed logins per user in 5-second windows, 10 s of warm-up. */
export function liveJob(index: string): JsonObject {
  return {
    id: 'live',
    index,
    entity_fields: ['user.name'],
    features: [
      { kind: 'count', name: 'logins' },
      { kind: 'count', name: 'failed', where: { 'event.outcome': 'failure' } },
    ],
    window: '5s',
    slide: '5s',
    delay: '1s',
    warmup: '10s',
  };
}
