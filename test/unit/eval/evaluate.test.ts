import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { budgetAlerts, evaluate } from '../../../src/eval/evaluate.js';
import { parseLabels } from '../../../src/eval/labels.js';
import type { ScoredWindow } from '../../../src/eval/scored-window.js';

const D0 = Date.parse('2026-03-02T00:00:00Z');
const H = 3_600_000;

function win(job: string, entity: string, hour: number, s: [number, number, number, number], ips: string[] = []): ScoredWindow {
  return {
    job,
    entityField: job === 'auth-by-source-ip' ? 'source.ip' : 'user.name',
    entity,
    start: D0 + hour * H,
    end: D0 + (hour + 1) * H,
    related: { ip: ips, user: [], hosts: [] },
    scores: { ensemble: s[0], rules: s[1], zscore: s[2], iforest: s[3] },
    components: {},
    score100: Math.min(100, s[0] * 10),
    isAlert: s[0] >= 5,
    narrative: '',
  };
}

const labels = parseLabels([
  JSON.stringify({
    scenario: 'brute_force',
    technique: 'T1110.001',
    entity: { field: 'user.name', value: 'alice' },
    start: '2026-03-02T10:00:00Z',
    end: '2026-03-02T10:30:00Z',
  }),
  JSON.stringify({
    scenario: 'password_spray',
    technique: 'T1110.003',
    entity: { field: 'source.ip', value: '203.0.113.7' },
    start: '2026-03-03T02:00:00Z',
    end: '2026-03-03T02:20:00Z',
  }),
  JSON.stringify({
    scenario: 'beaconing',
    technique: 'T1071.001',
    entity: { field: 'source.ip', value: '10.0.0.9' },
    start: '2026-03-01T02:00:00Z',
    end: '2026-03-01T05:00:00Z',
  }),
]);

const windows: ScoredWindow[] = [
  win('auth-by-user', 'alice', 10, [5, 2, 1, 0.5]),
  win('auth-by-user', 'bob', 10, [4, 0, 3, 0]),
  win('auth-by-user', 'carol', 11, [3, 1.5, 0, 2]),
  win('auth-by-user', 'alice', 12, [1, 0, 0, 0]),
  win('auth-by-source-ip', '203.0.113.7', 26, [6, 0.5, 2, 1]),
  win('auth-by-user', 'dave', 26, [2, 0, 0, 3], ['203.0.113.7', '10.1.1.1']),
  win('auth-by-user', 'erin', 27, [0.5, 0, 1, 0]),
];

describe('evaluate (tiny data set, figures checked by hand)', () => {
  const r = evaluate({
    windows,
    labels,
    scoreFrom: D0,
    scoreTo: D0 + 48 * H,
    budgetPerDay: 1,
    k: 2,
    recallTarget: 0.95,
    resamples: 50,
    seed: 1,
    processingMs: [],
    delayMs: 0,
  });

  it('finds the positives by entity and by related value', () => {
    assert.equal(r.dataset.windows, 7);
    assert.equal(r.dataset.positive_windows, 3);
    assert.equal(r.dataset.entity_matched_windows, 2);
    assert.equal(r.dataset.attacks, 3);
    assert.equal(r.dataset.attacks_in_warmup, 1);
    assert.equal(r.dataset.scored_days, 2);
  });

  it('computes window-level ranking metrics', () => {
    const e = r.models.ensemble;
    // positives {6, 5, 2} vs negatives {4, 3, 1, 0.5}: 10 of 12 pairs ranked right.
    assert.equal(e.roc_auc, Math.round((10 / 12) * 1e4) / 1e4);
    // ranking P P N N P N N: AP = (1 + 1 + 3/5) / 3.
    assert.equal(e.pr_auc, Math.round(((1 + 1 + 0.6) / 3) * 1e4) / 1e4);
    // 95% recall needs all three positives: down to score 2, 2 of 4 negatives above.
    assert.equal(e.fpr_at_95_recall, 0.5);
    assert.equal(e.precision_at_k, 1);
    assert.ok(e.roc_auc > r.models.zscore.roc_auc);
  });

  it('applies the daily alert budget per model and reports caught and missed attacks', () => {
    assert.equal(r.models.ensemble.attacks_caught, 2);
    assert.equal(r.models.ensemble.attacks_scored, 2);
    assert.equal(r.models.ensemble.recall_at_budget, Math.round((2 / 3) * 1e4) / 1e4);
    assert.equal(r.models.zscore.attacks_caught, 1, 'bob outranks alice on day 0');
    assert.equal(r.models.iforest.attacks_caught, 1, 'the spray is caught through a related window (dave)');
    assert.equal(r.scenarios.brute_force.caught.zscore, 0);
    assert.equal(r.scenarios.brute_force.ensemble_verdict, 'caught');
    assert.equal(r.scenarios.password_spray.caught.iforest, 1);
    assert.equal(r.scenarios.beaconing.ensemble_verdict, 'not scored');
    assert.equal(r.scenarios.beaconing.instances[0].status, 'warmup');
    assert.equal(r.scenarios.brute_force.instances[0].best_daily_rank.zscore, 2);
    // With 5 alerts a day every window of this tiny set is alerted: every model catches both attacks.
    assert.equal(r.models.zscore.attack_recall_by_budget['5'], 1);
    assert.equal(r.models.ensemble.attack_recall_by_budget['10'], 1);
  });

  it('measures time to detect from the attack start to the end of the first alerted window', () => {
    assert.equal(r.scenarios.brute_force.mttd_minutes.ensemble, 60);
    assert.equal(r.scenarios.password_spray.mttd_minutes.ensemble, 60);
    assert.equal(r.models.ensemble.mttd_minutes, 60);
    assert.equal(r.models.zscore.mttd_minutes, 60);
  });

  it('reports bootstrap intervals around the estimates and the ensemble’s own alerts', () => {
    const [lo, hi] = r.models.ensemble.ci95.roc_auc;
    assert.ok(lo <= r.models.ensemble.roc_auc + 1e-9 && hi >= r.models.ensemble.roc_auc - 0.2, `${lo}–${hi}`);
    assert.equal(r.ensemble_alerts.per_day, 1, 'two windows at fused ≥ 5 over two days');
    assert.equal(r.ensemble_alerts.precision, 1);
  });

  it('budgetAlerts ranks within each day', () => {
    const b = budgetAlerts([3, 1, 2, 5], [0, 0, 1, 1], 1);
    assert.deepEqual([...b.alerted], [1, 0, 0, 1]);
    assert.deepEqual([...b.rank], [1, 2, 2, 1]);
  });

  it('budgetAlerts sends one incident as one notification: its windows share a budget slot', () => {
    // Day 0: an incident of three windows (scores 9, 8, 7) and two lone windows (6, 5); budget 2.
    const scores = [9, 8, 7, 6, 5];
    const days = [0, 0, 0, 0, 0];
    const grouped = budgetAlerts(scores, days, 2, ['a', 'a', 'a', undefined, undefined]);
    assert.deepEqual([...grouped.alerted], [1, 1, 1, 1, 0]);
    assert.deepEqual([...grouped.rank], [1, 1, 1, 2, 3]);
    const perWindow = budgetAlerts(scores, days, 2);
    assert.deepEqual([...perWindow.alerted], [1, 1, 0, 0, 0]);
  });
});
