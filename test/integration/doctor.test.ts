/**
 * `vigil doctor` as a user runs it: the real CLI in a child process, against both engines.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testEngines, uniquePrefix } from './engines.js';

const root = resolve(import.meta.dirname, '..', '..');
const engines = await testEngines();
const dir = mkdtempSync(join(tmpdir(), 'vigil-doctor-'));

interface Run {
  readonly code: number | null;
  readonly lines: string[];
  readonly stderr: string;
}

/** Runs `vigil doctor --config FILE` exactly as `npx tsx src/cli/main.ts` would (tsx as a node loader). */
function doctor(configText: string, name: string): Promise<Run> {
  const file = join(dir, name);
  writeFileSync(file, configText);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'doctor', '--config', file], {
      cwd: root,
      env: { ...process.env, VIGIL_LOG_LEVEL: 'error' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, lines: stdout.split('\n').filter(Boolean), stderr }));
  });
}

async function raw(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

after(() => rmSync(dir, { recursive: true, force: true }));

for (const te of engines) {
  describe(`vigil doctor on ${te.label}`, () => {
    const prefix = uniquePrefix(`doctor-${te.flavour}`);
    const source = `${prefix}-auth`;
    const state = `${prefix}-state`;
    const VALID_JOB = `    entity_fields: [user.name]
    categorical_fields: [source.ip]
    sequence_field: event.action
    features:
      - { kind: ratio, name: failures, where: { event.outcome: failure } }
      - { kind: sum, name: bytes, field: network.bytes }`;
    const config = (job: string) => `cluster:
  urls: ["${te.url}"]
jobs:
  - id: auth
    index: "${prefix}-auth*"
${job}
output:
  state_index: "${state}"
`;

    before(async () => {
      const created = await raw(te.url, 'PUT', `/${source}`, {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: {
          properties: {
            '@timestamp': { type: 'date' },
            user: { properties: { name: { type: 'keyword' } } },
            source: { properties: { ip: { type: 'ip' } } },
            event: { properties: { outcome: { type: 'keyword' }, action: { type: 'keyword' } } },
            network: { properties: { bytes: { type: 'long' } } },
            message: { type: 'text' },
          },
        },
      });
      assert.equal(created.status, 200);
      const lines = Array.from({ length: 5 }, (_, i) => [
        JSON.stringify({ index: { _index: source } }),
        JSON.stringify({
          '@timestamp': `2024-03-01T00:0${i}:00Z`,
          user: { name: `u${i}` },
          source: { ip: `10.0.0.${i}` },
          event: { outcome: 'success', action: 'logon' },
          network: { bytes: i },
        }),
      ]).flat();
      const res = await fetch(`${te.url}/_bulk?refresh=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: lines.join('\n') + '\n',
      });
      assert.equal(((await res.json()) as { errors: boolean }).errors, false);
    });

    after(async () => {
      await raw(te.url, 'DELETE', `/${source}`);
      await raw(te.url, 'DELETE', `/${state}?ignore_unavailable=true`);
    });

    it('passes with a valid configuration and a seeded index', async () => {
      const run = await doctor(config(VALID_JOB), `ok-${te.flavour}.yaml`);
      assert.equal(run.code, 0, run.lines.join('\n') + run.stderr);
      assert.deepEqual(
        run.lines.map((l) => l[0]),
        ['✓', '✓', '✓', '✓', '✓', '✓'],
      );
      assert.match(run.lines[0], /^✓ config .*ok-.*\.yaml is valid \(1 job\)$/);
      assert.equal(run.lines[1], `✓ cluster ${te.url} reachable (cluster name vigil-${te.flavour}-${new URL(te.url).port})`);
      assert.match(run.lines[2], new RegExp(`^✓ engine ${te.flavour} ${te.version.replace(/\./g, '\\.')} is supported`));
      assert.equal(run.lines[3], `✓ read ${prefix}-auth* (job auth): 5 events`);
      assert.equal(run.lines[4], `✓ write ${state}: probe document written and deleted (index created for the probe and removed)`);
      assert.equal(
        run.lines[5],
        `✓ fields in ${prefix}-auth* (job auth): @timestamp date, user.name keyword, source.ip ip, event.action keyword, event.outcome keyword, network.bytes long`,
      );
      // The probe left nothing behind.
      assert.deepEqual((await raw(te.url, 'GET', `/_resolve/index/${state}*`)).body.indices, []);
    });

    it('reports a missing field and an incompatible type, and exits 1', async () => {
      const run = await doctor(
        config(`    entity_fields: [user.nmae]
    sequence_field: message
    features:
      - { kind: sum, name: outcome_total, field: event.outcome }`),
        `bad-fields-${te.flavour}.yaml`,
      );
      assert.equal(run.code, 1);
      const failures = run.lines.filter((l) => l.startsWith('✗'));
      assert.deepEqual(failures, [
        `✗ field user.nmae (entity_fields) is not mapped in ${prefix}-auth* (job auth)`,
        `✗ field message (sequence_field) is text without a keyword sub-field, so it cannot be grouped or matched exactly; map it as keyword (an ECS index template does), or add the multi-field "fields": {"keyword": {"type": "keyword"}} and reindex in ${prefix}-auth* (job auth)`,
        `✗ field event.outcome (feature outcome_total) is keyword, expected a numeric type in ${prefix}-auth* (job auth)`,
      ]);
      assert.equal(run.lines.filter((l) => l.startsWith('✓')).length, 5, 'the other checks still pass');
    });

    it('checks the rule-match index of rule_hits: missing is a warning, a time field that is not a date fails', async () => {
      const base = config(VALID_JOB).replace('output:', `rule_hits:\n  index: "${prefix}-elastalert"\noutput:`);
      const missing = await doctor(base, `rule-hits-missing-${te.flavour}.yaml`);
      assert.equal(missing.code, 0, missing.lines.join('\n'));
      assert.match(missing.lines.at(-1) ?? '', new RegExp(`^⚠ rule_hits ${prefix}-elastalert: no such index yet`));
      const created = await raw(te.url, 'PUT', `/${prefix}-elastalert`, {
        mappings: { properties: { rule_name: { type: 'keyword' }, match_time: { type: 'keyword' } } },
      });
      assert.equal(created.status, 200);
      try {
        const wrong = await doctor(base, `rule-hits-keyword-${te.flavour}.yaml`);
        assert.equal(wrong.code, 1);
        assert.equal(
          wrong.lines.at(-1),
          `✗ rule_hits ${prefix}-elastalert: rule_hits.time_field match_time is mapped as keyword; it must be a date (the matched event's time: ElastAlert2 match_time), or no match is ever read`,
        );
        const dated = await raw(te.url, 'PUT', `/${prefix}-ea-dated`, {
          mappings: { properties: { rule_name: { type: 'keyword' }, match_time: { type: 'date' } } },
        });
        assert.equal(dated.status, 200);
        const ok = await doctor(base.replace(`${prefix}-elastalert`, `${prefix}-ea-dated`), `rule-hits-ok-${te.flavour}.yaml`);
        assert.equal(ok.code, 0, ok.lines.join('\n'));
        assert.equal(ok.lines.at(-1), `✓ rule_hits ${prefix}-ea-dated: 0 documents, match_time is a date`);
      } finally {
        await raw(te.url, 'DELETE', `/${prefix}-elastalert`);
        await raw(te.url, 'DELETE', `/${prefix}-ea-dated?ignore_unavailable=true`);
      }
    });

    it('reports a source index that matches nothing', async () => {
      const run = await doctor(config('').replace(`${prefix}-auth*`, `${prefix}-nothing*`), `no-source-${te.flavour}.yaml`);
      assert.equal(run.code, 1);
      assert.ok(run.lines.includes(`✗ read ${prefix}-nothing* (job auth): no index matches ${prefix}-nothing*`), run.lines.join('\n'));
    });
  });
}

describe('vigil doctor without a cluster', () => {
  it('says a stopped cluster is unreachable in exactly one line and exits 1', async () => {
    const run = await doctor('cluster:\n  urls: ["http://127.0.0.1:9"]\njobs:\n  - { id: auth, index: logs-* }\n', 'stopped.yaml');
    assert.equal(run.code, 1);
    assert.deepEqual(run.lines, ['✗ cluster http://127.0.0.1:9 unreachable: connect ECONNREFUSED 127.0.0.1:9']);
    assert.equal(run.stderr, '', 'no stack trace or log noise');
  });

  it('lists the problems of an invalid configuration and exits 1', async () => {
    const run = await doctor(
      'cluster:\n  urls: ["http://127.0.0.1:9"]\n  request_timeout_ms: fast\njobs:\n  - { id: auth, index: logs-*, window: soon }\n',
      'invalid.yaml',
    );
    assert.equal(run.code, 1);
    assert.match(run.lines[0], /^✗ config .*invalid\.yaml is invalid$/);
    assert.deepEqual(run.lines.slice(1), [
      '    cluster.request_timeout_ms: expected a number, got string "fast"',
      '    jobs[0].window: expected a duration such as 30s, 15m, 1h or 1d, got "soon"',
    ]);
  });
});
