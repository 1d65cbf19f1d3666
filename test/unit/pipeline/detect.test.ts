import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateAuthEvents } from '../../fixtures/pipeline-events.js';
import type { AnomalyDocument } from '../../../src/anomaly/document.js';

const H = 3_600_000;
const START = Date.parse('2026-03-02T00:00:00Z');
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

describe('vigil detect (NDJSON in, NDJSON out, no cluster)', () => {
  let dir: string;
  const { events, attack } = generateAuthEvents({ start: START, hours: 30, users: 10, hosts: 4, attackHour: 26 });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-detect-'));
    // Plus a line that is not JSON and one without a timestamp: counted, not fatal.
    const lines = [...events.map((e) => JSON.stringify(e)), '{not json', JSON.stringify({ user: { name: 'x' } })];
    writeFileSync(join(dir, 'events.ndjson'), `${lines.join('\n')}\n`);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scores every window after the warm-up and writes one document per scored entity-window', () => {
    const out = join(dir, 'anomalies.ndjson');
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'detect',
        '--events',
        join(dir, 'events.ndjson'),
        '--preset',
        'auth_by_user',
        '--slide',
        '1h',
        '--warmup',
        '12h',
        '--from',
        new Date(START).toISOString(),
        '--to',
        new Date(START + 30 * H).toISOString(),
        '--out',
        out,
        '--json',
      ],
      {
        cwd: REPO,
        encoding: 'utf8',
        env: { ...process.env, VIGIL_LOG_LEVEL: 'error' },
      },
    );
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      documents: number;
      jobs: { windows_warmup: number; windows_scored: number }[];
      summary: { entity_windows: number; field_issues: Record<string, { missing: number; mistyped: number }> };
    };
    assert.equal(report.jobs[0].windows_warmup, 12);
    assert.equal(report.jobs[0].windows_scored, 18);
    const docs = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AnomalyDocument);
    assert.equal(docs.length, report.documents);
    assert.equal(docs.length, report.summary.entity_windows);
    const keys = new Set(docs.map((d) => `${d.vigil.entity.value}@${d.vigil.window.start}`));
    assert.equal(keys.size, docs.length);
    for (const d of docs) assert.ok(Date.parse(d.vigil.window.start) >= START + 12 * H);
    const top = docs.sort((a, b) => b.vigil.fused_score - a.vigil.fused_score)[0];
    assert.equal(top.vigil.entity.value, attack.user);
    assert.equal(Date.parse(top.vigil.window.start), START + attack.hour * H);
    assert.equal(top.vigil.is_alert, true);
    // Nearest-neighbour evidence: the attack window is unlike the entity's past, said in the narrative too.
    assert.equal(top.vigil.neighbours?.verdict, 'unlike its past');
    assert.ok((top.vigil.neighbours?.distances[0] ?? 0) > 2 * (top.vigil.neighbours?.usual_distance ?? 0));
    assert.match(top.vigil.explanation, /Nothing like it in its last \d+ sampled windows \(closest 2026-/);
    assert.ok(
      docs.every((d) => d.vigil.neighbours !== undefined && d.vigil.neighbours.times.length === d.vigil.neighbours.distances.length),
    );
    assert.equal(report.summary.field_issues['@timestamp'].missing, 1);
    assert.equal(report.summary.field_issues['user.name'].missing, 1);
    assert.equal(report.summary.field_issues['source.ip'].mistyped, 1);
  });

  it('rejects bad flags with a usage error naming the flag', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'detect',
        '--events',
        join(dir, 'events.ndjson'),
        '--preset',
        'nope',
        '--out',
        join(dir, 'x.ndjson'),
      ],
      { cwd: REPO, encoding: 'utf8' },
    );
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--preset must be one of auth_by_user/);
  });
});
