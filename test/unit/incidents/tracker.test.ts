import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IncidentTracker, incidentIdOf, type EntityWindowInput, type SliceDecision } from '../../../src/incidents/index.js';
import { recurrenceDiscounted } from '../../../src/incidents/recurrence.js';
import { ip, user } from './windows.js';

const H = 3_600_000;
const M15 = 15 * 60_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');

/** A quiet population of n users, scores in [-1, 1.5). */
function crowd(n: number, end: number): EntityWindowInput[] {
  return Array.from({ length: n }, (_, i) => user(`u${i}`, -1 + ((i * 7919 + end / M15) % 25) / 10, end));
}
function run(tracker: IncidentTracker, slices: EntityWindowInput[][], ends: number[]): SliceDecision[] {
  return slices.map((windows, k) => tracker.step({ start: ends[k] - H, end: ends[k], windows }));
}

describe('IncidentTracker', () => {
  it('is_alert ⇔ score ≥ cut on every window; scores in [0, 99.9]; cuts in (0, 100]', () => {
    const tracker = new IncidentTracker();
    for (let k = 1; k <= 200; k++) {
      const end = T0 + k * M15;
      const windows = [...crowd(50, end), ...(k % 17 === 0 ? [user(`burst${k}`, 3 + (k % 7), end)] : [])];
      const d = tracker.step({ start: end - H, end, windows });
      for (const w of d.windows) {
        assert.equal(w.isAlert, w.score >= w.cut, `${w.id} ${w.score} ${w.cut}`);
        assert.ok(w.score >= 0 && w.score <= 99.9);
        assert.ok(w.cut > 0 && w.cut <= 100);
      }
    }
  });

  it('a multi-window attack is one incident: it alerts once, later windows are updates with the same id', () => {
    const tracker = new IncidentTracker();
    const ends = [1, 2, 3, 4].map((k) => T0 + 10 * H + k * M15);
    const out = run(
      tracker,
      ends.map((e) => [...crowd(30, e), ip('203.0.113.7', 9, e, ['alice', 'bob']), user('alice', 2, e, ['203.0.113.7'])]),
      ends,
    );
    const statuses = out.map((d) => d.incidents.find((i) => i.entities.includes('ip=203.0.113.7'))?.status);
    assert.deepEqual(statuses, ['new', 'update', 'update', 'update']);
    const ids = new Set(out.map((d) => d.incidents.find((i) => i.entities.includes('ip=203.0.113.7'))?.id));
    assert.equal(ids.size, 1);
    const first = out[0].incidents.find((i) => i.status === 'new');
    assert.ok(first);
    assert.equal(first.id, incidentIdOf(ends[0] - H, 'ip=203.0.113.7'));
    // The victim account, linked through related.ip, is part of the same incident.
    assert.ok(first.entities.includes('user=alice'));
    assert.equal(
      out.reduce((n, d) => n + d.incidents.filter((i) => i.status === 'new').length, 0),
      1,
    );
  });

  it('a scanner touching a different host each slice stays one incident, whichever neighbour lifts it', () => {
    // The scanner (own 8) and the account it touches (own 5) lift each other, so the relational
    // root of the scanner's window is that slice's account. It must still continue its own
    // incident instead of opening a new one per account (w1-small: six alerts in two hours).
    const tracker = new IncidentTracker();
    const ends = [1, 2, 3, 4, 5, 6].map((k) => T0 + 10 * H + k * M15);
    const out = run(
      tracker,
      ends.map((e, k) => [...crowd(30, e), ip('10.0.0.18', 8, e, [`host${k}`]), user(`host${k}`, 5, e, ['10.0.0.18'])]),
      ends,
    );
    const scannerIncidents = out.map((d) => {
      const w = d.windows.find((x) => x.entityValue === '10.0.0.18');
      return w?.incidentId;
    });
    assert.equal(new Set(scannerIncidents).size, 1, `scanner windows in incidents ${scannerIncidents.join(', ')}`);
    const news = out.flatMap((d) => d.incidents.filter((i) => i.status === 'new'));
    assert.equal(news.length, 1);
    // Each slice's account joins the scanner's incident.
    const last = out[5].incidents.find((i) => i.id === scannerIncidents[0]);
    assert.ok(last?.entities.includes('user=host5'));
  });

  it('never sends more than alerts_per_day new incidents a day, quiet slices none; the rest read cut 100', () => {
    const tracker = new IncidentTracker({ alertsPerDay: 3 });
    let news = 0;
    for (let k = 1; k <= 20; k++) {
      const end = T0 + k * M15;
      // Each louder than the last, so the learned threshold (today's strongest so far) never holds them back: the cap does.
      const d = tracker.step({ start: end - H, end, windows: [...crowd(20, end), user(`loud${k}`, 4.5 + 0.15 * k, end)] });
      news += d.incidents.filter((i) => i.status === 'new').length;
      if (k > 3) {
        const w = d.windows.find((x) => x.entityValue === `loud${k}`);
        assert.equal(w?.cut, 100);
        assert.equal(w?.isAlert, false);
      }
    }
    assert.equal(news, 3);
    // The same loudness again the next hour does not alert: it is no longer unusual today.
    const again = new IncidentTracker({ alertsPerDay: 3 });
    const first = again.step({ start: T0, end: T0 + H, windows: [...crowd(20, T0 + H), user('a', 7, T0 + H)] });
    const second = again.step({ start: T0 + H, end: T0 + 2 * H, windows: [...crowd(20, T0 + 2 * H), user('b', 7, T0 + 2 * H)] });
    assert.deepEqual([first.incidents[0].status, second.incidents[0].status], ['new', 'open']);
    const quiet = new IncidentTracker().step({ start: T0, end: T0 + H, windows: crowd(100, T0 + H) });
    assert.equal(quiet.incidents.filter((i) => i.status === 'new').length, 0);
  });

  it('a warming-up window never reads critical', () => {
    const d = new IncidentTracker().step({
      start: T0,
      end: T0 + H,
      windows: [user('x', 30, T0 + H, [], 'auth-by-user', { warmingUp: true })],
    });
    assert.equal(d.windows[0].warmingUp, true);
    assert.ok(d.windows[0].score <= 89.9);
    assert.notEqual(d.windows[0].severity, 'critical');
  });

  it('a weekly burst alerts the first time and not a week later; a first-seen burst still alerts then', () => {
    const tracker = new IncidentTracker();
    const alertsAt = (end: number, who: string): boolean => {
      const d = tracker.step({ start: end - H, end, windows: [...crowd(20, end), user(who, 7, end, [], 'backup')] });
      return d.incidents.some((i) => i.status === 'new');
    };
    // Quiet slices in between so days advance.
    const week = 7 * 24 * H;
    const burst = T0 + 2 * H;
    assert.equal(alertsAt(burst, 'svc-backup'), true);
    for (let k = 1; k < 7 * 24; k += 3) tracker.step({ start: burst + k * H - H, end: burst + k * H, windows: crowd(20, burst + k * H) });
    assert.equal(alertsAt(burst + week, 'svc-backup'), false);
    assert.equal(alertsAt(burst + week + 3 * H, 'svc-new-thing'), true);
  });

  it('benign recurrence excuses a score at its usual level fully and a score far above it hardly at all', () => {
    assert.equal(recurrenceDiscounted(3, 0), 3);
    assert.equal(recurrenceDiscounted(-1, 4), -1);
    assert.equal(recurrenceDiscounted(3, 4), 0);
    assert.equal(recurrenceDiscounted(4, 4), 0);
    // Twice the usual level loses a quarter of the usual level.
    assert.equal(recurrenceDiscounted(8, 4), 7);
    // A rare process (6.2) on a host that is often somewhat unusual (3.3) stays above the floor (4);
    // subtracting the usual level outright left 2.9 and hid it.
    assert.ok(recurrenceDiscounted(6.2, 3.3) > 5.2);
    // Just above the usual level: mostly excused.
    assert.ok(recurrenceDiscounted(4.4, 4) < 1.2);
  });

  it('a weekly burst of its usual size stays quiet; the same job suddenly doing far more alerts', () => {
    const tracker = new IncidentTracker();
    const week = 7 * 24 * H;
    const burst = T0 + 2 * H;
    const alertsAt = (end: number, fused: number): boolean =>
      tracker
        .step({ start: end - H, end, windows: [...crowd(20, end), user('svc-backup', fused, end, [], 'backup')] })
        .incidents.some((i) => i.status === 'new');
    const quietWeek = (from: number): void => {
      for (let k = 1; k < 7 * 24; k += 3) tracker.step({ start: from + k * H - H, end: from + k * H, windows: crowd(20, from + k * H) });
    };
    assert.equal(alertsAt(burst, 7), true);
    quietWeek(burst);
    assert.equal(alertsAt(burst + week, 7.5), false);
    quietWeek(burst + week);
    assert.equal(alertsAt(burst + 2 * week, 16), true);
  });

  it('state round-trips through JSON: a restored tracker decides exactly as the original', () => {
    const a = new IncidentTracker();
    const ends = Array.from({ length: 30 }, (_, k) => T0 + (k + 1) * M15);
    const slices = ends.map((e, k) => [...crowd(20, e), ...(k % 5 === 0 ? [ip(`198.51.100.${k}`, 6 + (k % 3), e, ['u1'])] : [])]);
    run(a, slices.slice(0, 15), ends.slice(0, 15));
    const b = IncidentTracker.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    assert.deepEqual(run(b, slices.slice(15), ends.slice(15)), run(a, slices.slice(15), ends.slice(15)));
    assert.throws(() => IncidentTracker.fromJSON({ version: 99 }), /incident state: version/);
    assert.throws(() => a.step({ start: T0, end: T0 + M15, windows: [] }), /not after the last one/);
  });
});
