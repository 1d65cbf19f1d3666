/**
 * Idle-entity eviction on both real engines: entities evicted to the state index (gzip+base64 cold
 * documents) come back after a restart — a new live set and ensemble read from their JSON — with
 * exactly the state they left with, so they score the same bits as entities that never left.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
    });
  }
});
