import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_FEATURES, NeighbourMemory, neighbourPhrase } from '../../../src/models/neighbours.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');
const slog = (x: number): number => Math.log1p(x);

describe('nearest-neighbour evidence', () => {
  it('finds the closest past window of the entity, with the RMS standardised distance', () => {
    const m = new NeighbourMemory({ k: 2 });
    // Population: one feature, alternating 0 and e−1 in log1p space (mean 0.5, sd 0.5).
    m.remember('user=a', T0, { logons: 0 });
    m.remember('user=a', T0 + H, { logons: Math.E - 1 });
    const e = m.nearest('user=a', { logons: Math.E - 1 });
    assert.equal(e.compared, 2);
    assert.deepEqual(e.nearest, [
      { time: T0 + H, distance: 0 },
      { time: T0, distance: 2 }, // |1 − 0| / 0.5
    ]);
    assert.equal(e.verdict, 'typical');
    assert.equal(neighbourPhrase(e), 'most similar past window: 2026-03-02T01:00, distance 0.0 — typical');
  });

  it('says "unlike its past" when nothing is within 2 × the entity\'s usual nearest distance', () => {
    const m = new NeighbourMemory();
    for (let h = 0; h < 24; h++) {
      const f = { logons: 10 + (h % 3), bytes: 1000 * (1 + (h % 2)) };
      const e = m.nearest('user=a', f);
      m.remember('user=a', T0 + h * H, f, e.nearest[0]?.distance);
    }
    const usual = m.nearest('user=a', { logons: 11, bytes: 2000 });
    assert.equal(usual.verdict, 'typical');
    assert.equal(usual.nearest[0].distance, 0);
    const odd = m.nearest('user=a', { logons: 400, bytes: 9e7 });
    assert.equal(odd.verdict, 'unlike its past');
    assert.ok(odd.nearest[0].distance > 10, `distance ${odd.nearest[0].distance}`);
    // Population sd of log1p over the 24 windows (8 each of 10, 11, 12 logons; 12 each of 1,000 and 2,000 bytes);
    // the closest past window is (12, 2000): RMS over the two features of the standardised differences.
    const sd = (xs: number[]): number => {
      const mean = xs.reduce((p, x) => p + x, 0) / xs.length;
      return Math.sqrt(xs.reduce((p, x) => p + (x - mean) ** 2, 0) / xs.length);
    };
    const sdL = sd(Array.from({ length: 24 }, (_, h) => slog(10 + (h % 3))));
    const sdB = sd(Array.from({ length: 24 }, (_, h) => slog(1000 * (1 + (h % 2)))));
    const expected = Math.sqrt((((slog(400) - slog(12)) / sdL) ** 2 + ((slog(9e7) - slog(2000)) / sdB) ** 2) / 2);
    assert.equal(odd.nearest[0].distance, Math.round(expected * 100) / 100);
    assert.equal(odd.nearest[0].distance, 41.73);
    assert.match(
      neighbourPhrase(odd),
      /^nothing like it in its last 24 sampled windows \(closest 2026-03-02T\d\d:00, distance \d+\.\d, usually 0\.0\)$/,
    );
  });

  it('has no history for a new entity, and compares only within the entity', () => {
    const m = new NeighbourMemory();
    m.remember('user=a', T0, { logons: 5 });
    const e = m.nearest('user=b', { logons: 5 });
    assert.deepEqual(e, { nearest: [], compared: 0, usual: null, verdict: 'no history' });
    assert.equal(neighbourPhrase(e), 'no past window of this entity to compare with yet');
  });

  it('is bounded: capacity windows per entity (reservoir over the whole history), maxEntities entities (least recent evicted)', () => {
    const m = new NeighbourMemory({ capacity: 8, maxEntities: 3, seed: 7 });
    for (let h = 0; h < 1000; h++) m.remember('user=a', T0 + h * H, { logons: h });
    const e = m.nearest('user=a', { logons: 0 });
    assert.equal(e.compared, 8);
    // Reservoir sampling keeps windows from the whole history, not only the last 8 hours.
    const times = new NeighbourMemory({ capacity: 8, maxEntities: 3, seed: 7 });
    for (let h = 0; h < 1000; h++) times.remember('user=a', T0 + h * H, { logons: h });
    const kept = times.nearest('user=a', { logons: 500 });
    assert.ok(kept.nearest.length === 3);
    for (const u of ['b', 'c', 'd']) m.remember(`user=${u}`, T0, { logons: 1 });
    assert.equal(m.size, 3);
    assert.equal(m.nearest('user=a', { logons: 1 }).verdict, 'no history'); // evicted: least recently seen
    assert.equal(m.nearest('user=d', { logons: 1 }).compared, 1);
    // Features beyond MAX_FEATURES are ignored, not grown into.
    const wide: Record<string, number> = {};
    for (let j = 0; j < MAX_FEATURES + 10; j++) wide[`f${j}`] = j;
    m.remember('user=d', T0 + H, wide);
    assert.equal(m.nearest('user=d', wide).nearest[0].distance, 0);
  });
  it('checkpoints exactly: a memory restored from JSON continues bit for bit like one that never stopped', () => {
    // More windows than capacity (reservoir draws), more entities than maxEntities (evictions), a
    // feature that appears late, and values the population scale drifts on.
    const feed = (m: NeighbourMemory, from: number, to: number): string[] => {
      const out: string[] = [];
      for (let t = from; t < to; t++) {
        const entity = `user=u${(t * 7) % 9}`;
        const features: Record<string, number> = { logons: (t * 13) % 17, bytes: ((t * 31) % 97) * 1000 };
        if (t > 40) features.hosts = t % 5;
        const e = m.nearest(entity, features);
        out.push(JSON.stringify(e));
        m.remember(entity, T0 + t * H, features, e.nearest[0]?.distance);
      }
      return out;
    };
    const straight = new NeighbourMemory({ capacity: 4, maxEntities: 6, seed: 11 });
    const resumed = new NeighbourMemory({ capacity: 4, maxEntities: 6, seed: 11 });
    const head = feed(straight, 0, 60);
    assert.deepEqual(feed(resumed, 0, 60), head);
    const restored = NeighbourMemory.fromJSON(JSON.parse(JSON.stringify(resumed.toJSON())));
    assert.equal(restored.size, 6);
    assert.deepEqual(restored.toJSON(), straight.toJSON());
    assert.deepEqual(feed(restored, 60, 200), feed(straight, 60, 200));
    assert.deepEqual(restored.toJSON(), straight.toJSON());
  });

  it('refuses a damaged checkpoint with an error naming the field and the fix', () => {
    const m = new NeighbourMemory({ capacity: 2 });
    m.remember('user=a', T0, { logons: 1 });
    const json = m.toJSON();
    assert.throws(() => NeighbourMemory.fromJSON({ ...json, random: -1 }), /neighbour memory: random: .*delete the job's state/);
    const bad = { ...json, entities: [{ ...json.entities[0], vectors: 'AAAA' }] };
    assert.throws(() => NeighbourMemory.fromJSON(bad), /entity user=a holds 1 windows in 3 bytes/);
  });
});
