import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoencoderDetector } from '../../../src/models/autoencoder.js';
import { mulberry32 } from '../../../src/models/random.js';
import type { Observation } from '../../../src/models/observation.js';

const params = { seed: 7, models: { autoencoder: { enabled: true, weight: 1 } } };

/** Windows where logons and hosts move together (hosts ≈ logons / 4) and failures stay low. */
function population(n: number, seed = 1): Observation[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const logons = 4 + Math.floor(rand() * 60);
    return {
      entity: `u${i % 50}`,
      time: i * 60_000,
      features: { logons, hosts: Math.max(1, Math.round(logons / 4 + rand())), failures: Math.floor(rand() * 2) },
    };
  });
}

describe('autoencoder detector', () => {
  const history = population(2000);

  test("a window breaking the population's joint structure scores far above typical windows", () => {
    const ae = new AutoencoderDetector(params);
    ae.learnMany(history);
    const typical = population(200, 99)
      .map((o) => ae.scoreOne(o)?.score ?? NaN)
      .sort((a, b) => a - b);
    const p99 = typical[Math.floor(0.99 * typical.length)];
    // Each value alone is ordinary (60 logons, 2 hosts, 1 failure), the combination is not.
    const odd = ae.scoreOne({ entity: 'u1', time: 0, features: { logons: 60, hosts: 1, failures: 1 } });
    assert.ok(odd, 'scored');
    assert.ok(odd.score > 2 * p99, `odd ${odd.score.toFixed(3)} vs typical p99 ${p99.toFixed(3)}`);
    const shares = ae.featureShares(odd, { share: 1, anomalous: true, typicalScore: 0 });
    const top = [...shares].sort((a, b) => b.contribution - a.contribution)[0];
    assert.ok(['logons', 'hosts'].includes(top.name), `top feature ${top.name}`);
    assert.ok(Math.abs(shares.reduce((s, c) => s + c.contribution, 0) - 1) < 1e-9);
  });

  test('deterministic for a seed, and the state round-trips through JSON exactly', () => {
    const a = new AutoencoderDetector(params);
    const b = new AutoencoderDetector(params);
    a.learnMany(history.slice(0, 500));
    b.learnMany(history.slice(0, 500));
    const probe: Observation = { entity: 'x', time: 0, features: { logons: 30, hosts: 2, failures: 0 } };
    assert.equal(a.scoreOne(probe)?.score, b.scoreOne(probe)?.score);
    const restored = AutoencoderDetector.fromJSON(JSON.parse(JSON.stringify(a.toJSON())), params);
    assert.equal(restored.scoreOne(probe)?.score, a.scoreOne(probe)?.score);
    a.learnOne(probe);
    restored.learnOne(probe);
    assert.equal(restored.scoreOne(probe)?.score, a.scoreOne(probe)?.score);
  });

  test('does not score before it has learned enough, skips windows without features, quarantines alerts', () => {
    const ae = new AutoencoderDetector(params);
    ae.learnMany(history.slice(0, 10));
    assert.equal(ae.scoreOne(history[0]), undefined);
    ae.learnMany(history.slice(10, 200));
    assert.equal(ae.scoreOne({ entity: 'x', time: 0, features: {} }), undefined);
    const before = JSON.stringify(ae.toJSON());
    ae.learnOne({ entity: 'x', time: 0, features: { logons: 900, hosts: 1, failures: 50 } }, true);
    assert.equal(JSON.stringify(ae.toJSON()), before);
  });
});
