/**
 * The pipeline end to end on both real engines, through the CLI: index generated events (one brute
 * force), `vigil install`, `vigil backfill` of two jobs (per user and per source IP) decided
 * together slice by slice, alerts to a local receiver that verifies signatures, then
 *   (a) one anomaly document per scored entity-window, with the mapped field types; every document
 *       coherent (is_alert ⇔ score ≥ its cut, 0 < cut ≤ 100, warming-up never critical); the brute
 *       force is one incident across both jobs, alerted once;
 *   (b) the same backfill again leaves the documents unchanged (resumed: nothing to do; restarted:
 *       every document recomputed and overwritten in place, the same vigil.incident.id);
 *   (c) a backfill killed with SIGKILL mid-way and started again ends with the same documents as
 *       the uninterrupted run, and its receiver got one alert per incident;
 *   (d) feature parity is test/integration/features-parity.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anomalyId, type AnomalyDocument } from '../../src/anomaly/document.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { startAlertReceiver, type AlertReceiver } from '../../src/eval/alert-receiver.js';
import type { GeneratedEvents } from '../fixtures/pipeline-events.js';
import { testEngines, uniquePrefix, type TestEngine } from './engines.js';
import {
  HOURS,
  START,
  H,
  allDocuments,
  engineFor,
  indexEvents,
  outputNames,
  runCli,
  sleep,
  startCli,
  writeConfig,
  type OutputNames,
} from './pipeline-support.js';

const engines = await testEngines();
const FROM = new Date(START).toISOString();
const TO = new Date(START + HOURS * H).toISOString();
const SCORED_WINDOWS = HOURS - 12; // 12 h warm-up
const JOBS = ['auth-users', 'auth-ips'];

interface BackfillJson {
  partitions: { job: string; windows: number; alreadyDone: boolean }[];
  summary: {
    windows_scored: number;
    windows_warmup: number;
    entity_windows: number;
    anomalies_written: number;
    alerts: number;
    incidents_alerted: number;
    alerts_delivered: number;
    events: number;
    field_issues: Record<string, { missing: number; mistyped: number }>;
  };
  slices?: { status: string; slices: number; incidents: number; missing: number };
}

function comparable(doc: JsonObject): string {
  return JSON.stringify(doc);
}

function configFor(e: TestEngine, prefix: string, out: OutputNames, receiver: AlertReceiver): string {
  const job = { index: `${prefix}-events`, window: '1h', slide: '1h', delay: '1m', warmup: '12h' };
  return writeConfig(e, prefix, out, {
    jobs: [
      { id: JOBS[0], preset: 'auth_by_user', ...job },
      { id: JOBS[1], preset: 'auth_by_source_ip', ...job },
    ],
    alerting: { connectors: [{ name: 'receiver', format: 'generic', url: receiver.url, secret: receiver.secret }] },
    // Two jobs and a slice pass per window: at a load average of 30+ on two cores one window took
    // longer than the support file's 8 s lease and the backfill gave the window up. The killed
    // runner's lease then lapses after 30 s, which (c) waits for once.
    pipeline: { lease_ttl: '30s' },
  });
}

/** The webhook ids of first alerts the receiver verified (one per delivery, duplicates included; updates carry `_r<n>`). */
function received(receiver: AlertReceiver): string[] {
  return readFileSync(receiver.logFile, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; verified: boolean })
    .filter((r) => r.verified && /^vigil_[0-9a-f]{16}$/.test(r.id))
    .map((r) => r.id);
}

/** Incident ids that alerted (a document with status "new" marks the slice the incident first alerted in). */
function alertedIncidents(docs: Map<string, JsonObject>): Set<string> {
  const ids = new Set<string>();
  for (const doc of docs.values()) {
    const incident = (doc as unknown as AnomalyDocument).vigil.incident;
    if (incident?.status === 'new') ids.add(incident.id);
  }
  return ids;
}

// The two engines run side by side (each suite's own steps stay in order).
describe('pipeline end to end', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`pipeline on ${e.label}`, { concurrency: 1 }, () => {
      const prefix = uniquePrefix('pipeline-i10');
      let engine: Engine;
      let generated: GeneratedEvents;
      let config: string;
      const out = outputNames(prefix);
      let first: BackfillJson;
      let reference: Map<string, JsonObject>;
      const dir = mkdtempSync(join(tmpdir(), 'vigil-pipeline-alerts-'));
      const receivers: AlertReceiver[] = [];

      before(async () => {
        engine = await engineFor(e);
        generated = await indexEvents(engine, prefix);
        receivers.push(await startAlertReceiver(join(dir, 'reference.ndjson')), await startAlertReceiver(join(dir, 'killed.ndjson')));
        config = configFor(e, prefix, out, receivers[0]);
      });

      after(async () => {
        for (const r of receivers) await r.close();
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
      });

      it('vigil install applies the templates and reports the lifecycle policy as unsupported on the minimal engine', async () => {
        const result = await runCli(['install', '--config', config, '--json']);
        const steps = (JSON.parse(result.stdout) as { steps: { kind: string; name: string; result: string }[] }).steps;
        const byName = new Map(steps.map((s) => [`${s.kind}:${s.name}`, s.result]));
        assert.equal(byName.get('component_template:vigil-settings'), 'applied');
        for (const index of [out.anomaly_index, out.state_index, out.status_index, out.dead_letter_index])
          assert.equal(byName.get(`index_template:${index}`), 'applied', index);
        assert.equal(byName.get(`lifecycle_policy:${out.anomaly_index}-retention`), 'unsupported');
        // Idempotent: a second install applies the same again.
        const again = JSON.parse((await runCli(['install', '--config', config, '--json'])).stdout) as { steps: { result: string }[] };
        assert.deepEqual(
          again.steps.map((s) => s.result),
          steps.map((s) => s.result),
        );
      });

      it('(a) backfill writes one coherent document per scored entity-window; the brute force is one incident, alerted once', async () => {
        const result = await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--json', '--no-progress']);
        first = JSON.parse(result.stdout) as BackfillJson;
        assert.equal(first.summary.windows_warmup, 2 * 12);
        assert.equal(first.summary.windows_scored, 2 * SCORED_WINDOWS);
        assert.ok(first.summary.entity_windows > SCORED_WINDOWS * 5, `only ${first.summary.entity_windows} entity-windows`);
        assert.equal(first.summary.anomalies_written, first.summary.entity_windows);
        assert.equal(first.slices?.slices, SCORED_WINDOWS);
        assert.equal(first.slices?.missing, 0);
        // The malformed events were counted (by each job that reads the field), not dropped silently or fatal.
        assert.equal(first.summary.field_issues['user.name']?.missing, 2);

        reference = await allDocuments(engine, out.anomaly_index);
        assert.equal(reference.size, first.summary.entity_windows);
        const seen = new Set<string>();
        for (const [id, doc] of reference) {
          const v = (doc as unknown as AnomalyDocument).vigil;
          const start = Date.parse(v.window.start);
          assert.equal(id, anomalyId(v.job_id, v.entity.field, v.entity.value, start));
          assert.equal(start % H, 0);
          assert.ok(start >= START + 12 * H && start < START + HOURS * H);
          const key = `${v.job_id}/${v.entity.value}@${start}`;
          assert.ok(!seen.has(key), `two documents for ${key}`);
          seen.add(key);
          // ECS: alert only on alerts, every other scored window a metric.
          assert.equal((doc.event as JsonObject).kind, v.is_alert ? 'alert' : 'metric');
          assert.deepEqual(doc.ecs, { version: '8.17.0' });
          assert.deepEqual((doc.event as JsonObject).category, ['authentication']);
          // One decision per document: the verdict is the score against the document's own cut.
          assert.ok(v.threshold > 0 && v.threshold <= 100, `cut ${v.threshold}`);
          assert.equal(v.is_alert, v.score >= v.threshold, `${id}: score ${v.score}, cut ${v.threshold}, is_alert ${v.is_alert}`);
          assert.ok(v.score >= 0 && v.score < 100);
          assert.equal((doc.event as JsonObject).risk_score, Math.round(v.score));
          if (v.warming_up) assert.notEqual(v.severity, 'critical');
          if (v.is_alert) assert.ok(v.incident, `alerting document ${id} without an incident`);
        }
        // The injected brute force: the victim's window is an alerting incident, and the attacker's
        // window in the other job is part of the same incident (shared related.ip).
        const { attack } = generated;
        const windowStart = START + attack.hour * H;
        const victim = reference.get(anomalyId('auth-users', 'user.name', attack.user, windowStart)) as unknown as AnomalyDocument;
        const attacker = reference.get(anomalyId('auth-ips', 'source.ip', attack.sourceIp, windowStart)) as unknown as AnomalyDocument;
        assert.ok(victim && attacker, 'both brute-force windows were scored');
        assert.equal(victim.vigil.is_alert || attacker.vigil.is_alert, true);
        assert.ok(victim.vigil.incident && attacker.vigil.incident);
        assert.equal(victim.vigil.incident.id, attacker.vigil.incident.id, 'one incident across both jobs');
        assert.equal(victim.vigil.incident.alerted, true);
        assert.ok(victim.related.ip.includes(attack.sourceIp));

        // One alert per incident: the receiver got each alerted incident's id, once.
        const incidents = alertedIncidents(reference);
        assert.ok(incidents.has(victim.vigil.incident.id));
        assert.equal(first.summary.incidents_alerted, incidents.size);
        const ids = received(receivers[0]);
        assert.deepEqual([...new Set(ids)].sort(), [...incidents].map((i) => `vigil_${i}`).sort());
        assert.equal(ids.length, incidents.size, 'no incident alerted twice');

        const caps = await engine.fieldCaps(out.anomaly_index, [
          '@timestamp',
          'event.kind',
          'event.risk_score',
          'user.name',
          'related.ip',
          'vigil.score',
          'vigil.window.start',
          'vigil.is_alert',
          'vigil.features',
          'vigil.features.actual',
          'vigil.event_count',
          'threat.technique.id',
          'vigil.incident.id',
          'vigil.warming_up',
        ]);
        const types = Object.fromEntries(caps.map((c) => [c.field, c.types.join('|')]));
        assert.deepEqual(types, {
          '@timestamp': 'date',
          'event.kind': 'keyword',
          'event.risk_score': 'float',
          'user.name': 'keyword',
          'related.ip': 'ip',
          'vigil.score': 'float',
          'vigil.window.start': 'date',
          'vigil.is_alert': 'boolean',
          'vigil.features': 'nested',
          'vigil.features.actual': 'double',
          'vigil.event_count': 'long',
          'threat.technique.id': 'keyword',
          'vigil.incident.id': 'keyword',
          'vigil.warming_up': 'boolean',
        });
        await engine.refresh(out.status_index);
        assert.equal(await engine.count(out.status_index), 2 * SCORED_WINDOWS);
      });

      it('(b) the same backfill again leaves every document unchanged — resumed and restarted, same incident ids', async () => {
        const resumed = JSON.parse(
          (await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--json', '--no-progress'])).stdout,
        ) as BackfillJson;
        assert.ok(resumed.partitions.every((p) => p.alreadyDone));
        assert.equal(resumed.summary.windows_scored, 0);
        assert.equal(resumed.slices?.status, 'already_done');
        const restarted = JSON.parse(
          (await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--restart', '--json', '--no-progress'])).stdout,
        ) as BackfillJson;
        assert.equal(restarted.summary.windows_scored, 2 * SCORED_WINDOWS);
        assert.equal(restarted.summary.anomalies_written, first.summary.anomalies_written);
        const again = await allDocuments(engine, out.anomaly_index);
        assert.equal(again.size, reference.size);
        for (const [id, doc] of reference) assert.equal(comparable(again.get(id)!), comparable(doc), id);
        // The outbox already had every incident: the re-run sent nothing new.
        const ids = received(receivers[0]);
        assert.equal(ids.length, alertedIncidents(reference).size);
      });

      it('(c) a backfill killed mid-way and started again ends with the same documents, one alert per incident', async () => {
        const killedOut = outputNames(`${prefix}-killed`);
        const killedConfig = configFor(e, prefix, killedOut, receivers[1]);
        await runCli(['install', '--config', killedConfig, '--json']);
        const run = startCli(['backfill', '--config', killedConfig, '--from', FROM, '--to', TO, '--no-progress']);
        // Kill it once a few slices are written (status documents appear as slices are decided).
        for (let i = 0; ; i++) {
          await sleep(250);
          await engine.refresh(killedOut.status_index).catch(() => undefined);
          const done = await engine.count(killedOut.status_index).catch(() => 0);
          if (done >= 5) break;
          if (i > 800) assert.fail('the backfill made no progress');
        }
        run.child.kill('SIGKILL');
        const killed = await run.done;
        assert.equal(killed.signal, 'SIGKILL');
        const partial = await allDocuments(engine, killedOut.anomaly_index);
        assert.ok(partial.size > 0 && partial.size < reference.size, `partial run wrote ${partial.size} of ${reference.size}`);

        // The restarted backfill waits for the dead runner's leases and resumes from the checkpoints.
        const resumed = JSON.parse(
          (await runCli(['backfill', '--config', killedConfig, '--from', FROM, '--to', TO, '--json', '--no-progress'])).stdout,
        ) as BackfillJson;
        assert.equal(resumed.summary.windows_warmup, 0, 'the warm-up was committed before the kill: not redone');
        assert.ok(resumed.summary.windows_scored < 2 * SCORED_WINDOWS);
        const final = await allDocuments(engine, killedOut.anomaly_index);
        assert.equal(final.size, reference.size);
        for (const [id, doc] of reference)
          assert.equal(comparable(final.get(id)!), comparable(doc), `document ${id} differs after the restart`);
        // Every incident reached the receiver under its id, whichever process sent it. (Delivery is
        // at least once: a kill between the receiver's answer and the outbox write may resend the
        // same webhook-id, which receivers drop; the distinct ids are one per incident.)
        const ids = received(receivers[1]);
        assert.deepEqual([...new Set(ids)].sort(), [...alertedIncidents(reference)].map((i) => `vigil_${i}`).sort());
      });
    });
  }
});
