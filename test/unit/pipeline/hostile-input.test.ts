/**
 * One test per hostile input of issue 11 that needs no cluster (the cluster ones are in
 * test/integration/real-shapes.test.ts): far-future events, duplicate job ids, secrets in config
 * errors, file flags that name what is wrong, and `detect --out` into a missing directory.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { generateAuthEvents } from '../../fixtures/pipeline-events.js';
import { detect, loadEvents, type NdjsonSink } from '../../../src/pipeline/detect.js';
import { planJob } from '../../../src/pipeline/job-plan.js';
import { jobSchema } from '../../../src/config/job.js';
import { ConfigError, parseConfig } from '../../../src/config/load.js';
import { buildProgram, throwOnExit } from '../../../src/cli/main.js';
import { UsageError } from '../../../src/cli/errors.js';
import { emptyReport } from '../../../src/pipeline/anomaly-writer.js';

const H = 3_600_000;
const START = Date.parse('2026-03-02T00:00:00Z');

function problems(text: string): string[] {
  try {
    parseConfig(text, 'hostile.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('hostile input', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-hostile-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('events dated 2099 and 9999 are counted as bad and ignored: windows cover only the data in range', async () => {
    const { events } = generateAuthEvents({ start: START, hours: 30, users: 5, attackHour: 26 });
    const path = join(dir, 'future.ndjson');
    const hostile = [
      { ...events[0], '@timestamp': '2099-01-01T00:00:00Z' },
      { ...events[1], '@timestamp': '9999-12-31T23:59:59Z' },
    ];
    writeFileSync(path, [...events, ...hostile].map((e) => JSON.stringify(e)).join('\n') + '\n');
    const plan = planJob(jobSchema.parse({ id: 'auth', preset: 'auth_by_user', index: 'x', warmup: '12h' }));
    const now = Date.parse('2026-12-07T00:00:00Z');
    const loaded = await loadEvents(path, '@timestamp', plan.spec.slideMs, { notAfter: now + H });
    assert.deepEqual(loaded.outOfRange, { future: 2, beforeRange: 0, afterRange: 0 });
    assert.equal(loaded.events, events.length);
    let written = 0;
    const sink = {
      write: (items: readonly unknown[]) => ((written += items.length), Promise.resolve({ ...emptyReport(), written: items.length })),
    } as unknown as NdjsonSink;
    const result = await detect({ plan, events: loaded, sink, writeMinScore: 0 });
    // One window per preset slide (15 min) over the data only — 12 h of warm-up, the rest scored —
    // not 638,449 empty windows up to 2099.
    const slides = Math.floor(loaded.maxTime / plan.spec.slideMs) - Math.floor(loaded.minTime / plan.spec.slideMs) + 1;
    const warmup = (12 * H) / plan.spec.slideMs;
    assert.ok(slides <= (30 * H) / plan.spec.slideMs);
    // A window is 1 h long and slides by 15 min: the last few windows reach past the last event.
    const overhang = plan.spec.windowMs / plan.spec.slideMs;
    assert.equal(result.windows.warmup, warmup);
    assert.ok(
      result.windows.scored >= slides - warmup && result.windows.scored <= slides - warmup + overhang,
      JSON.stringify(result.windows),
    );
    assert.equal(result.summary.toJSON().events_bad_time.future, 2);
    assert.match(result.summary.format(), /events ignored for their time: 2 dated in the future/);
    assert.ok(written > 0);
  });

  it('--from drops (and counts) earlier events instead of planning windows over them', async () => {
    const { events } = generateAuthEvents({ start: START, hours: 30, users: 5, attackHour: 26 });
    const path = join(dir, 'range.ndjson');
    writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const loaded = await loadEvents(path, '@timestamp', H, { notAfter: Infinity, from: START + 10 * H });
    assert.ok(loaded.outOfRange.beforeRange > 0);
    assert.equal(loaded.minTime >= START + 10 * H, true);
  });

  it('duplicate job ids are a config error naming jobs[i].id', () => {
    assert.deepEqual(
      problems('cluster: {urls: ["http://h:9200"]}\njobs:\n  - {id: auth, index: a}\n  - {id: net, index: b}\n  - {id: auth, index: c}\n'),
      ['jobs[2].id: job ids must be unique (jobs[0].id is the same), got "auth"'],
    );
  });

  it('config errors never print a secret value', () => {
    const cases = [
      'cluster: {urls: ["http://h:9200"], auth: {username: u, password: 12345678}}\njobs: [{id: a, index: x}]\n',
      'cluster: {urls: ["http://h:9200"], auth: {api_key: ["c2VjcmV0LWtleQ"]}}\njobs: [{id: a, index: x}]\n',
      'cluster: {urls: ["http://h:9200"]}\njobs: [{id: a, index: x}]\nalerting: {connectors: [{name: soc, url: "https://soc.example/hook", token: 4242424242, secret: ["whsec-x"]}]}\n',
    ];
    const all = cases.flatMap(problems);
    assert.ok(
      all.some((p) => p === 'cluster.auth.password: expected a string, got number'),
      all.join('\n'),
    );
    assert.ok(
      all.some((p) => p.startsWith('cluster.auth.api_key: expected a string, got list')),
      all.join('\n'),
    );
    for (const secret of ['12345678', 'c2VjcmV0LWtleQ', '4242424242', 'whsec-x'])
      assert.ok(!all.join('\n').includes(secret), `${secret} leaked: ${all.join('\n')}`);
  });

  async function usage(args: string[]): Promise<string> {
    const program = buildProgram();
    const quiet = (c: typeof program): void => {
      c.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
      c.commands.forEach(quiet);
    };
    quiet(program);
    throwOnExit(program);
    try {
      await program.parseAsync(['node', 'vigil', ...args]);
    } catch (error) {
      if (error instanceof UsageError) return error.message;
      if (error instanceof CommanderError) return `commander ${error.code}`;
      throw error;
    }
    return 'no error';
  }

  it('a missing or unreadable file names its flag; --out into a missing directory is refused', async () => {
    const events = join(dir, 'ok.ndjson');
    writeFileSync(events, '{}\n');
    assert.equal(
      await usage(['detect', '--events', join(dir, 'nope.ndjson'), '--preset', 'auth_by_user', '--out', join(dir, 'a.ndjson')]),
      `--events ${join(dir, 'nope.ndjson')}: no such file`,
    );
    assert.equal(
      await usage(['backfill', '--config', join(dir, 'nope.yml'), '--from', 'now-1d', '--to', 'now']),
      `--config ${join(dir, 'nope.yml')}: no such file`,
    );
    assert.equal(
      await usage(['detect', '--events', dir, '--preset', 'auth_by_user', '--out', join(dir, 'a.ndjson')]),
      `--events ${dir}: is a directory, expected a file`,
    );
    assert.equal(
      await usage(['detect', '--events', events, '--preset', 'auth_by_user', '--out', join(dir, 'missing', 'a.ndjson')]),
      `--out ${join(dir, 'missing', 'a.ndjson')}: cannot write into ${join(dir, 'missing')} (no such file); create the directory first`,
    );
    assert.equal(await usage(['detect', '--preset', 'auth_by_user']), 'commander commander.missingMandatoryOptionValue');
  });
});
