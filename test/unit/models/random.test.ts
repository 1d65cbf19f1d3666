import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../../src/models/random.js';

describe('Random', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Random(42)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Random(42)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Random(43)),
    );
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('draws uniformly in [0, 1)', () => {
    const r = new Random(1);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const u = r.next();
      assert.ok(u >= 0 && u < 1);
      bins[Math.floor(u * 10)]++;
    }
    for (const b of bins) assert.ok(Math.abs(b - 10_000) < 500, `bin ${b}`);
  });

  it('draws standard normals', () => {
    const r = new Random(2);
    let s = 0;
    let s2 = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    assert.ok(Math.abs(s / n) < 0.02);
    assert.ok(Math.abs(s2 / n - 1) < 0.03);
  });

  it('resumes exactly from a saved state', () => {
    const r = new Random(7);
    r.next();
    const saved = r.getState();
    const expected = [r.next(), r.next()];
    const s = Random.fromState(saved);
    assert.deepEqual([s.next(), s.next()], expected);
  });
});
