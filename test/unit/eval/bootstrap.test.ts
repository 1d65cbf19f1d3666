import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blockBootstrap, quantileSorted, resampleDays } from '../../../src/eval/bootstrap.js';
import { Rng } from '../../../src/simulate/rng.js';

describe('block bootstrap over days', () => {
  it('draws whole days with replacement', () => {
    const rng = Rng.derive(1, 'x');
    for (let i = 0; i < 50; i++) {
      const w = resampleDays(rng, 7);
      assert.equal(
        w.reduce((a, b) => a + b, 0),
        7,
      );
      assert.ok(w.every((x) => Number.isInteger(x) && x >= 0));
    }
  });

  it('interpolates quantiles', () => {
    assert.equal(quantileSorted([1, 2, 3, 4, 5], 0.5), 3);
    assert.equal(quantileSorted([0, 10], 0.25), 2.5);
    assert.ok(Number.isNaN(quantileSorted([], 0.5)));
  });

  it('gives a seeded 95% interval of a per-day mean around the true value', () => {
    // Ten days whose daily values are 1…10: the mean is 5.5.
    const daily = Array.from({ length: 10 }, (_, i) => i + 1);
    const metric = (w: Float64Array) => {
      let s = 0;
      let n = 0;
      w.forEach((x, d) => {
        s += x * daily[d];
        n += x;
      });
      return { mean: s / n, constant: 3, missing: Number.NaN };
    };
    const a = blockBootstrap(10, { resamples: 400, seed: 5 }, metric);
    const b = blockBootstrap(10, { resamples: 400, seed: 5 }, metric);
    assert.deepEqual(a, b, 'same seed, same interval');
    assert.ok(a.mean.low < 5.5 && a.mean.high > 5.5, `interval ${a.mean.low}–${a.mean.high} contains 5.5`);
    // Standard error of the mean of 10 values with sd ≈ 2.87 is ≈ 0.91 → half-width ≈ 1.8.
    assert.ok(a.mean.high - a.mean.low > 2.5 && a.mean.high - a.mean.low < 4.5, `width ${a.mean.high - a.mean.low}`);
    assert.deepEqual(a.constant, { low: 3, high: 3 });
    assert.ok(Number.isNaN(a.missing.low));
  });

  it('is wider when whole days are correlated than a per-window bootstrap would be', () => {
    // 5 days × 100 windows; each day's windows all share the day's value → effective n = 5.
    const dayValue = [0, 0, 1, 1, 1];
    const metric = (w: Float64Array) => {
      let s = 0;
      let n = 0;
      w.forEach((x, d) => {
        s += x * 100 * dayValue[d];
        n += x * 100;
      });
      return { share: s / n };
    };
    const iv = blockBootstrap(5, { resamples: 500, seed: 2 }, metric).share;
    assert.ok(iv.high - iv.low > 0.5, `day blocks keep the between-day spread: ${iv.low}–${iv.high}`);
  });
});
