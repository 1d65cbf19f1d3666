import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildCurve,
  curveAveragePrecision,
  curveFprAtRecall,
  curvePrecisionAtK,
  curveRocAuc,
  type RankingInput,
} from '../../../src/eval/metrics.js';
import { averagePrecision, fprAtRecall, precisionAtK, rocAuc } from '../../../src/eval/metrics.js';
import { Rng } from '../../../src/simulate/rng.js';

function random(n: number, seed: number): RankingInput {
  const rng = Rng.derive(seed, 'curve');
  const scores: number[] = [];
  const positive: number[] = [];
  const attacksOf: number[][] = [];
  for (let i = 0; i < n; i++) {
    const pos = rng.chance(0.1) ? 1 : 0;
    // Rounded scores create ties on purpose.
    scores.push(Math.round(rng.normal(pos ? 1.5 : 0, 1) * 4) / 4);
    positive.push(pos);
    attacksOf.push(pos ? [rng.int(0, 4)] : []);
  }
  return { scores, positive, attacksOf, attackCount: 5 };
}

describe('weighted ranking curve', () => {
  it('with unit weights equals the plain-array metrics (rocAuc, averagePrecision, …), ties included', () => {
    for (const seed of [1, 2, 3]) {
      const input = random(600, seed);
      const c = buildCurve(input);
      assert.ok(Math.abs(curveRocAuc(c) - rocAuc(input.scores, input.positive)) < 1e-12);
      assert.ok(Math.abs(curveAveragePrecision(c) - averagePrecision(input.scores, input.positive)) < 1e-12);
      assert.equal(curveFprAtRecall(c, 0.95), fprAtRecall(input.scores, input.positive, 0.95));
      for (const k of [1, 10, 57, 100])
        assert.ok(Math.abs(curvePrecisionAtK(c, k) - precisionAtK(input.scores, input.positive, k)) < 1e-12, `k=${k}`);
    }
  });

  it('counts an attack once, at the first threshold where one of its windows is alerted', () => {
    // Windows by score: 0.9 (attack 0), 0.8 (benign), 0.7 (attack 0 again), 0.6 (attack 1), 0.5 (benign).
    const input: RankingInput = {
      scores: [0.9, 0.8, 0.7, 0.6, 0.5],
      positive: [1, 0, 1, 1, 0],
      attacksOf: [[0], [], [0], [1], []],
      attackCount: 2,
    };
    const c = buildCurve(input);
    assert.deepEqual(
      c.points.map((p) => p.tpAttacks),
      [1, 1, 1, 2, 2],
    );
    // Attack level AP: recall 0.5 at precision 1/1, recall 1 at precision 3/4.
    assert.ok(Math.abs(curveAveragePrecision(c, 'attack') - (0.5 * 1 + 0.5 * 0.75)) < 1e-12);
    // FPR at full attack recall: 1 benign of 2 alerted.
    assert.equal(curveFprAtRecall(c, 1, 'attack'), 0.5);
    // Window-level ROC: positives {0.9,0.7,0.6} vs negatives {0.8,0.5}: pairs won 4 of 6.
    assert.ok(Math.abs(curveRocAuc(c) - 4 / 6) < 1e-12);
  });

  it('weights resample windows and attacks (a day drawn twice counts twice)', () => {
    const input: RankingInput = { scores: [0.9, 0.8, 0.7], positive: [1, 0, 1], attacksOf: [[0], [], [1]], attackCount: 2 };
    const c = buildCurve(input, { window: [2, 1, 0], attack: [2, 0] });
    assert.equal(c.positives, 2);
    assert.equal(c.negatives, 1);
    assert.equal(c.attacks, 2);
    assert.equal(curveAveragePrecision(c, 'window'), 1);
    assert.equal(curveRocAuc(c, 'window'), 1);
  });

  it('an attack no window matches is never caught', () => {
    const input: RankingInput = { scores: [0.9, 0.1], positive: [1, 0], attacksOf: [[0], []], attackCount: 2 };
    const c = buildCurve(input);
    assert.equal(curveFprAtRecall(c, 0.95, 'attack'), 1);
    assert.equal(curveAveragePrecision(c, 'attack'), 0.5);
  });
});
