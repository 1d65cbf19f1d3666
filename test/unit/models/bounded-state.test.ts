/** The per-entity sketches behind bounded state: sizes, error bounds and exact behaviour in numbers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CappedCounter } from '../../../src/models/capped-counter.js';
import { DecayedReservoir } from '../../../src/models/decayed-reservoir.js';
import { HashCounts } from '../../../src/models/hash-counts.js';
import { Random } from '../../../src/models/random.js';
import { valueHash } from '../../../src/models/value-hash.js';

describe('valueHash', () => {
  it('is a stable 53-bit integer with no collision among 200,000 IP-like strings', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) {
      const h = valueHash(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      assert.ok(Number.isSafeInteger(h) && h >= 0 && h < 2 ** 53);
      seen.add(h);
    }
    assert.equal(seen.size, 200_000);
    assert.equal(valueHash('alice'), valueHash('alice'));
    assert.notEqual(valueHash('ab'), valueHash('ba'));
    assert.equal(valueHash(''), 0x811c9dc5 * 0x200000 + (valueHash('') % 0x200000));
  });
});

describe('DecayedReservoir', () => {
  it('keeps at most `capacity` rows, growing by doubling (2 rows of 3 columns: 4 rows of room, 192 bytes)', () => {
    const r = new DecayedReservoir(64, 3);
    r.offer([1, 2, 3], -1, 0);
    r.offer([4, 5, 6], -2, 1);
    assert.equal(r.size, 2);
    assert.equal(r.bytes, 4 * (3 + 3) * 8);
    for (let i = 0; i < 10_000; i++) r.offer([i, i, i], -i, i);
    assert.equal(r.size, 64);
    assert.equal(r.n, 10_002);
    assert.equal(r.bytes, 64 * (3 + 3) * 8);
  });

  it('keeps the rows with the smallest keys (ties keep the row already there)', () => {
    const r = new DecayedReservoir(3, 1);
    for (const k of [5, 1, 4, 2, 3, 1]) r.offer([k], k, NaN);
    const kept = Array.from({ length: r.size }, (_, i) => r.key(i)).sort();
    // 5,1,4 fill it; 2 replaces 5, 3 replaces 4, the second 1 replaces 3.
    assert.deepEqual(kept, [1, 1, 2]);
    assert.equal(r.offer([9], 2, NaN), false);
    assert.equal(r.n, 7);
  });

  it('is an unbiased sample without decay and favours recent rows with it (A-Res weights ∝ e^{λt})', () => {
    const meanKeptIndex = (lambda: number): number => {
      let sum = 0;
      let count = 0;
      for (let seed = 1; seed <= 40; seed++) {
        const rng = new Random(seed);
        const r = new DecayedReservoir(64, 1);
        for (let t = 0; t < 1000; t++) r.offer([t], Math.log(-Math.log(rng.open())) - lambda * t, t);
        for (let i = 0; i < r.size; i++) sum += r.value(i, 0);
        count += r.size;
      }
      return sum / count;
    };
    // Uniform: mean index 499.5, standard error ≈ 289 / √2560 ≈ 5.7.
    assert.ok(Math.abs(meanKeptIndex(0) - 499.5) < 25);
    // Half-life 100 steps: the weights make most kept rows come from the last few hundred steps.
    assert.ok(meanKeptIndex(Math.LN2 / 100) > 800);
  });

  it('reads NaN in older rows for a column added later, and the stored times and flags', () => {
    const r = new DecayedReservoir(8, 1);
    r.offer([7], 0, 1000, true);
    r.offer([8, 9], -1, 2000);
    assert.equal(r.width, 2);
    assert.equal(r.value(0, 0), 7);
    assert.ok(Number.isNaN(r.value(0, 1)));
    assert.equal(r.value(1, 1), 9);
    assert.equal(r.time(0), 1000);
    assert.equal(r.flagged(0), true);
    assert.equal(r.flagged(1), false);
    assert.ok(Number.isNaN(r.value(1, 5)));
  });
});

describe('CappedCounter', () => {
  it('counts windows per value exactly below the cap, with the Good–Turing singletons', () => {
    const c = new CappedCounter(256);
    c.bump([valueHash('a'), valueHash('b')], 1);
    c.bump([valueHash('a')], 2);
    c.bump([valueHash('c')], 3);
    assert.equal(c.windows, 3);
    assert.equal(c.count(valueHash('a')), 2);
    assert.equal(c.count(valueHash('b')), 1);
    assert.equal(c.count(valueHash('z')), 0);
    assert.equal(c.size, 3);
    assert.equal(c.singletons, 2);
  });

  it('past the cap keeps the 90% most frequent (then most recent) values, 24 bytes a value', () => {
    const c = new CappedCounter(10);
    // Values 0..9 seen 10..1 times, then 5 new values once each at later steps.
    let step = 0;
    for (let v = 0; v < 10; v++) for (let k = 0; k < 10 - v; k++) c.bump([v + 1], ++step);
    for (let v = 10; v < 15; v++) c.bump([v + 1], ++step);
    // The first new value takes it to 11 > 10: pruned to 9 (values 1..8 by count, then the newest singleton).
    assert.ok(c.size <= 10);
    for (let v = 0; v < 8; v++) assert.equal(c.count(v + 1), 10 - v);
    assert.equal(c.count(10), 0); // value 9 (seen once, long ago) forgotten before newer singletons
    assert.ok(c.bytes <= 11 * 24);
    let singles = 0;
    for (const [, n] of c.entries()) if (n === 1) singles++;
    assert.equal(c.singletons, singles);
  });

  it('round-trips through entries/set', () => {
    const a = new CappedCounter(64);
    for (let i = 0; i < 50; i++) a.bump([valueHash(`v${i % 17}`), valueHash(`w${i % 5}`)], i);
    const b = new CappedCounter(64);
    for (const [h, n, s] of a.entries()) b.set(h, n, s);
    b.windows = a.windows;
    assert.deepEqual(b.entries(), a.entries());
    assert.equal(b.singletons, a.singletons);
  });
});

describe('HashCounts', () => {
  it('matches a Map under 20,000 random adds and sets, 16 bytes an entry', () => {
    const rng = new Random(3);
    const h = new HashCounts();
    const ref = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const k = valueHash(`k${rng.int(3000)}`);
      if (rng.next() < 0.9) {
        h.add(k);
        ref.set(k, (ref.get(k) ?? 0) + 1);
      } else {
        h.set(k, 7);
        ref.set(k, 7);
      }
    }
    assert.equal(h.size, ref.size);
    for (const [k, v] of ref) assert.equal(h.get(k), v);
    assert.equal(h.get(valueHash('absent')), 0);
    assert.ok(h.bytes <= 2 * 16 * ref.size);
    const keys = h.entries().map(([k]) => k);
    assert.deepEqual(
      keys,
      [...keys].sort((x, y) => x - y),
    );
  });
});
