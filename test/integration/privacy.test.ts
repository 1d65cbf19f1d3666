/**
 * Privacy by design on both real engines: the same events backfilled twice, once plainly and once
 * with `privacy.pseudonymise: [user.name, source.ip, host.name]`, with a signed webhook receiving
 * the alerts and the service's log captured at debug level. Then:
 *   - none of the raw user names, IPs or host names appears in any of the private run's indices
 *     (anomalies, state — decompressed —, status, dead letters, vault), alert payloads or logs;
 *   - the decisions are the same: per window, the same scores and alert flags, and the same
 *     grouping of entity-windows into incidents (relational links are unchanged);
 *   - `vigil reveal` with the key turns the tokens of an alert back into the raw values.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { startAlertReceiver, type AlertReceiver } from '../../src/eval/alert-receiver.js';
import { Pseudonymiser } from '../../src/privacy/pseudonymiser.js';
import type { GeneratedEvents } from '../fixtures/pipeline-events.js';
import { testEngines, uniquePrefix } from './engines.js';
import { HOURS, START, H, allDocuments, engineFor, indexEvents, outputNames, runCli, writeConfig } from './pipeline-support.js';

const engines = await testEngines();
const FROM = new Date(START).toISOString();
const TO = new Date(START + HOURS * H).toISOString();
const KEY = 'test-only-privacy-key-0123456789abcdef';
const FIELDS = ['user.name', 'source.ip', 'host.name'];

/** Raw identities of the events, each matched as a whole token (not inside a longer word or number). */
function rawValues(generated: GeneratedEvents): string[] {
  const values = new Set<string>();
  for (const e of generated.events) {
    const user = (e.user as JsonObject | undefined)?.name;
    const ip = (e.source as JsonObject | undefined)?.ip;
    const host = (e.host as JsonObject | undefined)?.name;
    for (const v of [user, ip, host]) if (typeof v === 'string' && v !== 'not-an-ip') values.add(v);
  }
  return [...values];
}

function leaks(text: string, raws: readonly string[]): string[] {
  return raws.filter((raw) =>
    new RegExp(`(?<![A-Za-z0-9._-])${raw.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_-]|\\.[0-9])`).test(text),
  );
}

/** Every document of every index of a run, state chunks decompressed, as one text. */
async function everything(engine: Engine, prefix: string): Promise<string> {
  const parts: string[] = [];
  for (const suffix of ['anomalies', 'state', 'status', 'dead-letter', 'vault']) {
    let docs: Map<string, JsonObject>;
    try {
      docs = await allDocuments(engine, `${prefix}-${suffix}*`);
    } catch {
      continue;
    }
    const generations = new Map<string, JsonObject[]>();
    for (const [id, doc] of docs) {
      parts.push(id, JSON.stringify(doc));
      if (doc.kind === 'state_chunk') generations.set(String(doc.generation), [...(generations.get(String(doc.generation)) ?? []), doc]);
    }
    // State payloads are gzip + base64 split over chunks: read them decompressed, as the raw JSON.
    for (const chunks of generations.values()) {
      const encoded = chunks
        .sort((a, b) => Number(a.seq) - Number(b.seq))
        .map((c) => String(c.data))
        .join('');
      parts.push(gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8'));
    }
  }
  return parts.join('\n');
}

interface Decision {
  readonly key: string;
  readonly score: number;
  readonly alert: boolean;
  readonly incident?: string;
}

function decisions(docs: Map<string, JsonObject>, identity: (field: string, value: string) => string): Decision[] {
  return [...docs.values()]
    .map((d) => {
      const v = d.vigil as JsonObject;
      const entity = v.entity as JsonObject;
      const incident = (v.incident as JsonObject | undefined)?.id;
      return {
        key: `${String(v.job_id)}|${identity(String(entity.field), String(entity.value))}|${String((v.window as JsonObject).start)}`,
        score: Number(v.score),
        alert: v.is_alert === true,
        incident: typeof incident === 'string' ? incident : undefined,
      };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** Incidents as sets of window keys (ids may differ, since they hash entity values). */
function grouping(ds: readonly Decision[]): string[] {
  const groups = new Map<string, string[]>();
  for (const d of ds) if (d.incident) groups.set(d.incident, [...(groups.get(d.incident) ?? []), d.key]);
  return [...groups.values()].map((g) => g.sort().join(',')).sort();
}

describe('privacy: pseudonymisation end to end', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`privacy on ${e.label}`, { concurrency: 1 }, () => {
      const prefix = uniquePrefix('i14-privacy');
      const plainOut = outputNames(`${prefix}-plain`);
      const privateOut = outputNames(`${prefix}-private`);
      const dir = mkdtempSync(join(tmpdir(), 'vigil-privacy-'));
      let engine: Engine;
      let generated: GeneratedEvents;
      let receiver: AlertReceiver;
      let plainConfig: string;
      let privateConfig: string;
      let log = '';

      before(async () => {
        engine = await engineFor(e);
        generated = await indexEvents(engine, prefix);
        receiver = await startAlertReceiver(join(dir, 'received.ndjson'));
        const alerting = { connectors: [{ name: 'soar', url: receiver.url, secret: receiver.secret }], allowed_hosts: ['127.0.0.1'] };
        // A long lease: two backfills on a loaded machine must not lose it mid-way.
        const pipeline = { lease_ttl: '60s' };
        plainConfig = writeConfig(e, prefix, plainOut, { pipeline });
        privateConfig = writeConfig(e, prefix, privateOut, {
          privacy: { pseudonymise: FIELDS, key: '${VIGIL_TEST_PRIVACY_KEY}', vault_index: `${prefix}-private-vault` },
          alerting,
          pipeline,
        });
        const env = { VIGIL_TEST_PRIVACY_KEY: KEY, VIGIL_LOG_LEVEL: 'debug' };
        for (const config of [plainConfig, privateConfig]) await runCli(['install', '--config', config], env);
        await runCli(['backfill', '--config', plainConfig, '--from', FROM, '--to', TO], env);
        const run = await runCli(['backfill', '--config', privateConfig, '--from', FROM, '--to', TO, '--json'], env);
        log = `${run.stdout}\n${run.stderr}`;
      });

      after(async () => {
        await receiver.close();
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
      });

      it('no raw identity in any index, alert payload or log line of the private run', async () => {
        const raws = rawValues(generated);
        assert.ok(raws.length > 30, `expected the fixture's identities, got ${raws.length}`);
        const stored = await everything(engine, `${prefix}-private`);
        assert.ok(stored.length > 10_000, 'the private run wrote its indices');
        assert.deepEqual(leaks(stored, raws), [], 'raw values in the indices');
        assert.ok(receiver.accepted > 0, 'alerts were delivered');
        assert.deepEqual(leaks(readFileSync(receiver.logFile, 'utf8'), raws), [], 'raw values in alert payloads');
        assert.ok(log.length > 0);
        assert.deepEqual(leaks(log, raws), [], 'raw values in the logs');
        // The plain run is the control: the same check finds them there.
        assert.ok(leaks(await everything(engine, `${prefix}-plain`), raws).length > 20);
      });

      it("the same windows and relational links, and the same decisions up to the models' sampling order", async () => {
        const p = new Pseudonymiser(KEY, FIELDS);
        const tokenise = (f: string, v: string): string =>
          v
            .split('|')
            .map((x) => p.value(f, x))
            .join('|');
        const plainDocs = await allDocuments(engine, `${plainOut.anomaly_index}*`);
        const privateDocs = await allDocuments(engine, `${privateOut.anomaly_index}*`);
        const plain = decisions(plainDocs, tokenise);
        const priv = decisions(privateDocs, (_f, v) => v);
        assert.ok(plain.length > 100);
        // Every entity-window is there, under its token.
        assert.deepEqual(
          priv.map((d) => d.key),
          plain.map((d) => d.key),
        );
        // Relational links: related.* of each window are exactly the tokens of the plain run's values.
        const relatedOf = (docs: Map<string, JsonObject>, map: (kind: string, v: string) => string): string[] =>
          [...docs.values()]
            .map((d) => {
              const r = d.related as Record<string, string[]>;
              const v = d.vigil as JsonObject;
              const key = map('user.name', String((v.entity as JsonObject).value));
              return `${key}@${String((v.window as JsonObject).start)}:${['ip', 'user', 'hosts']
                .map((k) =>
                  r[k]
                    .map((x) => map(`related.${k}`, x))
                    .sort()
                    .join(','),
                )
                .join(';')}`;
            })
            .sort();
        assert.deepEqual(
          relatedOf(privateDocs, (_k, v) => v),
          relatedOf(plainDocs, (k, v) => p.value(k, v)),
        );
        // Decisions: the models learn a window's entities in name order (reservoir samples, forest
        // refits), so tokens draw other samples, like another seed: scores move a little, alerts agree.
        const agree = priv.filter((d, i) => d.alert === plain[i].alert).length / priv.length;
        const meanShift = priv.reduce((sum, d, i) => sum + Math.abs(d.score - plain[i].score), 0) / priv.length;
        assert.ok(agree >= 0.95, `alert flags agree on ${(agree * 100).toFixed(1)} % of windows`);
        assert.ok(meanShift < 5, `mean score shift ${meanShift.toFixed(2)} points`);
        const attackKey = (ds: readonly Decision[]) =>
          ds.find(
            (d) =>
              d.key ===
              `auth-users|${p.value('user.name', generated.attack.user)}|${new Date(START + generated.attack.hour * H).toISOString()}`,
          );
        // The brute force is scored in both runs (whether it alerts is the day's budget's call).
        assert.ok(attackKey(priv) && attackKey(plain), 'the attack window is scored in both runs');
        if (plain.some((d) => d.incident)) assert.deepEqual(grouping(priv).length, grouping(plain).length);
      });

      it('vigil reveal turns the tokens of an alert back into the raw values', async () => {
        const payloadFile = join(dir, 'payloads.json');
        writeFileSync(payloadFile, readFileSync(receiver.logFile, 'utf8'));
        const p = new Pseudonymiser(KEY, FIELDS);
        const victimToken = p.value('user.name', generated.attack.user);
        const attackerToken = p.value('source.ip', generated.attack.sourceIp);
        const result = await runCli(['reveal', '--config', privateConfig, '--json', victimToken, attackerToken], {
          VIGIL_TEST_PRIVACY_KEY: KEY,
        });
        const revealed = result.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { token: string; value?: string });
        assert.deepEqual(
          revealed.map((r) => [r.token, r.value]),
          [
            [victimToken, generated.attack.user],
            [attackerToken, generated.attack.sourceIp],
          ],
        );
        const fromFile = await runCli(['reveal', '--config', privateConfig, '--file', payloadFile], { VIGIL_TEST_PRIVACY_KEY: KEY });
        assert.match(fromFile.stdout, /\tuser\d\d\n/);
        // A wrong key opens nothing.
        const wrong = writeConfig(e, prefix, privateOut, {
          privacy: { pseudonymise: FIELDS, key: 'x'.repeat(40), vault_index: `${prefix}-private-vault` },
        });
        await assert.rejects(runCli(['reveal', '--config', wrong, victimToken]), /does not open with this privacy\.key/);
      });
    });
  }
});
