/**
 * The relational correlator end to end on both real engines, through the CLI: two jobs
 * (auth_by_user and auth_by_source_ip) over the generated events with one brute force, then
 *   - the brute-force victim's and attacker's windows are linked: the weaker carries
 *     vigil.relational with the other as its source, scores consistent with its fused score;
 *   - the correlator adds no document (one per scored entity-window of each job);
 *   - a second backfill (resumed, then --restart) leaves every document byte-identical.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anomalyId, type AnomalyDocument } from '../../src/anomaly/document.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import type { GeneratedEvents } from '../fixtures/pipeline-events.js';
import { testEngines, uniquePrefix } from './engines.js';
import { HOURS, START, H, allDocuments, engineFor, indexEvents, outputNames, runCli, writeConfig } from './pipeline-support.js';

const engines = await testEngines();
const FROM = new Date(START).toISOString();
const TO = new Date(START + HOURS * H).toISOString();

interface BackfillJson {
  summary: { entity_windows: number; anomalies_written: number };
  correlation?: { status: string; windows: number; documents: number; lifted: number };
}

describe('relational correlator end to end', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`correlator on ${e.label}`, { concurrency: 1 }, () => {
      const prefix = uniquePrefix('correlator');
      const out = outputNames(prefix);
      let engine: Engine;
      let generated: GeneratedEvents;
      let config: string;
      let first: BackfillJson;
      let reference: Map<string, JsonObject>;

      before(async () => {
        engine = await engineFor(e);
        generated = await indexEvents(engine, prefix, { users: 12 });
        const job = { index: `${prefix}-events`, window: '1h', slide: '1h', delay: '1m', warmup: '12h' };
        config = writeConfig(e, prefix, out, { jobs: [{ id: 'auth-users', preset: 'auth_by_user', ...job }, { id: 'auth-ips', preset: 'auth_by_source_ip', ...job }] });
        await runCli(['install', '--config', config, '--json']);
      });

      after(async () => {
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
      });

      it('backfill correlates the jobs: the brute force victim and attacker are linked, no document added', async () => {
        first = JSON.parse((await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--json', '--no-progress'])).stdout) as BackfillJson;
        assert.equal(first.summary.anomalies_written, first.summary.entity_windows);
        assert.equal(first.correlation?.status, 'done', JSON.stringify(first.correlation));
        // Windows with documents (a quiet night hour may have none), at most every scored one.
        assert.ok(first.correlation.windows > 0 && first.correlation.windows <= HOURS - 12, `${first.correlation.windows} windows`);
        assert.equal(first.correlation?.documents, first.summary.entity_windows);
        assert.ok((first.correlation?.lifted ?? 0) > 0, 'some documents lifted');

        reference = await allDocuments(engine, out.anomaly_index);
        assert.equal(reference.size, first.summary.entity_windows, 'the correlator rewrites in place');

        const { attack } = generated;
        const windowStart = START + attack.hour * H;
        const victimId = anomalyId('auth-users', 'user.name', attack.user, windowStart);
        const attackerId = anomalyId('auth-ips', 'source.ip', attack.sourceIp, windowStart);
        const victim = reference.get(victimId) as unknown as AnomalyDocument;
        const attacker = reference.get(attackerId) as unknown as AnomalyDocument;
        assert.ok(victim && attacker, 'both brute-force windows were scored');
        const lifted = [victim, attacker].filter((d) => d.vigil.relational);
        assert.ok(lifted.length >= 1, 'the weaker of the two carries the other one\'s risk');
        for (const d of lifted) {
          const r = d.vigil.relational!;
          assert.ok([victimId, attackerId].includes(r.source_key), `source ${r.source_key}`);
          assert.ok(r.lift > 0);
          assert.ok(Math.abs(d.vigil.fused_score - (d.vigil.own_fused_score! + r.lift)) < 2e-4, 'fused = own + lift');
          assert.equal(d.vigil.is_alert, d.vigil.fused_score > d.vigil.threshold);
          assert.equal(d.event.risk_score, Math.round(d.vigil.score));
          if (r.clause) assert.ok(d.vigil.explanation.endsWith(`; ${r.clause}`), d.vigil.explanation);
        }
        // The victim's window carries the attacking IP in related.ip: that is the link.
        assert.ok(victim.related.ip.includes(attack.sourceIp));
        // Documents never lifted carry no relational fields; lifted ones keep their own score.
        for (const doc of reference.values()) {
          const v = (doc as unknown as AnomalyDocument).vigil;
          if (v.relational) assert.ok(v.fused_score > v.own_fused_score!);
          else assert.equal(v.own_fused_score, undefined);
        }
      });

      it('a second backfill, resumed or restarted, leaves every document identical', async () => {
        const resumed = JSON.parse((await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--json', '--no-progress'])).stdout) as BackfillJson;
        assert.equal(resumed.correlation?.status, 'already_done');
        const restarted = JSON.parse((await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--restart', '--json', '--no-progress'])).stdout) as BackfillJson;
        assert.equal(restarted.correlation?.lifted, first.correlation?.lifted);
        const again = await allDocuments(engine, out.anomaly_index);
        assert.equal(again.size, reference.size);
        for (const [id, doc] of reference) assert.equal(JSON.stringify(again.get(id)), JSON.stringify(doc), `document ${id} differs after the second backfill`);
      });
    });
  }
});
