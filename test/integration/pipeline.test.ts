/**
 * The pipeline end to end on both real engines, through the CLI: index generated events,
 * `vigil install`, `vigil backfill`, then
 *   (a) one anomaly document per scored entity-window, with the mapped field types;
 *   (b) the same backfill again leaves the document count unchanged (resumed: nothing to do;
 *       restarted: every document recomputed and overwritten in place);
 *   (c) a backfill killed with SIGKILL mid-way and started again ends with the same documents as
 *       the uninterrupted run;
 *   (d) feature parity is test/integration/features-parity.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anomalyId } from '../../src/anomaly/document.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import type { GeneratedEvents } from '../fixtures/pipeline-events.js';
import { testEngines, uniquePrefix } from './engines.js';
import { HOURS, START, H, allDocuments, engineFor, indexEvents, outputNames, runCli, sleep, startCli, writeConfig } from './pipeline-support.js';

const engines = await testEngines();
const FROM = new Date(START).toISOString();
const TO = new Date(START + HOURS * H).toISOString();
const SCORED_WINDOWS = HOURS - 12; // 12 h warm-up

interface BackfillJson {
  partitions: { windows: number; alreadyDone: boolean }[];
  summary: { windows_scored: number; windows_warmup: number; entity_windows: number; anomalies_written: number; alerts: number; events: number; field_issues: Record<string, { missing: number; mistyped: number }> };
}

function comparable(doc: JsonObject): string {
  return JSON.stringify(doc);
}

// The two engines run side by side (each suite's own steps stay in order).
describe('pipeline end to end', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`pipeline on ${e.label}`, () => {
      const prefix = uniquePrefix('pipeline');
      let engine: Engine;
      let generated: GeneratedEvents;
      let config: string;
      const out = outputNames(prefix);
      let first: BackfillJson;
      let reference: Map<string, JsonObject>;

      before(async () => {
        engine = await engineFor(e);
        generated = await indexEvents(engine, prefix);
        config = writeConfig(e, prefix, out);
      });

      after(async () => {
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
      });

      it('vigil install applies the templates and reports the lifecycle policy as unsupported on the minimal engine', async () => {
        const result = await runCli(['install', '--config', config, '--json']);
        const steps = (JSON.parse(result.stdout) as { steps: { kind: string; name: string; result: string }[] }).steps;
        const byName = new Map(steps.map((s) => [`${s.kind}:${s.name}`, s.result]));
        assert.equal(byName.get('component_template:vigil-settings'), 'applied');
        for (const index of [out.anomaly_index, out.state_index, out.status_index, out.dead_letter_index]) assert.equal(byName.get(`index_template:${index}`), 'applied', index);
        assert.equal(byName.get(`lifecycle_policy:${out.anomaly_index}-retention`), 'unsupported');
        // Idempotent: a second install applies the same again.
        const again = JSON.parse((await runCli(['install', '--config', config, '--json'])).stdout) as { steps: { result: string }[] };
        assert.deepEqual(again.steps.map((s) => s.result), steps.map((s) => s.result));
      });

      it('(a) backfill writes one anomaly document per scored entity-window, with the mapped types', async () => {
        const result = await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--json', '--no-progress']);
        first = JSON.parse(result.stdout) as BackfillJson;
        assert.equal(first.summary.windows_warmup, 12);
        assert.equal(first.summary.windows_scored, SCORED_WINDOWS);
        assert.ok(first.summary.entity_windows > SCORED_WINDOWS * 5, `only ${first.summary.entity_windows} entity-windows`);
        assert.equal(first.summary.anomalies_written, first.summary.entity_windows);
        // The malformed events were counted, not dropped silently or fatal.
        assert.equal(first.summary.field_issues['user.name']?.missing, 1);

        reference = await allDocuments(engine, out.anomaly_index);
        assert.equal(reference.size, first.summary.entity_windows);
        const seen = new Set<string>();
        for (const [id, doc] of reference) {
          const v = doc.vigil as JsonObject;
          const entity = v.entity as JsonObject;
          const window = v.window as JsonObject;
          const start = Date.parse(String(window.start));
          assert.equal(id, anomalyId('auth-users', String(entity.field), String(entity.value), start));
          assert.equal(start % H, 0);
          assert.ok(start >= START + 12 * H && start < START + HOURS * H);
          const key = `${entity.value}@${start}`;
          assert.ok(!seen.has(key), `two documents for ${key}`);
          seen.add(key);
          // ECS: alert only on alerts, every other scored window a metric.
          assert.equal((doc.event as JsonObject).kind, v.is_alert === true ? 'alert' : 'metric');
          assert.deepEqual(doc.ecs, { version: '8.17.0' });
          assert.deepEqual((doc.event as JsonObject).category, ['authentication']);
        }
        // The injected brute force is the top anomaly, flagged as an alert, with the attacker in related.ip.
        // (by fused score: calibrated scores saturate at 100, so several could tie there)
        const top = [...reference.values()].sort((a, b) => Number((b.vigil as JsonObject).fused_score) - Number((a.vigil as JsonObject).fused_score))[0];
        const tv = top.vigil as JsonObject;
        assert.equal((tv.entity as JsonObject).value, generated.attack.user);
        assert.equal(Date.parse(String((tv.window as JsonObject).start)), START + generated.attack.hour * H);
        assert.equal(tv.is_alert, true);
        assert.ok(((top.related as JsonObject).ip as string[]).includes(generated.attack.sourceIp));

        const caps = await engine.fieldCaps(out.anomaly_index, ['@timestamp', 'event.kind', 'event.risk_score', 'user.name', 'related.ip', 'vigil.score', 'vigil.window.start', 'vigil.is_alert', 'vigil.features', 'vigil.features.actual', 'vigil.event_count', 'threat.technique.id']);
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
        });
        await engine.refresh(out.status_index);
      assert.equal(await engine.count(out.status_index), SCORED_WINDOWS);
      });

      it('(b) the same backfill again leaves the document count unchanged — resumed and restarted', async () => {
        const resumed = JSON.parse((await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--json', '--no-progress'])).stdout) as BackfillJson;
        assert.equal(resumed.partitions[0].alreadyDone, true);
        assert.equal(resumed.summary.windows_scored, 0);
        const restarted = JSON.parse((await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--restart', '--json', '--no-progress'])).stdout) as BackfillJson;
        assert.equal(restarted.summary.windows_scored, SCORED_WINDOWS);
        assert.equal(restarted.summary.anomalies_written, first.summary.anomalies_written);
        const after = await allDocuments(engine, out.anomaly_index);
        assert.equal(after.size, reference.size);
        for (const [id, doc] of reference) assert.equal(comparable(after.get(id)!), comparable(doc), id);
      });

      it('(c) a backfill killed mid-way and started again ends with the same documents as an uninterrupted one', async () => {
        const killedOut = outputNames(`${prefix}-killed`);
        const killedConfig = writeConfig(e, prefix, killedOut);
        await runCli(['install', '--config', killedConfig, '--json']);
        const run = startCli(['backfill', '--config', killedConfig, '--from', FROM, '--to', TO, '--no-progress']);
        // Kill it once a few windows are committed (status documents appear as windows are scored).
        for (let i = 0; ; i++) {
          await sleep(250);
          await engine.refresh(killedOut.status_index).catch(() => undefined);
          const done = await engine.count(killedOut.status_index).catch(() => 0);
          if (done >= 5) break;
          if (i > 400) assert.fail('the backfill made no progress');
        }
        run.child.kill('SIGKILL');
        const killed = await run.done;
        assert.equal(killed.signal, 'SIGKILL');
        const partial = await allDocuments(engine, killedOut.anomaly_index);
        assert.ok(partial.size > 0 && partial.size < reference.size, `partial run wrote ${partial.size} of ${reference.size}`);

        // The restarted backfill waits for the dead runner's lease (3 s) and resumes from its checkpoint.
        const resumed = JSON.parse((await runCli(['backfill', '--config', killedConfig, '--from', FROM, '--to', TO, '--json', '--no-progress'])).stdout) as BackfillJson;
        assert.equal(resumed.summary.windows_warmup, 0, 'the warm-up was committed before the kill: not redone');
        assert.ok(resumed.summary.windows_scored < SCORED_WINDOWS);
        const final = await allDocuments(engine, killedOut.anomaly_index);
        assert.equal(final.size, reference.size);
        for (const [id, doc] of reference) assert.equal(comparable(final.get(id)!), comparable(doc), `document ${id} differs after the restart`);
      });
    });
  }
});
