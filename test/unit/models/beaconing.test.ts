import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Beaconing, logBinomialTail, regularityOf } from '../../../src/models/beaconing.js';
import { Random } from '../../../src/models/random.js';

const T0 = Date.UTC(2026, 2, 2);

function beacon(n: number, periodMs: number, jitter: number, rng: Random): number[] {
  return Array.from({ length: n }, (_, i) => T0 + i * periodMs + Math.round((rng.next() - 0.5) * 2 * jitter * periodMs));
}

function bursty(n: number, rng: Random): number[] {
  const out: number[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    t += -Math.log(rng.open()) * 120_000; // Poisson arrivals, mean gap 2 min
    out.push(Math.round(t));
  }
  return out;
}

describe('Beaconing', () => {
  it('scores regular low-and-slow traffic high and human bursty traffic low', () => {
    const rng = new Random(1);
    const b = new Beaconing();
    const c2 = b.scoreOne('h', { 'c2.example': beacon(12, 300_000, 0.05, rng) })!;
    // 11 gaps all on beat: significance −ln(0.3¹¹) ≈ 13 nats, times a regularity near 1
    assert.ok(c2.score > 10, `beacon score ${c2.score}`);
    assert.ok(Math.abs(c2.top.significance + 11 * Math.log(0.3)) < 1e-9);
    assert.ok(Math.abs(c2.top.periodMs - 300_000) < 15_000);
    let worst = 0;
    for (let k = 0; k < 50; k++) worst = Math.max(worst, b.scoreOne('h', { 'web.example': bursty(30, rng) })?.score ?? 0);
    assert.ok(worst < 2, `highest bursty score ${worst}`);
  });

  it('tolerates a missed beat (robust CV)', () => {
    const times = beacon(13, 60_000, 0, new Random(2)).filter((_, i) => i !== 6);
    const r = regularityOf(times, { minArrivals: 6, mergeMs: 1000, maxCv: 0.5, tolerance: 0.15 })!;
    assert.equal(r.period, 60_000);
    assert.equal(r.regularity, 1);
  });

  it('needs minArrivals arrivals (after merging events closer than mergeMs)', () => {
    const b = new Beaconing({ minArrivals: 6 });
    assert.equal(b.scoreOne('h', { d: [1, 2, 3] }), undefined);
    const twin = beacon(5, 60_000, 0, new Random(3)).flatMap((t) => [t, t + 200]);
    assert.equal(b.scoreOne('h', { d: twin }), undefined, '10 events but only 5 arrivals');
    assert.equal(b.scoreOne('h', {}), undefined);
  });

  it('computes the binomial tail exactly', () => {
    assert.ok(Math.abs(logBinomialTail(3, 3, 0.5) - Math.log(0.125)) < 1e-12);
    assert.ok(Math.abs(logBinomialTail(2, 3, 0.5) - Math.log(0.5)) < 1e-12);
    assert.equal(logBinomialTail(0, 10, 0.3), 0);
    assert.ok(Math.abs(logBinomialTail(200, 200, 0.3) - 200 * Math.log(0.3)) < 1e-9);
  });

  it('gives more weight to more evidence', () => {
    const b = new Beaconing();
    const few = b.scoreOne('h', { d: beacon(6, 60_000, 0, new Random(4)) })!;
    const many = b.scoreOne('h', { d: beacon(40, 60_000, 0, new Random(4)) })!;
    assert.ok(many.score > few.score);
  });

  it('damps destinations the whole fleet beacons to (update servers, NTP)', () => {
    const rng = new Random(5);
    const b = new Beaconing({ commonDestinations: 3 });
    const before = b.scoreOne('me', { 'update.vendor.example': beacon(12, 300_000, 0.01, rng) })!.score;
    for (let i = 0; i < 6; i++) b.learnOne(`host${i}`, { 'update.vendor.example': beacon(12, 300_000, 0.01, rng) });
    const after = b.scoreOne('me', { 'update.vendor.example': beacon(12, 300_000, 0.01, rng) })!;
    assert.equal(after.top.peers, 6);
    assert.ok(after.score < before / 2.5, `${after.score} vs ${before}`);
  });

  it('round-trips through JSON exactly', () => {
    const rng = new Random(6);
    const b = new Beaconing();
    for (let i = 0; i < 5; i++) b.learnOne(`h${i}`, { d: beacon(10, 1000 * 60, 0.02, rng) });
    const c = Beaconing.fromJSON(JSON.parse(JSON.stringify(b.toJSON())));
    const arrivals = { d: beacon(10, 60_000, 0.02, rng), e: beacon(8, 30_000, 0.3, rng) };
    assert.deepEqual(c.analyse('x', arrivals), b.analyse('x', arrivals));
  });
});
