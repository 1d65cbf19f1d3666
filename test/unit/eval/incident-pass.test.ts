import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analystFigures } from '../../../src/eval/analyst.js';
import { incidentPass } from '../../../src/eval/incident-pass.js';
import type { Label } from '../../../src/eval/labels.js';
import type { ScoredWindow } from '../../../src/eval/scored-window.js';

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.parse('2026-03-05T00:00:00Z');

function win(
  job: string,
  entityField: string,
  entity: string,
  start: number,
  own: number,
  related: ScoredWindow['related'] = {},
  others: Partial<ScoredWindow['scores']> = {},
): ScoredWindow {
  return {
    job,
    entityField,
    entity,
    start,
    end: start + H,
    related,
    scores: { ensemble: own, rules: 0, zscore: 0, iforest: 0, ...others },
    components: { ensemble_own: own },
    score100: 0,
    isAlert: false,
    narrative: '',
  };
}

/** Two days of hourly windows for 30 users, one spray on day 2 at 10:00 (two windows), one benign outlier a day. */
function world(): { windows: ScoredWindow[]; labels: Label[] } {
  const windows: ScoredWindow[] = [];
  for (let h = 0; h < 48; h++) {
    const start = T0 + h * H;
    for (let u = 0; u < 30; u++)
      windows.push(
        win(
          'auth-by-user',
          'user.name',
          `u${u}`,
          start,
          ((u * 37 + h * 11) % 30) / 15 - 1,
          { ip: [`10.0.0.${u}`] },
          { zscore: ((u * 13 + h) % 30) / 10 },
        ),
      );
    if (h === 5 || h === 29) windows.push(win('auth-by-user', 'user.name', `odd${h}`, start, 5.5, {}, { zscore: 9 }));
    if (h === 34 || h === 35) {
      windows.push(win('auth-by-source-ip', 'source.ip', '203.0.113.7', start, 8, { user: ['u1', 'u2'] }, { rules: 2, zscore: 2 }));
    }
  }
  windows.sort((a, b) => a.start - b.start);
  const labels: Label[] = [
    {
      index: 0,
      scenario: 'password_spray',
      technique: 'T1110.003',
      field: 'source.ip',
      value: '203.0.113.7',
      startMs: T0 + 34 * H,
      endMs: T0 + 36 * H,
      attack: 'spray',
    },
  ];
  return { windows, labels };
}

describe('the incident pass in the evaluation', () => {
  const { windows, labels } = world();
  const pass = incidentPass(windows);

  it('runs the tracker once per slice: the spray is one alerted incident, each benign outlier its own', () => {
    const spray = pass.windows.filter((w) => w.entity === '203.0.113.7');
    assert.equal(spray.length, 2);
    assert.equal(new Set(spray.map((w) => w.incident)).size, 1);
    assert.ok(spray.every((w) => w.incidentAlerted));
    assert.equal(pass.alerts.filter((a) => a.root === 'ip=203.0.113.7').length, 1);
    // Ensemble ranking score is the accumulated risk; the own score is kept.
    assert.equal(spray[0].components.ensemble_own, 8);
    assert.ok(spray[0].scores.ensemble >= 8);
  });

  it('counts at the analyst level: caught at 5/10/25 a day, false incidents a day, first-day false, time to detect', () => {
    const f = analystFigures({
      windows: pass.windows,
      labels,
      alerts: pass.alerts,
      scoreFrom: T0,
      scoreTo: T0 + 2 * DAY,
      latencyMs: 60_000,
    });
    assert.equal(f.days, 2);
    assert.equal(f.attacksScored, 1);
    assert.deepEqual(f.models.ensemble.caughtAt, { '5': 1, '10': 1, '25': 1 });
    const d = f.models.ensemble.atDefault;
    assert.ok(d);
    // Alerts: one benign outlier a day (false: a quiet estate leaves room for about three a day) and the spray.
    assert.equal(d.caught, 1);
    assert.equal(d.firstDayFalse, 1);
    assert.equal(d.falsePerDay, 1);
    assert.equal(d.incidentsPerDay, 1.5);
    // Detected at the end of the first spray window plus a minute of latency.
    assert.equal(d.ttdMedianMinutes, 61);
    // z-score ranks every user's busiest hour (up to 2.9) and the outliers (9) above the spray (2): missed at any budget.
    // The rules catch it and fire on nothing else.
    assert.deepEqual(f.models.zscore.caughtAt, { '5': 0, '10': 0, '25': 0 });
    assert.deepEqual(f.models.rules.atDefault && { false: f.models.rules.atDefault.falsePerDay, caught: f.models.rules.atDefault.caught }, {
      false: 0,
      caught: 1,
    });
  });

  it('judges each alert when it is sent: an attack that joins an incident alerted earlier for something benign is not caught', () => {
    // Hand-made pass output: incident A alerts at 02:00 on a benign window; the attack's window joins
    // A at 05:00 (an update). Incident B alerts at 10:00 on the attack's own window, and its update
    // at 12:00 brings a second attack.
    const at = (w: ScoredWindow, incident: string, isAlert: boolean): ScoredWindow => ({ ...w, incident, incidentAlerted: true, isAlert });
    const windows = [
      at(win('auth-by-user', 'user.name', 'benign', T0 + 1 * H, 6), 'A', true),
      at(win('auth-by-user', 'user.name', 'victim', T0 + 4 * H, 6), 'A', true),
      at(win('auth-by-user', 'user.name', 'actor', T0 + 9 * H, 6), 'B', true),
      at(win('auth-by-user', 'user.name', 'second', T0 + 11 * H, 6), 'B', true),
    ];
    const label = (index: number, value: string, startH: number, attack: string): Label => ({
      index,
      scenario: 'brute_force',
      technique: 'T1110',
      field: 'user.name',
      value,
      startMs: T0 + startH * H,
      endMs: T0 + (startH + 1) * H,
      attack,
    });
    const labels = [label(0, 'victim', 4, 'hijacked'), label(1, 'actor', 9, 'own'), label(2, 'second', 11, 'update')];
    const alerts = [
      { id: 'A', incident: 'A', at: T0 + 2 * H, firstStart: T0 + H, root: 'user=benign' },
      { id: 'B', incident: 'B', at: T0 + 10 * H, firstStart: T0 + 9 * H, root: 'user=actor' },
    ];
    const d = analystFigures({ windows, labels, alerts, scoreFrom: T0, scoreTo: T0 + DAY, latencyMs: 0 }).models.ensemble.atDefault;
    assert.ok(d);
    // A was false when sent (its attack window came three hours later); B was true.
    assert.equal(d.falsePerDay, 1);
    // 'own' at B's alert, 'update' as a later update of the true incident B; 'hijacked' not at all.
    assert.equal(d.caught, 2);
    // Detected at 10:00 (own, 60 min after its start) and at the update window's end, 12:00 (60 min).
    assert.equal(d.ttdMedianMinutes, 60);
  });
});
