/**
 * Delivery off the scoring path, on both real engines through the CLI: two receivers that never
 * answer and one that does. The backfill scores every window without waiting for the hung ones
 * (no window takes as long as their timeout; later windows' status documents show the earlier
 * alerts still pending), the healthy receiver gets its alerts, the summary reports what is left
 * pending, and a re-run resends exactly those from the durable outbox: delivered where the
 * receiver now answers 200, dead-lettered where it refuses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { startReceiver, type Receiver } from '../unit/alerting/support/receiver.js';
import { testEngines, uniquePrefix } from './engines.js';
import { HOURS, START, H, allDocuments, engineFor, indexEvents, outputNames, runCli, writeConfig } from './pipeline-support.js';

const engines = await testEngines();
const FROM = new Date(START).toISOString();
const TO = new Date(START + HOURS * H).toISOString();
/** Far longer than any window takes: a window that waited for a hung receiver would show it. */
const HUNG_TIMEOUT_MS = 60_000;

interface Summary {
  windows_scored: number;
  alerts: number;
  alerts_delivered: number;
  alerts_dead_lettered: number;
  alerts_pending: number;
}

/** Log lines by message and connector: what to look at when a count is off. */
function tally(stderr: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as { msg?: string; connector?: string };
    const key = `${j.msg ?? ''}${j.connector ? ` (${j.connector})` : ''}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

describe('alert outbox: a hung receiver does not hold up scoring', { concurrency: engines.length }, () => {
  for (const e of engines) {
    // The two steps of one engine run in order (the re-run depends on the first run).
    describe(`outbox on ${e.label}`, { concurrency: 1 }, () => {
      const prefix = uniquePrefix(`i11b-outbox-${e.flavour}`);
      const out = outputNames(prefix);
      let engine: Engine;
      let config: string;
      let rerunConfig: string;
      let hungA: Receiver;
      let hungB: Receiver;
      let healthy: Receiver;
      let first: Summary;

      before(async () => {
        engine = await engineFor(e);
        await indexEvents(engine, prefix);
        hungA = await startReceiver(() => 'hang');
        hungB = await startReceiver(() => 'hang');
        healthy = await startReceiver(() => ({ status: 200 }));
        const hung = {
          timeout_ms: HUNG_TIMEOUT_MS,
          concurrency: 2,
          rate_per_second: 100,
          retry: { max_attempts: 3, base_delay_ms: 10, max_delay_ms: 20 },
        };
        const configWith = (drainTimeout: string): string =>
          writeConfig(e, prefix, out, {
            // Long enough that a loaded CI machine never loses it mid-window.
            pipeline: { lease_ttl: '60s' },
            alerting: {
              realert: '0s',
              drain_timeout: drainTimeout,
              connectors: [
                { name: 'hung-a', url: hungA.url, ...hung },
                { name: 'hung-b', url: hungB.url, ...hung },
                { name: 'healthy', url: healthy.url, timeout_ms: 5_000 },
              ],
            },
          });
        // The first run gives up on the hung receivers 2 s after scoring; the re-run may take its time.
        config = configWith('2s');
        rerunConfig = configWith('2m');
        await runCli(['install', '--config', config, '--json']);
      });

      after(async () => {
        for (const r of [hungA, hungB, healthy]) await r.close();
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
      });

      it('scores every window while two receivers hang; the healthy one gets its alerts; the rest is pending', async () => {
        const started = Date.now();
        const result = await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--json', '--no-progress'], {
          VIGIL_LOG_LEVEL: 'info',
        });
        const seconds = (Date.now() - started) / 1000;
        first = (JSON.parse(result.stdout) as { summary: Summary }).summary;
        assert.equal(first.windows_scored, HOURS - 12);
        assert.ok(first.alerts >= 1, 'the fixture has at least one alert');
        // Healthy: every alert delivered. Hung: every alert still pending, none lost, none dead yet.
        const why = `${JSON.stringify(first)} ${JSON.stringify(tally(result.stderr))}`;
        assert.equal(healthy.accepted.length, first.alerts, why);
        assert.equal(first.alerts_delivered, first.alerts, why);
        assert.equal(first.alerts_pending, 2 * first.alerts);
        assert.equal(first.alerts_dead_lettered, 0);
        // The hung receivers were asked (and never answered) while the backfill went on.
        assert.ok(hungA.requests.length >= 1 && hungB.requests.length >= 1);

        const status = [...(await allDocuments(engine, out.status_index)).values()].map((d) => (d.vigil as { status: JsonObject }).status);
        assert.equal(status.length, HOURS - 12);
        const slowest = Math.max(...status.map((s) => Number(s.duration_ms)));
        assert.ok(slowest < HUNG_TIMEOUT_MS, `a window took ${slowest} ms: it waited for a receiver`);
        // A window scored after the first alert saw it pending: scoring went on while delivery hung.
        const firstAlert = Math.min(...status.filter((s) => Number(s.alerts) > 0).map((s) => Date.parse(String(s.window_start))));
        const later = status.filter((s) => Date.parse(String(s.window_start)) > firstAlert);
        if (later.length > 0)
          assert.ok(
            later.every((s) => Number(s.alerts_pending) >= 2),
            JSON.stringify(later.map((s) => s.alerts_pending)),
          );

        // The pending records are in the cluster (the state index), one per hung connector and alert.
        await engine.refresh(out.state_index);
        assert.equal(await engine.count(out.state_index, { term: { kind: 'alert_outbox_pending' } }), 2 * first.alerts);
        const figures = `${seconds.toFixed(1)} s, slowest window ${slowest} ms, alerts ${first.alerts}, pending ${first.alerts_pending}`;
        console.log(`# ${e.label}: backfill with 2 hung receivers: ${figures}`);
      });

      it('a re-run resends what was left pending: delivered where the receiver answers, dead-lettered where it refuses', async () => {
        const hungFirstRun = hungA.requests.length - hungA.accepted.length;
        hungA.setHandler(() => ({ status: 200 }));
        hungB.setHandler(() => ({ status: 400, body: '{"error":"bad request"}' }));
        const healthyBefore = healthy.requests.length;
        const result = await runCli(['backfill', '--config', rerunConfig, '--from', FROM, '--to', TO, '--json', '--no-progress'], {
          VIGIL_LOG_LEVEL: 'info',
        });
        const again = (JSON.parse(result.stdout) as { summary: Summary }).summary;
        const why = `${JSON.stringify(again)} ${JSON.stringify(tally(result.stderr))}`;
        assert.equal(again.windows_scored, 0);
        assert.equal(again.alerts_delivered, first.alerts, why);
        assert.equal(again.alerts_dead_lettered, first.alerts);
        assert.equal(again.alerts_pending, 0);
        assert.equal(hungA.accepted.length, first.alerts);
        // One request per alert, and the ones that hung went out again under the same idempotency key.
        const accepted = new Set(hungA.accepted.map((r) => r.headers['webhook-id']));
        assert.equal(accepted.size, first.alerts);
        for (const r of hungA.requests.slice(0, hungFirstRun))
          assert.ok(accepted.has(r.headers['webhook-id']), String(r.headers['webhook-id']));
        assert.equal(healthy.requests.length, healthyBefore, 'nothing sent twice to the healthy receiver');
        await engine.refresh(out.dead_letter_index);
        assert.equal(await engine.count(out.dead_letter_index, { term: { 'vigil.dead_letter.connector': 'hung-b' } }), first.alerts);
      });
    });
  }
});
