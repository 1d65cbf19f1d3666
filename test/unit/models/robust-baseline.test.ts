import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RobustBaseline } from '../../../src/models/robust-baseline.js';
import { PopulationZScore } from '../../../src/models/population-zscore.js';
import { matrixFromRows } from '../../../src/models/matrix.js';

const DAY = 86_400_000;

describe('RobustBaseline', () => {
  it('computes z = (x − median) / (1.4826·MAD + ε) against the entity', () => {
    const b = new RobustBaseline({ minObservations: 8, epsilon: 0.25, epsilonAbs: 1e-6 });
    for (let i = 1; i <= 10; i++) b.learnOne('a', { x: i }, i * 1000);
    const s = b.scoreOne('a', { x: 20 });
    // median 5.5, MAD 2.5 → σ̂ = 3.7065; population is the same data so ε = 0.25·σ̂ + 1e-6
    const sd = 1.4826 * 2.5;
    assert.equal(s.coldStart, false);
    assert.equal(s.typical.x, 5.5);
    assert.ok(Math.abs(s.z.x - 14.5 / (sd * 1.25 + 1e-6)) < 1e-12);
    assert.equal(s.score, s.z.x);
    assert.equal(s.observations, 10);
  });

  it('falls back to the population on cold start, and says so', () => {
    const b = new RobustBaseline({ minObservations: 5 });
    for (let i = 0; i < 50; i++) b.learnOne(`peer${i % 10}`, { logins: 10 + (i % 3) }, i);
    b.learnOne('newbie', { logins: 100 }, 60);
    const s = b.scoreOne('newbie', { logins: 11 });
    assert.equal(s.coldStart, true);
    assert.equal(s.typical.logins, 11); // the peers' median, not the newbie's 100
    assert.equal(b.scoreOne('peer1', { logins: 11 }).coldStart, false);
  });

  it('uses the mean absolute deviation when the MAD is 0, and ε when the entity never varied', () => {
    const b = new RobustBaseline({ minObservations: 3, epsilon: 0.25 });
    // 9 zeros and one 10: MAD 0, mean |x − 0| = 1 → σ̂ = 1.2533
    for (let i = 0; i < 10; i++) b.learnOne('a', { f: i === 0 ? 10 : 0 }, i);
    const z = b.scoreOne('a', { f: 5 }).z.f;
    assert.ok(Number.isFinite(z) && z > 2 && z < 4, `z ${z}`);
    const c = new RobustBaseline({ minObservations: 3 });
    for (let i = 0; i < 10; i++) c.learnOne('a', { f: 0 }, i);
    const zc = c.scoreOne('a', { f: 1 }).z.f;
    assert.ok(Number.isFinite(zc) && zc > 0, `constant history still gives a finite z (${zc})`);
  });

  it('counts only the declared direction of a deviation', () => {
    const b = new RobustBaseline({ minObservations: 3 });
    for (let i = 0; i < 20; i++) b.learnOne('a', { failed: 10 + (i % 5), hour: 12 + (i % 3) }, i);
    const down = b.scoreOne('a', { failed: 0, hour: 2 }, (f) => (f === 'hour' ? 'both' : 'up'));
    assert.equal(down.deviation.failed, 0); // fewer failures is not suspicious
    assert.ok(down.deviation.hour > 3); // a 2 a.m. login is
    assert.ok(down.z.failed < -3);
  });

  it('puts a Poisson noise floor under count-like features', () => {
    const b = new RobustBaseline({ minObservations: 3 });
    for (let i = 0; i < 30; i++) b.learnOne('a', { failed: 0, ratio: 0.5 }, i);
    // always 0: σ̂ = 0, ε tiny, but a count's noise is at least √(0 + 1) = 1
    assert.ok(Math.abs(b.scoreOne('a', { failed: 26, ratio: 0.5 }).z.failed - 26) < 1e-9);
  });

  it('judges a window against the same time of day', () => {
    const b = new RobustBaseline({ minObservations: 8 });
    const H = 3_600_000;
    for (let d = 0; d < 6; d++)
      for (let h = 0; h < 24; h++) b.learnOne('ws', { starts: h >= 9 && h < 17 ? 20 + (h % 3) : 1 + (h % 2) }, (d * 24 + h) * H);
    const day = b.scoreOne('ws', { starts: 21 }, () => 'up', (7 * 24 + 11) * H);
    const night = b.scoreOne('ws', { starts: 21 }, () => 'up', (7 * 24 + 3) * H);
    assert.ok(day.z.starts < 1, `busy hour, busy as usual: z ${day.z.starts}`);
    assert.ok(night.z.starts > 10, `the same activity at 03:00: z ${night.z.starts}`);
    assert.ok(day.typical.starts >= 20 && day.typical.starts <= 22);
    assert.ok(night.typical.starts <= 2);
    // without a time, the whole history counts
    assert.ok(b.scoreOne('ws', { starts: 21 }).typical.starts < 21);
  });

  it('never returns NaN: missing, non-finite and unknown features score 0', () => {
    const b = new RobustBaseline({ minObservations: 2 });
    for (let i = 0; i < 5; i++) b.learnOne('a', { x: i, y: NaN }, i);
    const s = b.scoreOne('a', { x: NaN, y: 3, z: Infinity });
    assert.equal(s.score, 0);
    assert.equal(s.scored, 0);
    assert.ok(Number.isNaN(s.z.x) && Number.isNaN(s.z.y));
    assert.equal(s.deviation.z, 0);
    const empty = new RobustBaseline().scoreOne('nobody', { x: 1 });
    assert.equal(empty.score, 0);
    assert.equal(empty.coldStart, true);
  });

  it('keeps at most reservoirSize windows per entity, favouring recent ones under decay', () => {
    const b = new RobustBaseline({ reservoirSize: 16, halfLife: DAY, minObservations: 4 });
    for (let i = 0; i < 200; i++) b.learnOne('a', { v: 0 }, i * 3_600_000);
    for (let i = 0; i < 100; i++) b.learnOne('a', { v: 100 }, 30 * DAY + i * 3_600_000);
    const state = b.toJSON();
    assert.equal(state.entities.a.rows.length, 16);
    assert.equal(b.observations('a'), 300);
    assert.equal(b.typical('a', 'v'), 100);
  });

  it("holds alerted windows out of a cold-start entity's short history: an attacker cannot excuse itself", () => {
    const b = new RobustBaseline({ minObservations: 8, coldStartOwnMin: 2 });
    const H = 3_600_000;
    for (let i = 0; i < 200; i++) b.learnOne(`peer${i % 20}`, { failed: i % 17 === 0 ? 1 : 0 }, i * 60_000);
    // A new IP sprays for two hours (both windows alerted), then a third hour.
    b.learnOne('ip', { failed: 30 }, 10 * H, true);
    b.learnOne('ip', { failed: 31 }, 11 * H, true);
    const third = b.scoreOne('ip', { failed: 29 }, () => 'up', 12 * H);
    assert.equal(third.coldStart, true);
    assert.ok(third.deviation.failed > 20, `still judged against its peers: ${third.deviation.failed}`);
    // The same two hours unflagged would have excused it (its own short history says 30).
    const c = RobustBaseline.fromJSON(JSON.parse(JSON.stringify(b.toJSON())));
    c.learnOne('ip2', { failed: 30 }, 10 * H);
    c.learnOne('ip2', { failed: 31 }, 11 * H);
    assert.equal(c.scoreOne('ip2', { failed: 29 }, () => 'up', 12 * H).deviation.failed, 0);
  });

  it('quarantines alerted windows of a warm entity for a day, then learns them', () => {
    const H = 3_600_000;
    const b = new RobustBaseline({ minObservations: 4, seasonal: false });
    for (let i = 0; i < 40; i++) b.learnOne('ip', { failed: 0 }, i * H);
    for (let i = 40; i < 44; i++) b.learnOne('ip', { failed: 28 }, i * H, true);
    // An hour later the four alerted hours do not count: 28 failures are still 28σ.
    assert.equal(b.scoreOne('ip', { failed: 28 }, () => 'up', 44 * H).deviation.failed, 28);
    // A day later they are part of the baseline (here 4 of 44 windows: the median is still 0, the spread is not).
    assert.ok(b.scoreOne('ip', { failed: 28 }, () => 'up', 70 * H).deviation.failed < 28);
    const r = RobustBaseline.fromJSON(JSON.parse(JSON.stringify(b.toJSON())));
    assert.deepEqual(
      r.scoreOne('ip', { failed: 28 }, () => 'up', 44 * H),
      b.scoreOne('ip', { failed: 28 }, () => 'up', 44 * H),
    );
    assert.deepEqual(r.toJSON(), b.toJSON());
  });

  it('round-trips through JSON exactly, including the random stream', () => {
    const mk = () => {
      const b = new RobustBaseline({ reservoirSize: 8, seed: 3 });
      for (let i = 0; i < 300; i++) b.learnOne(`e${i % 7}`, { x: (i * 37) % 11, y: i % 4 === 0 ? NaN : i % 13 }, i * 1000);
      return b;
    };
    const a = mk();
    const b = RobustBaseline.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    for (let i = 300; i < 400; i++) {
      const f = { x: (i * 37) % 11, y: i % 13 };
      assert.deepEqual(b.scoreOne(`e${i % 7}`, f), a.scoreOne(`e${i % 7}`, f));
      a.learnOne(`e${i % 7}`, f, i * 1000);
      b.learnOne(`e${i % 7}`, f, i * 1000);
    }
    assert.deepEqual(b.toJSON(), a.toJSON());
  });
});

describe('PopulationZScore', () => {
  it('scores rows by √Σz² against column medians', () => {
    const z = new PopulationZScore().fit(
      matrixFromRows([
        [1, 5],
        [2, 5],
        [3, 5],
        [4, 5],
        [5, 5],
      ]),
    );
    const s = z.scoreMany(
      matrixFromRows([
        [3, 5],
        [3 + 1.4826, 99],
        [NaN, 5],
      ]),
    );
    assert.equal(s[0], 0);
    assert.ok(Math.abs(s[1] - 1) < 1e-12); // the constant column contributes nothing
    assert.equal(s[2], 0);
  });
});
