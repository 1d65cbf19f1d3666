import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averagePathLength, harmonic, IsolationForest } from '../../../src/models/isolation-forest.js';
import { matrixFromRows, type Matrix } from '../../../src/models/matrix.js';
import { Random } from '../../../src/models/random.js';

function gaussian(rows: number, cols: number, seed: number): Matrix {
  const rng = new Random(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { data, rows, cols };
}

describe('c(n) normalisation', () => {
  it('is 0 for n ≤ 1 and 1 for n = 2', () => {
    assert.equal(averagePathLength(0), 0);
    assert.equal(averagePathLength(1), 0);
    assert.equal(averagePathLength(2), 1);
  });
  it('uses the exact harmonic number: c(n) = 2H(n−1) − 2(n−1)/n', () => {
    let h = 0;
    for (let i = 1; i <= 255; i++) h += 1 / i;
    assert.ok(Math.abs(averagePathLength(256) - (2 * h - (2 * 255) / 256)) < 1e-12);
    assert.ok(Math.abs(averagePathLength(3) - (2 * 1.5 - 4 / 3)) < 1e-15);
  });
  it('switches to the asymptotic series beyond the table without a jump', () => {
    assert.ok(Math.abs(harmonic(4097) - (harmonic(4096) + 1 / 4097)) < 1e-12);
  });
});

describe('IsolationForest', () => {
  const X = gaussian(2000, 4, 1);

  it('scores an outlier above every inlier', () => {
    const f = new IsolationForest({ seed: 7 }).fit(X);
    const s = f.scoreMany(X);
    const outlier = f.scoreOne([6, -6, 6, -6]);
    assert.ok(outlier > Math.max(...s), `outlier ${outlier} vs max inlier ${Math.max(...s)}`);
    assert.ok(outlier > 0.6 && outlier <= 1);
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    assert.ok(mean > 0.35 && mean < 0.5, `mean inlier score ${mean}`);
  });

  it('uses ψ = min(maxSamples, rows) and the height limit ⌈log₂ ψ⌉', () => {
    const f = new IsolationForest({ seed: 1, maxSamples: 256 }).fit(X);
    assert.equal(f.subsampleSize, 256);
    const small = new IsolationForest({ seed: 1, maxSamples: 256 }).fit(gaussian(100, 2, 3));
    assert.equal(small.subsampleSize, 100);
    // A row's mean path length can never exceed the height limit plus c(leaf size ≤ ψ).
    assert.ok(f.pathLength([0, 0, 0, 0]) <= 8 + averagePathLength(256));
  });

  it('is reproducible for a seed and different across seeds', () => {
    const a = new IsolationForest({ seed: 3 }).fit(X).scoreMany(X);
    const b = new IsolationForest({ seed: 3 }).fit(X).scoreMany(X);
    const c = new IsolationForest({ seed: 4 }).fit(X).scoreMany(X);
    assert.deepEqual(a, b);
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== c[i]) differ++;
    assert.ok(differ > a.length * 0.9, `only ${differ} rows differ`);
  });

  it('scores a batch exactly as row by row', () => {
    const f = new IsolationForest({ seed: 5 }).fit(X);
    const batch = f.scoreMany(X);
    for (let r = 0; r < 200; r++) assert.equal(f.scoreOne(X.data.subarray(r * 4, r * 4 + 4)), batch[r]);
  });

  it('round-trips through JSON bit for bit', () => {
    const f = new IsolationForest({ seed: 9, nEstimators: 50 }).fit(X);
    const g = IsolationForest.fromJSON(JSON.parse(JSON.stringify(f.toJSON())));
    assert.deepEqual(g.scoreMany(X), f.scoreMany(X));
    assert.deepEqual(g.contributions([5, 0, 0, 0]), f.contributions([5, 0, 0, 0]));
    assert.deepEqual(g.toJSON(), f.toJSON());
  });

  it('attributes an outlier to the perturbed feature', () => {
    const f = new IsolationForest({ seed: 2 }).fit(X);
    const c = f.contributions([0, 0, 7, 0]);
    assert.ok(Math.abs(c.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.equal(c.indexOf(Math.max(...c)), 2);
    assert.ok(c[2] > 0.5, `share of feature 2: ${c[2]}`);
  });

  it('replaces NaN and ±Infinity by the training median, in fit and in scoring', () => {
    const rows = [
      [1, 10],
      [2, 20],
      [3, NaN],
      [4, 40],
      [Infinity, 50],
    ];
    const f = new IsolationForest({ seed: 1 }).fit(matrixFromRows(rows));
    assert.deepEqual(Array.from(f.imputeValues()), [2.5, 30]);
    assert.equal(f.scoreOne([NaN, -Infinity]), f.scoreOne([2.5, 30]));
    const s = f.scoreMany(matrixFromRows([[NaN, Infinity]]));
    assert.equal(s[0], f.scoreOne([2.5, 30]));
    assert.ok(Number.isFinite(s[0]));
  });

  it('never splits on a constant feature', () => {
    const rng = new Random(4);
    const rows = Array.from({ length: 500 }, () => [rng.normal(), 5]);
    const f = new IsolationForest({ seed: 1 }).fit(matrixFromRows(rows));
    // The second column cannot tell rows apart: changing it does not change any score.
    assert.equal(f.scoreOne([0.3, 5]), f.scoreOne([0.3, 1e9]));
    assert.equal(f.contributions([0.3, 1e9])[1], 0);
  });

  it('gives every row the same score (½) when all features are constant', () => {
    const rows = Array.from({ length: 300 }, () => [1, 2, 3]);
    const f = new IsolationForest({ seed: 1 }).fit(matrixFromRows(rows));
    const s = f.scoreMany(
      matrixFromRows([
        [1, 2, 3],
        [100, -4, 0],
        [NaN, 0, 1e300],
      ]),
    );
    assert.equal(s[0], s[1]);
    assert.equal(s[0], s[2]);
    assert.ok(Math.abs(s[0] - 0.5) < 1e-12, `score ${s[0]}`);
    assert.deepEqual(Array.from(f.contributions([100, -4, 0])), [0, 0, 0]);
  });

  it('handles a single training row (score 0.5) and all-NaN columns (constant 0)', () => {
    const one = new IsolationForest({ seed: 1 }).fit(matrixFromRows([[1, 2]]));
    assert.equal(one.scoreOne([7, 7]), 0.5);
    const f = new IsolationForest({ seed: 1 }).fit(
      matrixFromRows([
        [1, NaN],
        [2, NaN],
        [3, NaN],
      ]),
    );
    assert.deepEqual(Array.from(f.imputeValues()), [2, 0]);
  });

  it('refuses empty input with a clear error, scores 0 rows as empty', () => {
    assert.throws(() => new IsolationForest().fit({ data: new Float64Array(0), rows: 0, cols: 3 }), /empty matrix/);
    const f = new IsolationForest({ seed: 1 }).fit(X);
    assert.equal(f.scoreMany({ data: new Float64Array(0), rows: 0, cols: 4 }).length, 0);
    assert.throws(() => f.scoreMany(gaussian(3, 2, 1)), /fitted on 4 columns/);
    assert.throws(() => new IsolationForest().scoreOne([1]), /not fitted/);
  });

  it('validates parameters', () => {
    assert.throws(() => new IsolationForest({ nEstimators: 0 }), /nEstimators/);
    assert.throws(() => new IsolationForest({ maxSamples: 1.5 }), /maxSamples/);
    assert.throws(() => new IsolationForest({ maxFeatures: 0 }), /maxFeatures/);
  });

  it('can restrict each tree to a fraction of the features', () => {
    const f = new IsolationForest({ seed: 1, maxFeatures: 0.5 }).fit(X);
    const s = f.scoreMany(X);
    assert.ok(s.every((v) => v > 0 && v <= 1));
    assert.notDeepEqual(s, new IsolationForest({ seed: 1 }).fit(X).scoreMany(X));
  });
});
