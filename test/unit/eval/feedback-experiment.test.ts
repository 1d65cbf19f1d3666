import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analystVerdicts, applyVerdicts } from '../../../src/eval/feedback-experiment.js';
import type { IncidentPassResult } from '../../../src/eval/incident-pass.js';
import type { ScoredWindow } from '../../../src/eval/scored-window.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-05T00:00:00Z');

function win(entity: string, start: number, incident: string, score100: number): ScoredWindow {
  return {
    job: 'auth',
    entityField: 'user.name',
    entity,
    start,
    end: start + H,
    related: { ip: [], user: [entity], hosts: [] },
    scores: { ensemble: score100 / 10, rules: 0, zscore: 0, iforest: 0 },
    components: { ensemble_own: score100 / 10 },
    score100,
    isAlert: score100 >= 60,
    narrative: '',
    incident,
    incidentAlerted: true,
    pattern: [{ name: 'failed_logins', actual: score100 / 10, typical: 0, contribution: 0.9 }],
  };
}

/**
 * Three false incidents before the verdicts. A jump host (`jump`) is linked into all three but
 * drives none; `noisy` drives two, `once` one. One more `noisy` incident comes after the verdicts.
 */
function pass(): IncidentPassResult {
  const windows = [
    win('noisy', T0, 'i1', 90),
    win('jump', T0, 'i1', 40),
    win('noisy', T0 + 5 * H, 'i2', 85),
    // Later in the same incident, weaker but busier: the verdict's band must cover it.
    { ...win('noisy', T0 + 6 * H, 'i2', 65), pattern: [{ name: 'failed_logins', actual: 20, typical: 0, contribution: 0.8 }] },
    win('jump', T0 + 5 * H, 'i2', 45),
    win('once', T0 + 10 * H, 'i3', 80),
    win('jump', T0 + 10 * H, 'i3', 50),
    // After the verdicts: the same behaviour of `noisy`, weaker than what was judged.
    win('noisy', T0 + 30 * H, 'i4', 70),
  ];
  const alert = (id: string, start: number): IncidentPassResult['alerts'][number] => ({
    id,
    at: start + H,
    firstStart: start,
    root: id,
    incident: id,
  });
  return {
    windows,
    alerts: [alert('i1', T0), alert('i2', T0 + 5 * H), alert('i3', T0 + 10 * H), alert('i4', T0 + 30 * H)],
    openIncidents: 0,
  };
}

const truth = { positive: new Uint8Array(8), attacks: Array.from({ length: 8 }, () => []) };

describe('feedback experiment: the analyst marks what drove the false incidents', () => {
  it('marks the entities that drove the most false incidents, not one merely linked into each', () => {
    const p = pass();
    const { verdicts, marked } = analystVerdicts(p, truth, T0 + 24 * H, 1);
    assert.deepEqual(marked, [{ root: 'auth|user.name=noisy', falseIncidents: 2, verdicts: 2 }]);
    assert.deepEqual(
      verdicts.map((v) => [v.entity.value, v.window_start]),
      [
        ['noisy', new Date(T0).toISOString()],
        ['noisy', new Date(T0 + 5 * H).toISOString()],
      ],
    );
    assert.deepEqual(verdicts[0].pattern, [{ name: 'failed_logins', actual: 9, typical: 0 }]);
    // Judged as a whole incident: i2's band reaches its busiest window (20), not only its strongest (8.5).
    assert.deepEqual(verdicts[1].pattern, [{ name: 'failed_logins', actual: 20, typical: 0 }]);
  });

  it('the verdicts suppress the same behaviour of the marked entity after them, and nothing before', () => {
    const p = pass();
    const at = T0 + 24 * H;
    const { verdicts } = analystVerdicts(p, truth, at, 1);
    const applied = applyVerdicts(p.windows, verdicts, at);
    assert.equal(applied.suppressed, 1);
    const after = applied.windows[7];
    assert.ok(after.scores.ensemble < 7, `suppressed window reads ${after.scores.ensemble}`);
    assert.deepEqual(applied.windows.slice(0, 7), p.windows.slice(0, 7));
  });
});
