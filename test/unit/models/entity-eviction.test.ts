/** Idle-entity eviction at the model level: an evicted entity restored later scores the same bits as one never evicted. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultEnsembleParams, Ensemble, type Observation } from '../../../src/models/ensemble.js';
import { Random } from '../../../src/models/random.js';
import { normalWindow } from './synthetic.js';

const START = Date.parse('2026-03-02T00:00:00Z');

/** 30 users over 60 hours; users 0–9 are idle (no window) from hour 30 to 44. */
function windowsAt(rng: Random, hour: number): Observation[] {
  const out: Observation[] = [];
  for (let u = 0; u < 30; u++) if (!(u < 10 && hour >= 30 && hour < 45)) out.push(normalWindow(rng, u, hour, START));
  return out;
}

describe('Ensemble.evictEntity / restoreEntity', () => {
  it('restores an idle entity to the exact state: every later score is bit-identical to a run without eviction', () => {
    const rng = new Random(9);
    const hours = Array.from({ length: 60 }, (_, h) => windowsAt(rng, h));
    const fit = (): Ensemble => new Ensemble(defaultEnsembleParams(3)).fit(hours.slice(0, 20).flat());
    const kept = fit();
    const evicting = fit();
    const cold = new Map<string, string>();
    for (let h = 20; h < 60; h++) {
      const obs = hours[h];
      for (const o of obs) {
        const snap = cold.get(o.entity);
        if (snap !== undefined) {
          evicting.restoreEntity(o.entity, JSON.parse(snap));
          cold.delete(o.entity);
        }
      }
      const a = obs.map((o) => kept.scoreOne(o));
      const b = obs.map((o) => evicting.scoreOne(o));
      assert.deepEqual(
        b.map((s) => [s.fused, s.score, s.narrative]),
        a.map((s) => [s.fused, s.score, s.narrative]),
        `hour ${h}`,
      );
      obs.forEach((o, i) => kept.learnOne(o, a[i]));
      obs.forEach((o, i) => evicting.learnOne(o, b[i]));
      if (h === 30) {
        // Idle from now on: evict users 0–9 (through JSON, as the state index keeps them).
        for (let u = 0; u < 10; u++) {
          const entity = normalWindow(new Random(1), u, 0, START).entity;
          const snap = evicting.evictEntity(entity);
          assert.ok(snap?.zscore && snap.rarity, `user ${u} had baseline and rarity state`);
          cold.set(entity, JSON.stringify(snap));
        }
      }
    }
    assert.equal(cold.size, 0);
    assert.deepEqual(evicting.toJSON().detectors, kept.toJSON().detectors);
  });

  it('returns undefined for an entity no detector knows, and the evicted state is gone until restored', () => {
    const e = new Ensemble(defaultEnsembleParams(3)).fit(windowsAt(new Random(1), 0));
    assert.equal(e.evictEntity('nobody'), undefined);
    const entity = windowsAt(new Random(1), 0)[0].entity;
    const snap = e.evictEntity(entity);
    assert.ok(snap);
    assert.equal(e.evictEntity(entity), undefined);
    e.restoreEntity(entity, snap);
    assert.deepEqual(e.evictEntity(entity), snap);
  });
});
