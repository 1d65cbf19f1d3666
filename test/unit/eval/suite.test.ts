import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnalystFigures } from '../../../src/eval/analyst.js';
import { suiteWorlds } from '../../../src/eval/suite-command.js';
import { compactLine, formatWorld, formatWorstCase, SUITE_WORLDS, worstCase, type WorldResult } from '../../../src/eval/suite.js';

function figures(
  vigil: [number, number, number],
  best: [number, number],
  falsePerDay: number,
  firstDay: number,
  ttd: number,
): AnalystFigures {
  const other = { caughtAt: { '5': best[0], '10': best[1], '25': 9 }, ttdMedianAt10: 30, prAuc: 0.1 };
  return {
    days: 11,
    attacksScored: 9,
    windows: 1000,
    models: {
      ensemble: {
        caughtAt: { '5': vigil[0], '10': vigil[1], '25': vigil[2] },
        ttdMedianAt10: ttd,
        prAuc: 0.5,
        atDefault: { incidentsPerDay: 3, falsePerDay, firstDayFalse: firstDay, caught: vigil[1], ttdMedianMinutes: ttd },
      },
      rules: other,
      zscore: other,
      iforest: other,
    },
    missedAt10: vigil[1] < 9 ? ['beaconing@03-08T10:00'] : [],
  };
}
const result = (f: AnalystFigures, world = SUITE_WORLDS[0]): WorldResult => ({ world, events: 1234, figures: f, elapsedMs: 5000 });

describe('vigil eval --suite', () => {
  it('has at least six worlds spanning 150–3,000 users and 14–30 days, attacks after warm-up', () => {
    assert.ok(SUITE_WORLDS.length >= 6);
    assert.equal(Math.min(...SUITE_WORLDS.map((w) => w.users)), 150);
    assert.equal(Math.max(...SUITE_WORLDS.map((w) => w.users)), 3000);
    assert.ok(SUITE_WORLDS.every((w) => w.days >= 14 && w.days <= 30 && w.warmupDays >= 1));
    assert.equal(new Set(SUITE_WORLDS.map((w) => w.seed)).size, SUITE_WORLDS.length);
  });

  it('picks worlds by name and refuses unknown ones', () => {
    assert.deepEqual(
      suiteWorlds('w1-small,w3-month').map((w) => w.name),
      ['w1-small', 'w3-month'],
    );
    assert.equal(suiteWorlds('all').length, SUITE_WORLDS.length);
    assert.throws(() => suiteWorlds('w9'), /unknown world w9/);
  });

  it('the worst case is the worst world on every figure; a tie with a baseline does not count as beating it', () => {
    const w = worstCase([result(figures([9, 9, 9], [5, 7], 1.5, 2, 6)), result(figures([7, 8, 9], [7, 7], 3.5, 9, 18), SUITE_WORLDS[1])]);
    const second = SUITE_WORLDS[1].name;
    assert.deepEqual(w, {
      caughtShareAt10: 8 / 9,
      beatsBaselinesAt5And10: 1,
      falsePerDay: 3.5,
      firstDayFalse: 9,
      ttdMedianMinutes: 18,
      worlds: 2,
      from: { caughtShareAt10: second, falsePerDay: second, firstDayFalse: second, ttdMedianMinutes: second },
      notBeating: [second],
    });
    const worst = formatWorstCase(w);
    assert.match(worst, /caught at 10 incidents\/day\s+89%\s+\(w2-mid\)\s+target ≥ 90%: NOT met/);
    assert.match(worst, /1\/2 worlds\s+\(not: w2-mid\)/);
    assert.match(worst, /false incidents\/day\s+3\.5\s+\(w2-mid\)\s+target ≤ 4: met/);
    assert.equal(
      compactLine(result(figures([7, 8, 9], [7, 7], 3.5, 9, 18))),
      'w1-small of 9: Vigil 7/8/9 · rules 7/7/9 · z-score 7/7/9 · iforest 7/7/9 | false/day 3.5 1st-day 9 TTD 18.0 PR-AUC 0.500',
    );
    const text = formatWorld(result(figures([7, 8, 9], [7, 7], 3.5, 9, 18)));
    assert.match(text, /Vigil\s+7\/9 78%\s+8\/9 89%\s+9\/9 100%/);
    assert.match(text, /missed at 10\/day: beaconing@03-08T10:00/);
  });
});
