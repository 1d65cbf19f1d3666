/**
 * Vigil over indices shaped like real integration output, as a new user meets them: the ECS samples
 * (test/fixtures/ecs-samples: system/auth, system/security, zeek/connection, auditd) indexed with
 * DYNAMIC mapping (no ECS template: strings are text + .keyword), through the real CLI, on both engines.
 *
 *   - `vigil doctor` passes, says which keyword sub-field it reads and how many events lack an entity;
 *   - `vigil backfill` with the auth, network and process presets writes anomaly documents whose
 *     features equal values counted by hand from the fixture files (tables below);
 *   - events without any entity field (auditd has no host.*) are counted per job in the summary
 *     and the status documents;
 *   - hostile set-ups: backfill before install, an index pattern matching nothing, a range that is
 *     all warm-up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { testEngines, uniquePrefix } from './engines.js';
import { REPO, allDocuments, engineFor, outputNames, startCli, type CliResult } from './pipeline-support.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const engines = await testEngines();
const FROM = '2025-06-02T00:00:00Z';
const TO = '2025-06-08T00:00:00Z';

function fixture(name: string): JsonObject[] {
  return readFileSync(join(REPO, 'test', 'fixtures', 'ecs-samples', name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonObject);
}

/**
 * Counted by hand from the fixture files (per entity and UTC day, the preset's event.category only):
 * e.g. vagrant on 2025-06-06 has 7 Windows/sshd logons from 10.0.2.2, 127.0.0.1 and 192.168.33.1,
 * 4 of them within 21:10 (burst 4); 10.156.0.2 on 2025-06-06 opened 8 zeek connections sending
 * 52+52+52+0+0+0+0+0 = 156 bytes.
 */
const AUTH: Record<string, Record<string, number>> = {
  'root@2025-06-03': {
    auth_attempts: 1,
    failed_logins: 1,
    failure_ratio: 1,
    distinct_source_ips: 1,
    distinct_countries: 1,
    burst_per_minute: 1,
  },
  'test@2025-06-04': { auth_attempts: 1, failed_logins: 1, failure_ratio: 1, distinct_source_ips: 1, burst_per_minute: 1 },
  'vagrant@2025-06-04': { auth_attempts: 1, failed_logins: 0, failure_ratio: 0, distinct_source_ips: 1, burst_per_minute: 1 },
  'ANONYMOUS LOGON@2025-06-06': { auth_attempts: 1, failed_logins: 0, distinct_source_ips: 0, distinct_hosts: 1, burst_per_minute: 1 },
  'DWM-2@2025-06-06': { auth_attempts: 1, failed_logins: 0, distinct_source_ips: 0, distinct_hosts: 1, burst_per_minute: 1 },
  'DWM-3@2025-06-06': { auth_attempts: 1, failed_logins: 0, distinct_source_ips: 0, distinct_hosts: 1, burst_per_minute: 1 },
  'SYSTEM@2025-06-06': {
    auth_attempts: 8,
    failed_logins: 0,
    failure_ratio: 0,
    distinct_source_ips: 0,
    distinct_hosts: 1,
    burst_per_minute: 3,
  },
  'bosch@2025-06-06': {
    auth_attempts: 1,
    failed_logins: 1,
    failure_ratio: 1,
    distinct_source_ips: 1,
    distinct_hosts: 0,
    burst_per_minute: 1,
  },
  'vagrant@2025-06-06': {
    auth_attempts: 7,
    failed_logins: 0,
    failure_ratio: 0,
    distinct_source_ips: 3,
    distinct_hosts: 1,
    distinct_countries: 0,
    burst_per_minute: 4,
  },
};
const NETWORK: Record<string, Record<string, number>> = {
  '192.0.2.205@2025-06-04': {
    connections: 1,
    bytes_out: 107,
    bytes_out_max: 107,
    bytes_total: 107,
    distinct_destinations: 1,
    distinct_destination_ports: 0,
    burst_per_minute: 1,
  },
  '192.168.86.167@2025-06-05': {
    connections: 2,
    bytes_out: 206,
    bytes_out_max: 103,
    bytes_total: 618,
    distinct_destinations: 2,
    distinct_destination_ports: 1,
    burst_per_minute: 2,
  },
  '4.4.2.2@2025-06-05': {
    connections: 2,
    bytes_out: 206,
    bytes_out_max: 103,
    bytes_total: 618,
    distinct_destinations: 1,
    distinct_destination_ports: 1,
    burst_per_minute: 2,
  },
  '10.156.0.2@2025-06-06': {
    connections: 8,
    bytes_out: 156,
    bytes_out_max: 52,
    bytes_total: 2094,
    distinct_destinations: 2,
    distinct_destination_ports: 2,
    burst_per_minute: 5,
  },
  '10.156.0.2@2025-06-07': {
    connections: 4,
    bytes_out: 0,
    bytes_out_max: 0,
    bytes_total: 0,
    distinct_destinations: 2,
    distinct_destination_ports: 2,
    burst_per_minute: 4,
  },
};
/** process / iam events per host and day: system/auth names hosts by host.hostname only; auditd's one execve has no host. */
const PROCESS: Record<string, number> = {
  'localhost@2025-06-04': 1,
  'localhost@2025-06-05': 2,
  'server01@2025-06-05': 1,
  'localhost@2025-06-06': 1,
  'precise32@2025-06-07': 1,
};

async function cli(args: readonly string[]): Promise<CliResult> {
  return startCli(args).done;
}

/** entity@day → document, for one job's anomaly documents. */
function byEntityDay(docs: Map<string, JsonObject>, job: string): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  for (const doc of docs.values()) {
    const v = doc.vigil as JsonObject;
    if (v.job_id !== job) continue;
    const day = String((v.window as JsonObject).start).slice(0, 10);
    out.set(`${String((v.entity as JsonObject).value)}@${day}`, doc);
  }
  return out;
}

/** Every listed feature (a document lists its top contributors) that the table has must equal it; returns how many were checked. */
function assertFeatures(doc: JsonObject, expected: Record<string, number>, label: string): number {
  const features = (doc.vigil as JsonObject).features as JsonObject[];
  let checked = 0;
  for (const f of features) {
    const want = expected[String(f.name)];
    if (want === undefined) continue;
    assert.ok(Math.abs(Number(f.actual) - want) < 1e-6, `${label}: ${String(f.name)} is ${String(f.actual)}, counted by hand ${want}`);
    checked++;
  }
  return checked;
}

describe('real integration shapes, dynamic mapping', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`on ${e.label}`, { concurrency: 1 }, () => {
      const prefix = uniquePrefix('i11a-shapes');
      const out = outputNames(prefix);
      let engine: Engine;
      let config: string;
      const dir = mkdtempSync(join(tmpdir(), 'vigil-i11a-'));
      const writeConfig = (name: string, jobs: JsonObject[]): string => {
        const path = join(dir, name);
        writeFileSync(
          path,
          JSON.stringify(
            {
              cluster: { urls: [e.url], flavour: e.flavour },
              jobs,
              output: out,
              pipeline: { lease_ttl: '3s', write_min_score: 0, rollup: 'none' },
            },
            null,
            2,
          ),
        );
        return path;
      };
      const day = { window: '1d', slide: '1d', delay: '1m', warmup: '1d' };

      before(async () => {
        engine = await engineFor(e);
        const load = async (index: string, docs: JsonObject[]): Promise<void> => {
          const result = await engine.bulk(
            docs.map((document) => ({ action: 'index' as const, index, document })),
            { refresh: true },
          );
          assert.equal(result.failed, 0, JSON.stringify(result.items.find((i) => !i.ok)));
        };
        // No template, no explicit mapping: whatever the engine guesses.
        await load(`${prefix}-logs-linux`, [...fixture('system.auth.ndjson'), ...fixture('auditd.log.ndjson')]);
        await load(`${prefix}-logs-windows`, fixture('system.security.ndjson'));
        await load(`${prefix}-zeek`, fixture('zeek.connection.ndjson'));
        config = writeConfig('vigil.json', [
          { id: 'auth', preset: 'auth_by_user', index: `${prefix}-logs-*`, ...day },
          { id: 'net', preset: 'network_by_source', index: `${prefix}-zeek`, ...day },
          { id: 'proc', preset: 'process_by_host', index: `${prefix}-logs-linux`, ...day },
        ]);
      });

      after(async () => {
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
      });

      it('refuses to backfill before `vigil install`, naming the command', async () => {
        const run = await cli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--json', '--no-progress']);
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, /Vigil is not installed for output indices .*: run `vigil install --config .*vigil\.json` first/);
        assert.equal(await engine.count(`${prefix}-anomalies*`).catch(() => 0), 0);
      });

      it('doctor passes on the dynamic mapping: keyword sub-fields chosen, skipped entities counted with their share', async () => {
        const run = await cli(['doctor', '--config', config]);
        const lines = run.stdout.split('\n').filter(Boolean);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.ok(
          lines.every((l) => !l.startsWith('✗')),
          lines.join('\n'),
        );
        // The preset's event.category filter applies: 23 of the 33 linux + windows events are authentication (one without @timestamp).
        assert.ok(
          lines.includes(`✓ read ${prefix}-logs-* (job auth): 23 events matching the job's filter (preset auth_by_user)`),
          lines.join('\n'),
        );
        assert.ok(
          lines.some(
            (l) =>
              l.startsWith(`✓ fields in ${prefix}-logs-* (job auth):`) &&
              l.includes('user.name → user.name.keyword (text with a keyword sub-field)'),
          ),
          lines.join('\n'),
        );
        assert.ok(
          lines.some(
            (l) => l.startsWith(`✓ fields in ${prefix}-logs-linux (job proc):`) && l.includes('host.hostname → host.hostname.keyword'),
          ),
          lines.join('\n'),
        );
        assert.ok(
          lines.includes(
            `⚠ entity in ${prefix}-logs-linux (job proc): 1 event of 7 (14.3 %) have no host.name / host.hostname and will be skipped (counted in the run summary); add a fallback, e.g. entity_fields: [[host.name, host.hostname]]`,
          ),
          lines.join('\n'),
        );
      });

      it('backfill writes anomaly documents whose features equal the hand counts; the auditd event without a host is counted', async () => {
        const install = await cli(['install', '--config', config, '--json']);
        assert.equal(install.code, 0, install.stderr);
        const run = await cli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--json', '--no-progress']);
        assert.equal(run.code, 0, run.stderr);
        const summary = (
          JSON.parse(run.stdout) as {
            summary: {
              windows_scored: number;
              windows_warmup: number;
              events_skipped_no_entity: Record<string, number>;
              entity_windows: number;
            };
          }
        ).summary;
        assert.equal(summary.windows_warmup, 3);
        assert.equal(summary.windows_scored, 15);
        assert.deepEqual(summary.events_skipped_no_entity, { proc: 1 });
        assert.equal(summary.entity_windows, Object.keys(AUTH).length + Object.keys(NETWORK).length + Object.keys(PROCESS).length);

        const docs = await allDocuments(engine, out.anomaly_index);
        const auth = byEntityDay(docs, 'auth');
        const net = byEntityDay(docs, 'net');
        const proc = byEntityDay(docs, 'proc');
        assert.deepEqual([...auth.keys()].sort(), Object.keys(AUTH).sort());
        assert.deepEqual([...net.keys()].sort(), Object.keys(NETWORK).sort());
        assert.deepEqual([...proc.keys()].sort(), Object.keys(PROCESS).sort());
        let checked = 0;
        for (const [key, want] of Object.entries(AUTH)) {
          assert.equal((auth.get(key)!.vigil as JsonObject).event_count, want.auth_attempts, `${key} event_count`);
          checked += assertFeatures(auth.get(key)!, want, `auth ${key}`);
        }
        assert.ok(checked >= 1, `only ${checked} auth feature values were listed and compared`);
        checked = 0;
        for (const [key, want] of Object.entries(NETWORK)) {
          assert.equal((net.get(key)!.vigil as JsonObject).event_count, want.connections, `${key} event_count`);
          checked += assertFeatures(net.get(key)!, want, `net ${key}`);
        }
        assert.ok(checked >= 1, `only ${checked} network feature values were listed and compared`);
        for (const [key, n] of Object.entries(PROCESS)) assert.equal((proc.get(key)!.vigil as JsonObject).event_count, n, `proc ${key}`);

        // The status document of proc's 2025-06-06 window records the skipped auditd event.
        await engine.refresh(out.status_index);
        const status = await engine.search(out.status_index, {
          size: 10,
          query: {
            bool: {
              filter: [{ term: { 'vigil.status.job_id': 'proc' } }, { term: { 'vigil.status.window_start': '2025-06-06T00:00:00.000Z' } }],
            },
          },
        });
        const hits = (status.hits as JsonObject).hits as JsonObject[];
        assert.equal(hits.length, 1);
        assert.equal((((hits[0]._source as JsonObject).vigil as JsonObject).status as JsonObject).events_skipped_no_entity, 1);
      });

      it('an index pattern that matches nothing is an error, and no checkpoint moves', async () => {
        const path = writeConfig('empty.json', [{ id: 'ghost', preset: 'auth_by_user', index: `${prefix}-nothing-*`, ...day }]);
        const run = await cli(['backfill', '--config', path, '--from', FROM, '--to', TO, '--no-progress']);
        assert.equal(run.code, 1, run.stdout);
        assert.match(
          run.stderr,
          new RegExp(`job ghost: index pattern "${prefix}-nothing-\\*" matches no index; check jobs\\[0\\]\\.index`),
        );
        await engine.refresh(out.state_index);
        assert.equal(await engine.count(out.state_index, { term: { job_id: 'ghost' } }), 0, 'no checkpoint for the job');
      });

      it('a range that is all warm-up succeeds with "nothing to score"', async () => {
        const run = await cli([
          'backfill',
          '--config',
          config,
          '--job',
          'net',
          '--from',
          FROM,
          '--to',
          '2025-06-03T00:00:00Z',
          '--no-progress',
        ]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /job net: nothing to score — the range holds 1 window\(s\) of 1d, all needed for the warm-up \(1\)/);
      });
    });
  }
});
