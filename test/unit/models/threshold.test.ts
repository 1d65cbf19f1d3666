import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriftThreshold, thresholdParams } from '../../../src/models/threshold.js';
import { Random } from '../../../src/models/random.js';

/** Runs a stream through the threshold (alert = score above τ, then update) and returns the alert flags. */
function stream(t: DriftThreshold, scores: number[]): boolean[] {
  return scores.map((s) => {
    const alert = t.isAlert(s);
    t.update(s, alert);
    return alert;
  });
}

const rate = (flags: boolean[]) => flags.filter(Boolean).length / flags.length;

describe('DriftThreshold', () => {
  it('holds the target false-positive rate within ±30% on a stationary stream', () => {
    const rng = new Random(11);
    for (const alpha of [0.01, 0.05]) {
      const t = new DriftThreshold(thresholdParams(alpha, { capacity: 5000 }));
      t.seed(Array.from({ length: 5000 }, () => rng.normal()));
      const fpr = rate(
        stream(
          t,
          Array.from({ length: 30_000 }, () => rng.normal()),
        ),
      );
      assert.ok(Math.abs(fpr - alpha) <= 0.3 * alpha, `α = ${alpha}: measured FPR ${fpr}`);
    }
  });

  it('does not ratchet down although alert values are never admitted', () => {
    const rng = new Random(12);
    const t = new DriftThreshold(thresholdParams(0.01));
    t.seed(Array.from({ length: 5000 }, () => rng.normal()));
    const start = t.value;
    stream(
      t,
      Array.from({ length: 50_000 }, () => rng.normal()),
    );
    assert.ok(Math.abs(t.value - start) < 0.25, `τ moved from ${start} to ${t.value}`);
    assert.ok(Math.abs(t.value - 2.326) < 0.25, `τ ${t.value} vs the true 99% quantile 2.326`);
  });

  it('re-adapts after a level shift', () => {
    const rng = new Random(13);
    const t = new DriftThreshold(thresholdParams(0.01, { capacity: 5000 }));
    t.seed(Array.from({ length: 5000 }, () => rng.normal()));
    stream(
      t,
      Array.from({ length: 5000 }, () => rng.normal()),
    );
    const before = t.value;
    const shifted = stream(
      t,
      Array.from({ length: 20_000 }, () => 4 + rng.normal()),
    );
    assert.ok(Math.abs(t.value - before - 4) < 0.4, `τ moved by ${t.value - before}, the level by 4`);
    const settled = rate(shifted.slice(5000));
    assert.ok(Math.abs(settled - 0.01) <= 0.3 * 0.01, `FPR after the shift ${settled}`);
    // and the first windows after the shift alerted (the shift was noticed, not silently absorbed)
    assert.ok(rate(shifted.slice(0, 20)) > 0.9);
  });

  it('follows a downward shift', () => {
    const rng = new Random(14);
    const t = new DriftThreshold(thresholdParams(0.01, { capacity: 2000 }));
    t.seed(Array.from({ length: 2000 }, () => 5 + rng.normal()));
    stream(
      t,
      Array.from({ length: 4000 }, () => rng.normal()),
    );
    assert.ok(Math.abs(t.value - 2.326) < 0.4, `τ ${t.value}`);
  });

  it('raises no alert before minScores scores', () => {
    const t = new DriftThreshold(thresholdParams(0.01, { minScores: 50 }));
    assert.equal(t.value, Infinity);
    assert.equal(t.isAlert(1e9), false);
  });

  it('round-trips through JSON exactly', () => {
    const rng = new Random(15);
    const t = new DriftThreshold(thresholdParams(0.02, { capacity: 300 }));
    stream(
      t,
      Array.from({ length: 777 }, () => rng.normal()),
    );
    const u = DriftThreshold.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
    const more = Array.from({ length: 500 }, () => rng.normal() * 2);
    assert.deepEqual(stream(u, more), stream(t, more));
    assert.equal(u.value, t.value);
  });

  it('validates α', () => {
    assert.throws(() => thresholdParams(0), /false-positive rate/);
    assert.throws(() => thresholdParams(1), /false-positive rate/);
  });
});
