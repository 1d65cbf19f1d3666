import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalQuantile, RobustStandardiser } from '../../../src/models/standardiser.js';
import { Random } from '../../../src/models/random.js';
import { calibrate, defaultCalibration, fitPlatt } from '../../../src/models/calibration.js';

describe('RobustStandardiser', () => {
  const rng = new Random(21);
  const s = new RobustStandardiser(4096, 128, 0.01);
  for (let i = 0; i < 4096; i++) s.update(Math.exp(rng.normal())); // skewed, heavy-tailed raw scores
  s.refresh();

  it('maps ordinary scores to surprisal ≈ Exp(1) and z ≈ N(0, 1) whatever their shape', () => {
    let sum = 0;
    let sumZ = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const x = Math.exp(rng.normal());
      sum += s.surprisal(x);
      sumZ += s.transform(x);
    }
    assert.ok(Math.abs(sum / n - 1) < 0.08, `mean surprisal ${sum / n}`);
    assert.ok(Math.abs(sumZ / n) < 0.08, `mean z ${sumZ / n}`);
    assert.ok(Math.abs(s.center - 1) < 0.1, `median ${s.center}`);
  });

  it('is monotone and keeps ranking scores beyond the observed maximum', () => {
    let prev = -Infinity;
    for (const x of [0, 0.5, 1, 2, 5, 10, 20, 50, 100, 1000]) {
      const z = s.transform(x);
      assert.ok(z >= prev, `z(${x}) = ${z} < ${prev}`);
      prev = z;
    }
    assert.ok(s.surprisal(100) > s.surprisal(50) + 1);
    assert.ok(Number.isFinite(s.surprisal(1e12)));
  });

  it('gives p̂ = ½ before any data and ignores non-finite updates', () => {
    const e = new RobustStandardiser();
    assert.equal(e.tailProbability(123), 0.5);
    assert.equal(e.transform(123), 0);
    e.update(NaN);
    e.update(Infinity);
    assert.equal(e.size, 0);
  });

  it('handles all-equal scores (no beacon ever seen) without infinite surprise', () => {
    const e = new RobustStandardiser(100, 10, 0.05);
    for (let i = 0; i < 100; i++) e.update(0);
    // a tied block sits at its middle (mid-rank): p̂ = ½, z = 0 — not at its extreme end
    assert.ok(Math.abs(e.surprisal(0) - Math.LN2) < 1e-12);
    assert.ok(Math.abs(e.transform(0)) < 1e-9);
    const z = e.transform(0.5);
    assert.ok(Number.isFinite(z) && z > 3, `z ${z}`);
  });

  it('stays monotone across a tied block and into the fitted tail: a bigger score never gets a smaller z', () => {
    // Most deviations are exactly 0 (ties), a few are positive: the tail starts at the tied block.
    const e = new RobustStandardiser(1024, 64, 1);
    const rng = new Random(5);
    for (let i = 0; i < 1000; i++) e.update(i % 40 === 0 ? Math.abs(rng.normal()) * 2 : 0);
    e.refresh();
    let prev = -Infinity;
    for (const x of [0, 1e-9, 1e-6, 1e-3, ...Array.from({ length: 4000 }, (_, i) => 0.01 * (i + 1))]) {
      const z = e.transform(x);
      assert.ok(z >= prev - 1e-12, `z(${x}) = ${z} < ${prev}`);
      prev = z;
    }
    // just above the tied block is at least as unusual as the block itself
    assert.ok(e.transform(1e-9) >= e.transform(0));
  });

  it('with a scale floor of 1σ, a deviation a little beyond the few seen so far is not a many-nat event', () => {
    const e = new RobustStandardiser(1024, 64, 1);
    for (let i = 0; i < 60; i++) e.update(0); // a short warm-up in which the feature never deviated
    // 0.7σ beyond everything seen: rare in 60 windows (p ≤ 1/61), but not e^-14 rare
    assert.ok(e.surprisal(0.7) < 6, `surprisal ${e.surprisal(0.7)}`);
    assert.ok(e.surprisal(30) > e.surprisal(0.7) + 20, 'a 30σ deviation still stands far out');
  });

  it('round-trips through JSON exactly, including a snapshot older than the ring', () => {
    const e = new RobustStandardiser(50, 20, 0.01);
    for (let i = 0; i < 77; i++) e.update(Math.sin(i) * 3);
    const f = RobustStandardiser.fromJSON(JSON.parse(JSON.stringify(e.toJSON())));
    for (const x of [-3, -1, 0, 0.5, 2.9, 3.5, 10]) assert.equal(f.transform(x), e.transform(x));
    e.update(1.25);
    f.update(1.25);
    assert.deepEqual(f.toJSON(), e.toJSON());
  });

  it('normalQuantile inverts Φ', () => {
    assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-6);
    assert.ok(Math.abs(normalQuantile(0.5)) < 1e-12);
    assert.ok(Math.abs(normalQuantile(1 - 1e-10, 1e-10) - 6.361341) < 1e-5);
  });
});

describe('calibration', () => {
  it('default: 1% at the median fused score, 50% at the threshold', () => {
    const c = defaultCalibration(0.5, 2.5);
    assert.ok(Math.abs(calibrate(c, 0.5) - 0.01) < 1e-12);
    assert.ok(Math.abs(calibrate(c, 2.5) - 0.5) < 1e-12);
    assert.ok(calibrate(c, 10) > 0.999);
  });

  it('Platt scaling from labels recovers the Bayes boundary', () => {
    const rng = new Random(22);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const pos = i % 2 === 0;
      scores.push((pos ? 3 : 0) + rng.normal());
      labels.push(pos ? 1 : 0);
    }
    const c = fitPlatt(scores, labels);
    assert.equal(c.source, 'labels');
    assert.ok(c.a > 2 && c.a < 4, `slope ${c.a} (true 3)`);
    assert.ok(Math.abs(calibrate(c, 1.5) - 0.5) < 0.08, `p at the midpoint ${calibrate(c, 1.5)}`);
    assert.ok(calibrate(c, 4) > 0.95 && calibrate(c, -1) < 0.05);
  });

  it('stays finite on perfectly separated labels and refuses one-class data', () => {
    const c = fitPlatt([0, 0.1, 0.2, 5, 5.1, 5.2], [0, 0, 0, 1, 1, 1]);
    assert.ok(Number.isFinite(c.a) && Number.isFinite(c.b) && c.a > 0);
    assert.throws(() => fitPlatt([1, 2], [1, 1]), /both positive and negative/);
  });
});
