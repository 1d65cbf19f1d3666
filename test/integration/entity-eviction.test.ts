/**
 * Idle-entity eviction on both real engines: entities evicted to the state index (gzip+base64 cold
 * documents) come back after a restart — a new live set and ensemble read from their JSON — with
 * exactly the state they left with, so they score the same bits as entities that never left.
 * Restores are one `_mget` per batch (no single gets), and the sweep deletes exactly the
 * partition's cold documents evicted before its cut-off.
 */
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../src/engine/engine.js';
import { defaultEnsembleParams, Ensemble, type Observation } from '../../src/models/ensemble.js';
import { Random } from '../../src/models/random.js';
import { LiveSet, StateIndexColdStore } from '../../src/pipeline/entity-eviction.js';
import { normalWindow } from '../unit/models/synthetic.js';
import { testEngines, uniquePrefix } from './engines.js';
import { engineFor } from './pipeline-support.js';

const engines = await testEngines();
const H = 3_600_000;
const START = Date.parse('2026-03-02T00:00:00Z');

function hours(): Observation[][] {
  const rng = new Random(21);
  return Array.from({ length: 40 }, (_, h) =>
    Array.from({ length: 20 }, (_, u) => normalWindow(rng, u, h, START)).filter((o, u) => !(u < 12 && h >= 20 && h < 30)),
  );
}

describe('idle-entity eviction to the state index', { concurrency: engines.length }, () => {
  for (const e of engines) {
    it(`on ${e.label}: evicted entities are restored after a restart with the same state and the same scores`, async () => {
      const engine = await engineFor(e);
      const index = `${uniquePrefix('s12m-cold')}-state`;
      after(async () => {
        await engine.deleteIndex(index).catch(() => undefined);
      });
      // The state index's own mapping (keyword kind and job, epoch-millis evicted_at), without the shared settings.
      const template = JSON.parse(readFileSync(new URL('../../mappings/state.index-template.json', import.meta.url), 'utf8')) as JsonObject;
      delete template.composed_of;
      await engine.putIndexTemplate(`${index}-template`, { ...template, index_patterns: [index] });
      // Count the engine's reads: cold entities come back through multi-gets only.
      const calls = { get: 0, mget: 0 };
      const getState = engine.getState.bind(engine);
      const mgetState = engine.mgetState.bind(engine);
      engine.getState = (i, id) => ((calls.get += 1), getState(i, id));
      engine.mgetState = (i, ids) => ((calls.mget += 1), mgetState(i, ids));
      assert.deepEqual(await engine.mgetState(index, ['nothing-yet']), [null], 'a missing index answers null');
      const store = new StateIndexColdStore(engine, index, 'auth', 0);
      const windows = hours();
      const kept = new Ensemble(defaultEnsembleParams(5)).fit(windows.slice(0, 10).flat());
      let evicting = Ensemble.fromJSON(JSON.parse(JSON.stringify(kept.toJSON())));
      let live = new LiveSet(8);
      let restored = 0;
      for (let h = 10; h < 40; h++) {
        const obs = windows[h];
        restored += await live.arrive(
          obs.map((o) => o.entity),
          START + h * H,
          { ensemble: evicting },
          store,
        );
        const a = obs.map((o) => kept.scoreOne(o));
        const b = obs.map((o) => evicting.scoreOne(o));
        assert.deepEqual(
          b.map((s) => s.fused),
          a.map((s) => s.fused),
          `hour ${h}`,
        );
        obs.forEach((o, i) => kept.learnOne(o, a[i]));
        obs.forEach((o, i) => evicting.learnOne(o, b[i]));
        await live.evictBeyondCap(START + h * H, { ensemble: evicting }, store);
        assert.ok(live.liveCount <= 8);
        if (h === 25) {
          // Restart: the partition state (ensemble and live set) goes through JSON, the cold entities stay in the index.
          evicting = Ensemble.fromJSON(JSON.parse(JSON.stringify(evicting.toJSON())));
          live = LiveSet.fromJSON(JSON.parse(JSON.stringify(live.toJSON())), 8);
        }
      }
      assert.ok(restored >= 12, `restored ${restored}`);
      // Bring every cold entity back: the whole state equals the never-evicted ensemble's.
      const all = Array.from({ length: 20 }, (_, u) => normalWindow(new Random(1), u, 0, START).entity);
      const back = LiveSet.fromJSON(live.toJSON(), 100);
      await back.arrive(all, START + 40 * H, { ensemble: evicting }, store);
      assert.equal(back.coldCount, 0);
      assert.deepEqual(evicting.toJSON().detectors, kept.toJSON().detectors);
      assert.equal(calls.get, 0, 'no single gets');
      assert.ok(calls.mget >= 2 && calls.mget <= 31, `one multi-get per window with returning entities: ${calls.mget}`);

      // A document of another partition, and one that is not a cold entity, are never swept.
      await new StateIndexColdStore(engine, index, 'auth', 1).put([{ entity: 'x', evictedAt: START, state: { ensemble: undefined } }]);
      await engine.putState(index, 'lease:auth:p0', { kind: 'lease', job_id: 'auth', partition: 0 }, { kind: 'none' });
      const coldOf = async (partition: number): Promise<number[]> => {
        await engine.refresh(index);
        const found = await engine.search(index, {
          size: 1000,
          query: { bool: { filter: [{ term: { kind: 'cold_entity' } }, { term: { partition } }] } },
        });
        return ((found.hits as { hits: { _source: { evicted_at: number } }[] }).hits ?? []).map((h) => h._source.evicted_at);
      };
      const before = await coldOf(0);
      const cutoff = START + 30 * H;
      const expected = before.filter((t) => t < cutoff).length;
      assert.ok(expected > 0 && expected < before.length, `cold documents ${before.length}, ${expected} before the cut-off`);
      assert.equal(await store.sweep(cutoff), expected);
      assert.deepEqual((await coldOf(0)).sort(), before.filter((t) => t >= cutoff).sort());
      assert.deepEqual(await coldOf(1), [START]);
      assert.ok(await engine.getState(index, 'lease:auth:p0'));
      assert.equal(await store.sweep(cutoff), 0);
      assert.deepEqual(
        (await engine.mgetState(index, ['lease:auth:p0', 'gone'])).map((v) => v?.doc.kind ?? null),
        ['lease', null],
      );
    });
  }
});
