/**
 * `vigil demo` end to end against each shared engine (given with --cluster, so nothing is started
 * or stopped): simulate into the cluster, install, backfill through the real pipeline, signed
 * alerts to the local receiver, evaluation and report.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../src/eval/demo.js';
import { connectByUrl } from '../../src/eval/cluster-url.js';
import { testEngines, uniquePrefix } from './engines.js';

const engines = await testEngines();

for (const e of engines) {
  describe(`vigil demo on ${e.label}`, () => {
    const prefix = uniquePrefix('demo');
    let out = '';
    after(async () => {
      const engine = await connectByUrl(e.url);
      await engine.deleteIndex(`${prefix}-*`);
      await engine.close();
      if (out) await rm(out, { recursive: true, force: true });
    });

    it('simulates, backfills, alerts a verifying receiver and evaluates', async () => {
      out = await mkdtemp(join(tmpdir(), 'vigil-demo-test-'));
      const printed: string[] = [];
      const r = await runDemo({
        cluster: e.url,
        flavour: e.flavour,
        keepEngine: true,
        out,
        prefix,
        seed: 3,
        days: 2,
        users: 20,
        hosts: 16,
        attacks: 'brute_force:1,password_spray:1,data_exfiltration:1,rare_process:1',
        resamples: 20,
        print: (l) => printed.push(l),
      });
      assert.equal(r.startedEngine, false);
      assert.equal(r.simulation.sinks.find((s) => s.kind === 'cluster')?.failed, 0, 'every event indexed');

      // One anomaly document per scored entity-window, all readable back from the index.
      const engine = await connectByUrl(e.url);
      try {
        assert.ok(r.anomalies > 100, `${r.anomalies} anomaly documents`);
        assert.equal(await engine.count(`${r.anomalyIndex}*`), r.anomalies);
        assert.equal(r.evaluation.result.dataset.windows, r.anomalies);
      } finally {
        await engine.close();
      }

      // Every delivered alert reached the receiver with a valid signature, exactly once.
      assert.ok(r.alertsSent > 0, 'the dispatcher delivered alerts');
      assert.equal(r.received.accepted, r.alertsSent);
      assert.equal(r.received.rejected, 0);
      assert.equal(r.received.distinct, r.received.accepted);
      const log = (await readFile(r.received.logFile, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { verified: boolean });
      assert.equal(log.length, r.received.accepted);
      assert.ok(log.every((x) => x.verified));

      // The evaluation covers the baselines and every scenario; the report is written.
      const models = r.evaluation.result.models;
      for (const m of ['ensemble', 'rules', 'zscore', 'iforest'] as const) assert.ok(Number.isFinite(models[m].roc_auc), m);
      assert.deepEqual(Object.keys(r.evaluation.result.scenarios).sort(), [
        'brute_force',
        'data_exfiltration',
        'password_spray',
        'rare_process',
      ]);
      assert.match(await readFile(r.reportFile, 'utf8'), /<svg/);
      assert.ok(printed.some((l) => l.includes(`anomalies: ${r.anomalies.toLocaleString('en-US')} documents in index ${r.anomalyIndex}`)));
      // The headline is what reaches the analyst (incidents), before the window-level table.
      const table = printed.join('\n');
      const headline = table.indexOf('What reaches the analyst: incidents');
      assert.ok(headline >= 0 && headline < table.indexOf('Window level'), 'the incident table leads');
      assert.match(table, /\n {2}Vigil +\d+\/4 /);
      assert.ok(printed.some((l) => l.startsWith('report: ')));
      assert.ok(
        printed.some((l) => l.includes('ensemble (Vigil)')),
        'the evaluation table is printed',
      );
    });
  });
}
