/**
 * The alert dispatcher with its durable outbox (state index) and dead-letter index on both real
 * engines, delivering to real HTTP receivers on 127.0.0.1: refusals are parked with their reason,
 * a restart mid-retry loses nothing and sends nothing twice, and `vigil alerts replay` re-sends
 * what was parked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEngines, uniquePrefix } from './engines.js';
import { clusterSchema } from '../../src/config/cluster.js';
import { connectEngine } from '../../src/engine/connect.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { createDispatcher } from '../../src/alerting/dispatcher.js';
import { seededRandom } from '../../src/alerting/clock.js';
import { findDeadLetters } from '../../src/alerting/dead-letter.js';
import { outboxId, type OutboxDocument } from '../../src/alerting/outbox.js';
import { startReceiver, type Receiver } from '../unit/alerting/support/receiver.js';
import { verifyWebhook } from '../unit/alerting/support/verify-standard-webhooks.js';
import { testAnomaly } from '../unit/alerting/support/anomalies.js';
import { TEST_SECRET, testAlerting } from '../unit/alerting/support/config.js';

const engines = await testEngines();

/** Direct HTTP for test set-up and clean-up only. */
async function raw(url: string, method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

/** A shipped index template, re-pointed at this test's index and without the shared settings component. */
function template(file: string, pattern: string): JsonObject {
  const body = JSON.parse(readFileSync(new URL(`../../mappings/${file}`, import.meta.url), 'utf8')) as JsonObject;
  delete body.composed_of;
  return { ...body, index_patterns: [pattern] };
}

function vigil(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: 'error' }, timeout: 90_000 },
      (error, stdout, stderr) => {
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

for (const te of engines) {
  describe(`alert dispatcher on ${te.label}`, () => {
    const prefix = uniquePrefix(`alerting-${te.flavour}`);
    const stateIndex = `${prefix}-state`;
    const deadLetterIndex = `${prefix}-dead-letter`;
    let engine: Engine;
    const receivers: Receiver[] = [];
    let dir: string;

    const dispatcher = (url: string, connector: Record<string, unknown> = {}, random = seededRandom(3)) =>
      createDispatcher({ config: testAlerting([{ url, ...connector }]), engine, stateIndex, deadLetterIndex, random });

    async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
      const r = await startReceiver(...args);
      receivers.push(r);
      return r;
    }

    before(async () => {
      engine = await connectEngine(clusterSchema.parse({ urls: [te.url], flavour: te.flavour }));
      // The shipped mappings: the state index is `dynamic: false`, so this also proves the outbox works with it.
      await engine.putIndexTemplate(`${prefix}-state`, template('state.index-template.json', stateIndex));
      await engine.putIndexTemplate(`${prefix}-dl`, template('dead-letter.index-template.json', `${deadLetterIndex}*`));
      dir = mkdtempSync(join(tmpdir(), 'vigil-alerting-it-'));
    });

    after(async () => {
      for (const r of receivers) await r.close();
      await engine.deleteIndex(`${prefix}-*`);
      await raw(te.url, 'DELETE', `/_index_template/${prefix}-state`);
      await raw(te.url, 'DELETE', `/_index_template/${prefix}-dl`);
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('fails twice then accepts: exactly one accepted delivery, recorded as delivered in the outbox', async () => {
      const r = await receiver((_q, i) => (i < 2 ? { status: 502 } : { status: 200 }));
      const d = dispatcher(r.url);
      const alert = testAnomaly({ user: 'twice' });
      await d.enqueue([alert]);
      const stats = await d.drain();
      await d.close();
      assert.equal(r.requests.length, 3);
      assert.equal(r.accepted.length, 1);
      assert.deepEqual([stats.delivered, stats.retried, stats.deadLettered], [1, 2, 0]);
      for (const q of r.requests) assert.deepEqual(verifyWebhook(TEST_SECRET, q.headers, q.body), { ok: true });
      const record = await engine.getState<OutboxDocument>(stateIndex, outboxId('c0', `vigil_${alert.id}`));
      assert.equal(record?.doc.kind, 'alert_outbox_delivered');
      assert.equal(record?.doc.alert_outbox.attempts, 3);
      assert.equal(record?.doc.alert_outbox.body, null, 'a delivered record keeps no payload');
    });

    it('a 400 is not retried and lands in the dead-letter index with the reason; replay re-sends it', async () => {
      const r = await receiver(() => ({ status: 400, body: '{"type":"BadRequest","message":"title is required"}' }));
      const d = dispatcher(r.url);
      const alert = testAnomaly({ user: 'refused' });
      await d.enqueue([alert]);
      const stats = await d.drain();
      await d.close();
      assert.equal(r.requests.length, 1, 'not retried');
      assert.equal(stats.deadLettered, 1);

      const letters = await findDeadLetters(engine, deadLetterIndex, { id: alert.id });
      assert.equal(letters.length, 1);
      const dl = letters[0].record;
      assert.equal(dl.reason, 'rejected');
      assert.equal(dl.last_status, 400);
      assert.match(dl.last_error, /^HTTP 400: \{"type":"BadRequest","message":"title is required"\}/);
      assert.equal(dl.attempts, 1);
      assert.equal(dl.message_id, `vigil_${alert.id}`);
      assert.deepEqual(dl.alert_ids, [alert.id]);
      assert.equal(dl.payload, r.requests[0].body, 'the exact payload is kept');
      assert.equal(dl.destination, r.url, 'only the origin, never a path that may hold a secret');
      assert.equal(dl.status, 'parked');
      const outbox = await engine.getState<OutboxDocument>(stateIndex, outboxId('c0', `vigil_${alert.id}`));
      assert.equal(outbox?.doc.kind, 'alert_outbox_dead');

      // The receiver is fixed; the admin replays through the CLI.
      r.setHandler(() => ({ status: 201 }));
      const config = join(dir, `replay-${te.flavour}.yaml`);
      writeFileSync(
        config,
        [
          `cluster: { urls: ["${te.url}"], flavour: ${te.flavour} }`,
          'jobs: [{ id: auth_by_user, index: "logs-*" }]',
          `output: { state_index: "${stateIndex}", dead_letter_index: "${deadLetterIndex}", anomaly_index: "${prefix}-anomalies", status_index: "${prefix}-status" }`,
          'alerting:',
          `  connectors: [{ name: c0, url: "${r.url}", secret: "${TEST_SECRET}" }]`,
        ].join('\n'),
      );
      const replay = await vigil(['alerts', 'replay', '--config', config, '--id', alert.id]);
      assert.equal(replay.status, 0, replay.stderr + replay.stdout);
      assert.match(replay.stdout, new RegExp(`✓ ${letters[0].id} c0 vigil_${alert.id}: replayed \\(HTTP 201\\)`));
      assert.match(replay.stdout, /1 of 1 replayed/);
      assert.equal(r.requests.length, 2);
      const resent = r.requests[1];
      assert.equal(resent.body, r.requests[0].body, 'same payload');
      assert.equal(resent.headers['webhook-id'], `vigil_${alert.id}`, 'same idempotency key');
      assert.deepEqual(verifyWebhook(TEST_SECRET, resent.headers, resent.body), { ok: true });

      const after = await findDeadLetters(engine, deadLetterIndex, { id: alert.id, includeReplayed: true });
      assert.equal(after[0].record.status, 'replayed');
      assert.equal(after[0].record.replay_last_status, 201);
      assert.ok(after[0].record.replayed_at);
      const outboxAfter = await engine.getState<OutboxDocument>(stateIndex, outboxId('c0', `vigil_${alert.id}`));
      assert.equal(outboxAfter?.doc.kind, 'alert_outbox_delivered');
      const again = await vigil(['alerts', 'replay', '--config', config]);
      assert.match(again.stdout, /no parked alerts to replay/);
    });

    it('parks an alert whose retries are exhausted, with the attempts and the last error', async () => {
      const r = await receiver(() => ({ status: 503, body: 'maintenance' }));
      const d = dispatcher(r.url, { retry: { max_attempts: 3, base_delay_ms: 10, max_delay_ms: 20 } });
      const alert = testAnomaly({ user: 'exhausted' });
      await d.enqueue([alert]);
      const stats = await d.drain();
      await d.close();
      assert.equal(r.requests.length, 3);
      assert.deepEqual([stats.retried, stats.deadLettered], [2, 1]);
      const [letter] = await findDeadLetters(engine, deadLetterIndex, { id: `vigil_${alert.id}` });
      assert.equal(letter.record.reason, 'retries_exhausted');
      assert.equal(letter.record.attempts, 3);
      assert.equal(letter.record.last_status, 503);
      assert.equal(letter.record.last_error, 'HTTP 503: maintenance');
    });

    it('after a restart mid-retry nothing is lost and nothing is delivered twice', async () => {
      const r = await receiver(() => ({ status: 500 }));
      const alerts = ['r1', 'r2', 'r3'].map((user) => testAnomaly({ user }));
      // First process: every first attempt fails and the retry is scheduled 1.5 s out (jitter pinned to the top).
      const first = dispatcher(r.url, { retry: { max_attempts: 5, base_delay_ms: 1_500, max_delay_ms: 1_500 } }, () => 0.999);
      await first.enqueue(alerts);
      const deadline = Date.now() + 10_000;
      while (r.requests.length < 3 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      assert.equal(r.requests.length, 3);
      await first.close(); // the "crash": retries pending, nothing delivered yet
      for (const a of alerts) {
        const rec = await engine.getState<OutboxDocument>(stateIndex, outboxId('c0', `vigil_${a.id}`));
        assert.equal(rec?.doc.kind, 'alert_outbox_pending', 'the pending retry is durable');
        assert.equal(rec?.doc.alert_outbox.attempts, 1);
      }

      // Second process (same indices): recovers the outbox; the receiver now accepts.
      r.setHandler(() => ({ status: 200 }));
      const second = dispatcher(r.url);
      const stats = await second.drain();
      assert.equal(stats.delivered, 3);
      assert.equal(r.accepted.length, 3);
      assert.deepEqual(new Set(r.accepted.map((q) => q.headers['webhook-id'])), new Set(alerts.map((a) => `vigil_${a.id}`)));
      for (const q of r.accepted) assert.deepEqual(verifyWebhook(TEST_SECRET, q.headers, q.body), { ok: true });

      // The pipeline re-runs the same windows after the restart: nothing goes out again.
      await second.enqueue(alerts);
      const again = await second.drain();
      await second.close();
      const third = dispatcher(r.url);
      await third.enqueue(alerts);
      await third.drain();
      await third.close();
      assert.equal(again.delivered, 0);
      assert.equal(r.accepted.length, 3, 'each alert accepted exactly once');
      assert.equal(r.requests.length, 6, '3 failed first attempts + 3 deliveries');
    });

    it('realert suppression survives a restart (state index)', async () => {
      const r = await receiver(() => ({ status: 200 }));
      const config = testAlerting([{ url: r.url }], { realert: '3h' });
      const t0 = Date.parse('2024-05-01T00:00:00Z');
      const a = createDispatcher({ config, engine, stateIndex, deadLetterIndex });
      await a.enqueue([testAnomaly({ user: 'streak', windowStartMs: t0 })]);
      await a.drain();
      await a.close();
      const b = createDispatcher({ config, engine, stateIndex, deadLetterIndex });
      await b.enqueue([
        testAnomaly({ user: 'streak', windowStartMs: t0 + 3_600_000 }),
        testAnomaly({ user: 'streak', windowStartMs: t0 + 6 * 3_600_000 }),
      ]);
      const stats = await b.drain();
      await b.close();
      assert.equal(stats.suppressed, 1);
      assert.equal(stats.delivered, 1);
      assert.equal(r.accepted.length, 2);
    });

    it('delivered markers older than outbox_retention are purged when a dispatcher starts', async () => {
      const r = await receiver(() => ({ status: 200 }));
      const alert = testAnomaly({ user: 'purged' });
      const d = dispatcher(r.url);
      await d.enqueue([alert]);
      await d.drain();
      await d.close();
      const id = outboxId('c0', `vigil_${alert.id}`);
      assert.equal((await engine.getState<OutboxDocument>(stateIndex, id))?.doc.kind, 'alert_outbox_delivered');
      await new Promise((res) => setTimeout(res, 20));
      const next = createDispatcher({
        config: testAlerting([{ url: r.url }], { outbox_retention: '10ms' }),
        engine,
        stateIndex,
        deadLetterIndex,
      });
      await next.drain();
      await next.close();
      assert.equal(await engine.getState(stateIndex, id), null, 'the tombstone is gone');
    });
  });
}
