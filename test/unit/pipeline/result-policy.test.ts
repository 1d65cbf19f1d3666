/** The result-write policy: which entity-windows are written, and the per-entity rollups that replace the rest. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildAnomaly, type BuiltAnomaly } from '../../../src/pipeline/anomaly-builder.js';
import { RollupAccumulator, rollupId, shouldWrite, type RollupDocument } from '../../../src/pipeline/result-policy.js';
import type { ScoredObservation } from '../../../src/models/ensemble.js';

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.UTC(2026, 2, 2);
const JOB = { id: 'auth-users', name: 'Authentication by user', category: ['authentication'], modelVersion: '1' };

function scored(score: number, isAlert = false): ScoredObservation {
  return {
    score,
    probability: score / 100,
    fused: score / 25,
    threshold: 3,
    isAlert,
    models: { zscore: score / 25 },
    raw: {},
    fired: [],
    contributions: [{ name: `f${Math.round(score)}`, actual: score, typical: 1, contribution: 1 }],
    narrative: '',
    coldStart: false,
  };
}

/** One window of `users` entity-windows; user i scores `scoreOf(i)`. */
function window(
  start: number,
  users: number,
  scoreOf: (i: number) => number,
  alertOf: (i: number) => boolean = () => false,
): BuiltAnomaly[] {
  return Array.from({ length: users }, (_, i) =>
    buildAnomaly(
      { entity: { fields: ['user.name'], value: `u${i}` }, entityValues: [`u${i}`], start, end: start + H, eventCount: i + 1 },
      scored(scoreOf(i), alertOf(i)),
      JOB,
      0,
    ),
  );
}

const byEntity = (docs: RollupDocument[]): Map<string, RollupDocument> => new Map(docs.map((d) => [d.vigil.entity.value, d]));

describe('shouldWrite', () => {
  it('keeps alerts, windows of alerted incidents and scores at or above the cut', () => {
    assert.equal(shouldWrite({ vigil: { score: 49.99, is_alert: false } }, 50), false);
    assert.equal(shouldWrite({ vigil: { score: 50, is_alert: false } }, 50), true);
    assert.equal(shouldWrite({ vigil: { score: 3, is_alert: true } }, 50), true);
    assert.equal(shouldWrite({ vigil: { score: 3, is_alert: false, incident: { alerted: true } } }, 50), true);
    assert.equal(shouldWrite({ vigil: { score: 3, is_alert: false, incident: { alerted: false } } }, 50), false);
    assert.equal(shouldWrite({ vigil: { score: 0, is_alert: false } }, 0), true);
  });
});

describe('RollupAccumulator', () => {
  it('writes one daily rollup per entity when the day’s last hourly window is added, with max, mean, alerts and events', () => {
    const acc = new RollupAccumulator('day', JOB);
    const written: RollupDocument[] = [];
    for (let h = 0; h < 24; h++) {
      // u0 peaks at hour 5 (score 90, alert); u1 is flat at 10; u2 appears only from hour 12.
      const docs = window(
        T0 + h * H,
        3,
        (i) => (i === 0 ? (h === 5 ? 90 : 20) : i === 1 ? 10 : 30),
        (i) => i === 0 && h === 5,
      ).filter((d) => d.doc.vigil.entity.value !== 'u2' || h >= 12);
      const out = acc.add({ start: T0 + h * H, end: T0 + (h + 1) * H }, H, docs);
      if (h < 23) assert.equal(out.length, 0, `nothing before the day is complete (hour ${h})`);
      written.push(...out);
    }
    assert.equal(written.length, 3);
    assert.equal(acc.size, 0);
    const r = byEntity(written);
    const u0 = r.get('u0')!;
    assert.equal(u0.vigil.rollup.windows, 24);
    assert.equal(u0.vigil.rollup.max_score, 90);
    assert.equal(u0.vigil.score, 90);
    assert.equal(u0.vigil.severity, 'critical');
    assert.equal(u0.vigil.rollup.mean_score, Math.round(((90 + 23 * 20) / 24) * 100) / 100);
    assert.equal(u0.vigil.rollup.alerts, 1);
    assert.equal(u0.vigil.is_alert, true);
    assert.equal(u0.vigil.rollup.max_window_start, new Date(T0 + 5 * H).toISOString());
    assert.equal(u0.vigil.top_feature, 'f90');
    assert.equal(u0.vigil.event_count, 24);
    assert.deepEqual(u0.user, { name: 'u0' });
    assert.equal(u0.event.dataset, 'vigil.rollup');
    assert.equal(u0.vigil.window.start, new Date(T0).toISOString());
    assert.equal(u0.vigil.window.end, new Date(T0 + DAY).toISOString());
    assert.equal(r.get('u1')!.vigil.rollup.mean_score, 10);
    assert.equal(r.get('u2')!.vigil.rollup.windows, 12);
    assert.equal(r.get('u2')!.vigil.event_count, 12 * 3);
  });

  it('gives the same rollups when the state is saved and restored mid-day (a restart between two windows)', () => {
    const run = (restartAt: number | undefined): RollupDocument[] => {
      let acc = new RollupAccumulator('day', JOB);
      const out: RollupDocument[] = [];
      for (let h = 0; h < 48; h++) {
        if (h === restartAt)
          acc = new RollupAccumulator('day', JOB, JSON.parse(JSON.stringify(acc.toState())) as ReturnType<RollupAccumulator['toState']>);
        out.push(
          ...acc.add(
            { start: T0 + h * H, end: T0 + (h + 1) * H },
            H,
            window(T0 + h * H, 4, (i) => (i * 7 + h * 13) % 100),
          ),
        );
      }
      return out;
    };
    const reference = run(undefined);
    assert.equal(reference.length, 8);
    assert.deepEqual(run(7), reference);
    assert.deepEqual(run(24), reference);
  });

  it('closes a period with overlapping windows only after the window whose successor starts in the next period', () => {
    const acc = new RollupAccumulator('hour', JOB);
    const slide = 15 * 60_000;
    const sizes: number[] = [];
    for (let k = 0; k < 8; k++) {
      const start = T0 + k * slide;
      sizes.push(
        acc.add(
          { start, end: start + H },
          slide,
          window(start, 2, () => 40),
        ).length,
      );
    }
    assert.deepEqual(sizes, [0, 0, 0, 2, 0, 0, 0, 2]);
  });

  it('flushes open periods as they stand and the completed period overwrites the same id', () => {
    const acc = new RollupAccumulator('day', JOB);
    for (let h = 0; h < 6; h++)
      acc.add(
        { start: T0 + h * H, end: T0 + (h + 1) * H },
        H,
        window(T0 + h * H, 2, () => 30),
      );
    const partial = acc.flush();
    assert.equal(partial.length, 2);
    assert.equal(partial[0].vigil.rollup.windows, 6);
    assert.equal(acc.size, 2, 'flush keeps the periods open');
    const items = RollupAccumulator.items(partial, () => 'vigil-anomalies');
    assert.equal(items[0].id, rollupId('auth-users', 'user.name', partial[0].vigil.entity.value, T0));
    assert.equal(items[0].index, 'vigil-anomalies');
  });

  it('starts afresh (and keeps nothing of) a state written with another period', () => {
    const day = new RollupAccumulator('day', JOB);
    day.add(
      { start: T0, end: T0 + H },
      H,
      window(T0, 3, () => 10),
    );
    assert.equal(new RollupAccumulator('hour', JOB, day.toState()).size, 0);
    assert.equal(new RollupAccumulator('day', JOB, day.toState()).size, 3);
  });
});
