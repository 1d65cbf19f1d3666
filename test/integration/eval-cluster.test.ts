/**
 * `vigil eval --cluster` against each shared engine: the same events scored through the real
 * pipeline (features pushed down as aggregations) and in memory give the same entity-windows,
 * the same positives and the same rule scores, and ensemble figures that agree.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateEvents, type EventsEvaluation } from '../../src/eval/events-eval.js';
import { connectByUrl } from '../../src/eval/cluster-url.js';
import { parseAttackSpec } from '../../src/simulate/options.js';
import { simulate } from '../../src/simulate/simulate.js';
import { NdjsonFileSink } from '../../src/simulate/sinks.js';
import { testEngines, uniquePrefix } from './engines.js';

const engines = await testEngines();
let dir = '';
let memory: EventsEvaluation;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-eval-cluster-'));
  await simulate({
    options: {
      seed: 9,
      days: 2,
      users: 14,
      hosts: 16,
      startMs: Date.parse('2026-03-02T00:00:00Z'),
      attacks: parseAttackSpec('brute_force:1,password_spray:1,beaconing:1'),
      intensity: 1,
      stealth: 0.2,
    },
    sinks: [await NdjsonFileSink.create(join(dir, 'events.ndjson'))],
    labelsPath: join(dir, 'labels.ndjson'),
  });
  memory = await evaluateEvents({ events: join(dir, 'events.ndjson'), labels: join(dir, 'labels.ndjson'), json: true, resamples: 20 });
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

for (const e of engines) {
  describe(`vigil eval --cluster on ${e.label}`, () => {
    const prefix = uniquePrefix('evalc');
    after(async () => {
      const engine = await connectByUrl(e.url);
      await engine.deleteIndex(`${prefix}-*`);
      await engine.close();
    });

    it('agrees with the in-memory evaluation', async () => {
      const cluster = await evaluateEvents({
        events: join(dir, 'events.ndjson'),
        labels: join(dir, 'labels.ndjson'),
        json: true,
        resamples: 20,
        cluster: e.url,
        clusterPrefix: prefix,
      });
      assert.equal(cluster.mode, 'cluster');
      assert.equal(cluster.cluster?.load?.failed, 0);
      assert.equal(cluster.result.dataset.windows, memory.result.dataset.windows, 'same entity-windows');
      assert.equal(cluster.result.dataset.positive_windows, memory.result.dataset.positive_windows, 'same positives');
      assert.deepEqual(cluster.result.models.rules, memory.result.models.rules, 'same rule scores');
      for (const k of ['pr_auc', 'roc_auc'] as const) {
        const a = cluster.result.models.ensemble[k];
        const b = memory.result.models.ensemble[k];
        assert.ok(Math.abs(a - b) <= 0.02, `ensemble ${k}: cluster ${a} vs memory ${b}`);
      }
      // The indices are removed afterwards unless asked to keep them.
      const engine = await connectByUrl(e.url);
      try {
        assert.equal((await engine.fieldCaps(`${prefix}-*`, ['vigil.score'])).flatMap((f) => f.types).length, 0);
      } finally {
        await engine.close();
      }
    });
  });
}
