import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DETECTORS, MODEL_NAMES } from '../../../src/models/detectors.js';
import { defaultEnsembleParams, Ensemble, type EnsembleState, type EnsembleStateV1 } from '../../../src/models/ensemble.js';
import { IsolationForest } from '../../../src/models/isolation-forest.js';
import { matrixFromRows } from '../../../src/models/matrix.js';
import { PopulationZScore } from '../../../src/models/population-zscore.js';
import { world } from './synthetic.js';

describe('detector contract', () => {
  const data = world(3, 8, 24 * 6, 24 * 3, 2).map((l) => l.obs);
  const history = data.slice(0, 600);
  const later = data.slice(600, 700);

  it('every detector learns and scores one or many windows, and round-trips its state exactly', () => {
    const params = defaultEnsembleParams(3);
    assert.deepEqual(MODEL_NAMES, ['iforest', 'zscore', 'rarity', 'sequence', 'beaconing', 'autoencoder']);
    for (const factory of DETECTORS) {
      const d = factory.create(params);
      if (d.learns === 'batch') d.learnMany(history);
      else for (const o of history) d.learnOne(o);
      const many = d.scoreMany(later);
      assert.equal(many.length, later.length);
      const scored = later.map((o) => d.scoreOne(o)?.score ?? NaN);
      assert.deepEqual(Array.from(many), scored, `${factory.name}: scoreMany = scoreOne per window`);
      assert.ok(
        scored.some((s) => Number.isFinite(s)),
        `${factory.name} scored some windows`,
      );
      const restored = factory.fromJSON(JSON.parse(JSON.stringify(d.toJSON())), params);
      assert.deepEqual(Array.from(restored.scoreMany(later)), Array.from(many), `${factory.name}: restored state scores the same`);
    }
  });

  it('table detectors: scoreMany is scoreOne per row, higher = more abnormal, state round-trips', () => {
    const X = matrixFromRows([
      [1, 10],
      [2, 11],
      [1, 12],
      [2, 10],
      [1, 11],
      [40, -30],
    ]);
    for (const det of [new IsolationForest({ seed: 1, nEstimators: 50 }).learnMany(X), new PopulationZScore().learnMany(X)]) {
      const s = det.scoreMany(X);
      assert.deepEqual(
        Array.from(s),
        [0, 1, 2, 3, 4, 5].map((r) => det.scoreOne([X.data[r * 2], X.data[r * 2 + 1]])),
      );
      assert.equal(s.indexOf(Math.max(...s)), 5, 'the outlier scores highest');
    }
    const z = new PopulationZScore().learnMany(X);
    assert.deepEqual(Array.from(PopulationZScore.fromJSON(z.toJSON()).scoreMany(X)), Array.from(z.scoreMany(X)));
  });

  it('reads a version-1 ensemble state (one key per model) and scores as the version-2 state does', () => {
    const e = new Ensemble(defaultEnsembleParams(5)).fit(history);
    const v2 = JSON.parse(JSON.stringify(e.toJSON())) as EnsembleState;
    assert.equal(v2.version, 2);
    const d = v2.detectors as Record<string, Record<string, unknown>>;
    const v1: EnsembleStateV1 = {
      version: 1,
      params: v2.params,
      features: d.iforest.features as string[],
      fitted: v2.fitted,
      alpha: v2.alpha,
      learned: v2.learned,
      forest: d.iforest.forest,
      forestRing: d.iforest.forestRing,
      baseline: d.zscore.baseline,
      rarity: v2.detectors.rarity,
      sequence: v2.detectors.sequence,
      beaconing: v2.detectors.beaconing,
      standardisers: v2.standardisers,
      featureStandardisers: d.zscore.featureStandardisers as EnsembleStateV1['featureStandardisers'],
      extremes: v2.extremes,
      threshold: v2.threshold,
      calibration: v2.calibration,
    };
    const fromV1 = Ensemble.fromJSON(v1);
    // Version 1 predates the autoencoder: it joins fresh (and off, so the scores are the same).
    const withoutAutoencoder = (s: EnsembleState) => ({ ...s, detectors: { ...s.detectors, autoencoder: undefined } });
    assert.deepEqual(withoutAutoencoder(fromV1.toJSON()), withoutAutoencoder(e.toJSON()));
    assert.deepEqual(fromV1.scoreMany(later), e.scoreMany(later));
    assert.throws(() => Ensemble.fromJSON({ ...v2, version: 3 } as unknown as EnsembleState), /expected version 1 or 2/);
  });
});
