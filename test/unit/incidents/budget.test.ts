import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertBudget, type BudgetState } from '../../../src/incidents/budget.js';
import { incidentOptions, type IncidentOptionsInput } from '../../../src/incidents/index.js';

const DAY = 20_000;
// Floor 4, cold-start boost 0.5, 10 alerts a day (defaults) and a quiet share of 0.3: the 3rd-highest peak of a day.
const options = (input: IncidentOptionsInput = {}) => incidentOptions({ quietShare: 0.3, ...input });
const BENIGN = [5.1, 5.3, 6.0];

/** A fresh budget (no history: a new deployment, or its state deleted) on its first day. */
function fresh(input: IncidentOptionsInput = {}): AlertBudget {
  const b = new AlertBudget(options(input));
  b.advance(DAY);
  return b;
}

/** The same peaks seen for real on the previous day(s), oldest first. */
function seen(days: number[][], input: IncidentOptionsInput = {}): AlertBudget {
  const state: BudgetState = { history: days, today: {}, day: DAY, firstDay: DAY - days.length, sentToday: 0 };
  return new AlertBudget(options(input), state);
}

const FRACTIONS = [0, 0.25, 0.5, 1];

describe('AlertBudget warm start from verdicts', () => {
  it('(a) no history + benign verdicts at 5.1, 5.3, 6.0: pooled with the first day as one earlier day', () => {
    const warm = fresh();
    warm.warmStart({ benign: BENIGN, attack: [] });
    // At the start of the day the 3rd-highest peak (0.3 × 10 × 1 day) is 5.1 — what those peaks seen
    // on a real previous day give; by midday 0.3 × 10 × 1.5 ≈ 5 peaks are needed and there are 3,
    // so the floor (4, no cold-start boost) holds.
    const reference = seen([[6.0, 5.3, 5.1]]);
    assert.equal(warm.thresholdRisk(0), 5.1);
    assert.equal(reference.thresholdRisk(0), 5.1);
    assert.equal(warm.thresholdRisk(0.5), 4);
    assert.equal(warm.floor, 4);
    // Today's candidates join the pool: by midday 5 peaks are needed: 6.0, 5.6, 5.3, 5.1, 4.8.
    warm.noteCandidate('i1', 5.6);
    warm.noteCandidate('i2', 4.8);
    assert.equal(warm.thresholdRisk(0.5), 4.8);
    // A real day of history instead holds its level all day (the median of the previous days; today does not vote).
    reference.noteCandidate('i1', 5.6);
    reference.noteCandidate('i2', 4.8);
    for (const f of FRACTIONS) assert.equal(reference.thresholdRisk(f), 5.1, `day fraction ${f}`);
    // Without the verdicts the first day starts from the boosted floor alone.
    assert.equal(fresh().thresholdRisk(0), 4.5);
    assert.deepEqual(warm.warmStartNote(), { warmStart: { benign: 3, attack: 0, seeded: true, capped: false } });
  });

  it('the verdicts stand in for the oldest day while the history is short, and age out after a week of it', () => {
    const days = [
      [5.0, 4.9, 4.2],
      [5.8, 5.2, 4.4],
    ];
    const warm = seen(days);
    warm.warmStart({ benign: BENIGN, attack: [] });
    const reference = seen([[6.0, 5.3, 5.1], ...days]);
    for (const f of FRACTIONS) assert.equal(warm.thresholdRisk(f), reference.thresholdRisk(f), `day fraction ${f}`);

    const week = Array.from({ length: 7 }, () => [4.3, 4.2, 4.1]);
    const full = seen(week);
    full.warmStart({ benign: [9, 9, 9, 9], attack: [] });
    assert.equal(full.thresholdRisk(0), seen(week).thresholdRisk(0));
    assert.equal(full.warmStartNote().warmStart?.seeded, false);
  });

  it('(b) a true_positive at risk 4.6 caps the threshold at 4.6 (floor 4)', () => {
    const b = fresh();
    b.warmStart({ benign: BENIGN, attack: [4.6] });
    for (const f of [0, 0.1]) assert.equal(b.thresholdRisk(f), 4.6);
    assert.deepEqual(b.warmStartNote(), { warmStart: { benign: 3, attack: 1, seeded: true, cap: 4.6, capped: true } });
    // The lowest of several true positives is the cap; one above the learned threshold changes nothing.
    b.warmStart({ benign: BENIGN, attack: [7.2, 4.6, 5.0] });
    assert.equal(b.thresholdRisk(0), 4.6);
    b.warmStart({ benign: BENIGN, attack: [7.2] });
    assert.equal(b.thresholdRisk(0), 5.1);
    assert.equal(b.warmStartNote().warmStart?.capped, false);
    // With history of its own the cap still holds.
    const old = seen([[6.5, 6.2, 6.1]]);
    old.warmStart({ benign: [], attack: [4.6] });
    assert.equal(old.thresholdRisk(0), 4.6);
  });

  it('(c) the cap never goes below the floor (the cold-start floor included)', () => {
    const b = fresh();
    b.warmStart({ benign: BENIGN, attack: [3.2] });
    assert.equal(b.thresholdRisk(0), 4);
    assert.equal(b.warmStartNote().warmStart?.capped, true);
    // Attack verdicts alone do not stand in for a day: the first day keeps its boosted floor.
    const attackOnly = fresh();
    attackOnly.warmStart({ benign: [], attack: [3.2] });
    assert.equal(attackOnly.thresholdRisk(0), 4.5);
    assert.equal(attackOnly.warmStartNote().warmStart?.capped, false);
    // In target-FPR mode the benign peaks do not count (its threshold is a quantile of windows), the cap does.
    const fpr = new AlertBudget(options({ targetFpr: 0.01 }), { history: [], today: {}, day: DAY, firstDay: DAY - 1, sentToday: 0 });
    fpr.warmStart({ benign: BENIGN, attack: [3.9] });
    assert.equal(fpr.thresholdRisk(0), 4);
  });

  it('(d) the verdict risks round-trip through toJSON / fromJSON; new verdicts replace them, none clears them', () => {
    const b = fresh();
    b.noteCandidate('i1', 5.6);
    b.warmStart({ benign: BENIGN, attack: [4.6] });
    const json = JSON.parse(JSON.stringify(b.toJSON())) as unknown;
    assert.deepEqual((json as BudgetState).warm, { benign: [6.0, 5.3, 5.1], benignCount: 3, attackCap: 4.6, attackCount: 1 });
    const restored = AlertBudget.fromJSON(json, options());
    assert.deepEqual(restored.toJSON(), b.toJSON());
    for (const f of FRACTIONS) assert.equal(restored.thresholdRisk(f), b.thresholdRisk(f));
    assert.deepEqual(restored.warmStartNote(), b.warmStartNote());

    restored.warmStart({ benign: [5.1], attack: [] });
    assert.deepEqual(restored.toJSON().warm, { benign: [5.1], benignCount: 1, attackCap: null, attackCount: 0 });
    restored.warmStart({ benign: [], attack: [] });
    assert.equal(restored.toJSON().warm, undefined);
    assert.deepEqual(restored.warmStartNote(), {});
    // A state written before the warm start existed still loads.
    assert.equal(
      AlertBudget.fromJSON({ history: [], today: {}, day: null, firstDay: null, sentToday: 0 }, options()).toJSON().warm,
      undefined,
    );
    assert.throws(
      () => AlertBudget.fromJSON({ ...(json as BudgetState), warm: { benign: 'x' } }, options()),
      /budget state: warm\.benign: /,
    );
  });

  it('keeps a day of benign peaks, ignores non-finite risks', () => {
    const b = fresh();
    const many = Array.from({ length: 100 }, (_, i) => 4 + i / 100);
    b.warmStart({ benign: [...many, Number.NaN, Infinity], attack: [Number.NaN] });
    const warm = b.toJSON().warm;
    assert.equal(warm?.benign.length, 64);
    assert.equal(warm?.benign[0], 4.99);
    assert.equal(warm?.benignCount, 100);
    assert.equal(warm?.attackCap, null);
  });
});
