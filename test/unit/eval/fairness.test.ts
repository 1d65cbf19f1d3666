import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_SEGMENT, segmentOfWindow, SegmentLookup } from '../../../src/anomaly/segment.js';
import { FairnessCollector, formatFairness } from '../../../src/eval/fairness.js';
import { parseLabels } from '../../../src/eval/labels.js';
import type { ScoredWindow } from '../../../src/eval/scored-window.js';
import { fairnessSection } from '../../../src/eval/report/suite-report.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-05T00:00:00Z');

function win(
  entity: string,
  start: number,
  incident?: string,
  alerted = false,
  field = 'user.name',
  related: ScoredWindow['related'] = { ip: [], user: [], hosts: [] },
): ScoredWindow {
  return {
    job: 'auth',
    entityField: field,
    entity,
    start,
    end: start + H,
    related,
    scores: { ensemble: 0, rules: 0, zscore: 0, iforest: 0 },
    components: {},
    score100: 0,
    isAlert: false,
    narrative: '',
    ...(incident ? { incident, incidentAlerted: alerted } : {}),
  };
}

function lookup(): SegmentLookup {
  return SegmentLookup.parse(
    [
      { field: 'user.name', value: 'f1', attributes: { department: 'finance' } },
      { field: 'user.name', value: 'f2', attributes: { department: 'finance' } },
      ...Array.from({ length: 8 }, (_, i) => ({ field: 'user.name', value: `s${i}`, attributes: { department: 'sales' } })),
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
}

describe('fairness table', () => {
  it('reads the lookup and names the bad line and the fix', () => {
    const l = lookup();
    assert.equal(l.size, 10);
    assert.equal(l.attribute('department', 'f1', 'user.name'), 'finance');
    assert.equal(l.attribute('department', 'f1', 'host.name'), undefined);
    assert.throws(
      () => SegmentLookup.parse('{"field":"user.name","value":"a","attributes":{}}\n{"field":"user.name"}', 'dir.ndjson'),
      /dir\.ndjson line 2: value: .*each line must be/,
    );
    assert.throws(() => SegmentLookup.parse('nope'), /fairness\.lookup line 1: not JSON/);
  });

  it('segments a window by its entity, else its first related user, else (none)', () => {
    const l = lookup();
    assert.equal(segmentOfWindow(win('f1', T0), 'department', l), 'finance');
    assert.equal(
      segmentOfWindow(win('10.0.0.9', T0, undefined, false, 'source.ip', { ip: [], user: ['x', 's3'], hosts: [] }), 'department', l),
      'sales',
    );
    assert.equal(segmentOfWindow(win('10.0.0.9', T0, undefined, false, 'source.ip'), 'department', l), NO_SEGMENT);
  });

  it('counts alerts per 100 entities a day, false ones apart, attacks per segment, and flags the over-flagged segment', () => {
    // 2 finance and 8 sales users active over one scored day. Finance: 6 false alerts; sales: 4
    // false alerts and 1 true one (the brute force on s0, caught).
    const windows: ScoredWindow[] = [];
    const alerts = [];
    for (const u of ['f1', 'f2', ...Array.from({ length: 8 }, (_, i) => `s${i}`)]) windows.push(win(u, T0));
    for (let k = 0; k < 6; k++) {
      windows.push(win(k % 2 ? 'f1' : 'f2', T0 + (k + 1) * H, `F${k}`, true));
      alerts.push({
        id: `F${k}`,
        incident: `F${k}`,
        at: T0 + (k + 2) * H,
        firstStart: T0 + (k + 1) * H,
        root: `user=${k % 2 ? 'f1' : 'f2'}`,
      });
    }
    for (let k = 0; k < 5; k++) {
      windows.push(win(`s${k}`, T0 + (k + 1) * H, `S${k}`, true));
      alerts.push({ id: `S${k}`, incident: `S${k}`, at: T0 + (k + 2) * H, firstStart: T0 + (k + 1) * H, root: `user=s${k}` });
    }
    const labels = parseLabels([
      JSON.stringify({
        scenario: 'brute_force',
        technique: 'T1110',
        entity: { field: 'user.name', value: 's0' },
        start: new Date(T0 + H).toISOString(),
        end: new Date(T0 + 2 * H).toISOString(),
      }),
    ]);
    const c = new FairnessCollector('department');
    c.add({ name: 'w', windows, alerts, labels, scoreFrom: T0, scoreTo: T0 + 24 * H, lookup: lookup() });
    const t = c.table();
    const [sales, finance] = t.rows;
    assert.equal(sales.segment, 'sales');
    assert.deepEqual([sales.entities, sales.entityDays, sales.alerted, sales.falseAlerts, sales.attacks, sales.caught], [8, 8, 5, 4, 1, 1]);
    assert.deepEqual(
      [finance.entities, finance.entityDays, finance.alerted, finance.falseAlerts, finance.attacks, finance.caught],
      [2, 2, 6, 6, 0, 0],
    );
    // Finance: 6 false / 2 entity-days = 300 per 100 a day; sales: 4 / 8 = 50 → ratio 6.
    assert.equal(finance.falseRate, 300);
    assert.equal(sales.falseRate, 50);
    assert.equal(finance.falseRatio, 6);
    assert.equal(finance.alertRatio, 300 / 62.5);
    assert.equal(finance.overFlagged, true);
    assert.equal(sales.overFlagged, false);
    assert.deepEqual(t.overFlagged, ['finance']);
    const text = formatFairness(t);
    assert.match(text, /finance\s+2\s+6\s+300\.00\s+4\.80\s+6\s+300\.00\s+6\.00\s+0\/0 {2}OVER-FLAGGED/);
    assert.match(text, /over-flagged \(false-flag rate > 1\.5× the rest's, ≥ 5 false flags\): finance/);
    assert.match(fairnessSection(t), /Over-flagged: finance/);
  });

  it('does not flag a segment under the count threshold, however high its ratio', () => {
    const windows = [win('f1', T0), win('s1', T0), win('f1', T0 + H, 'A', true)];
    const c = new FairnessCollector('department');
    c.add({
      name: 'w',
      windows,
      alerts: [{ id: 'A', at: T0 + 2 * H, firstStart: T0 + H, root: 'user=f1', incident: 'A' }],
      labels: [],
      scoreFrom: T0,
      scoreTo: T0 + 24 * H,
      lookup: lookup(),
    });
    const finance = c.table().rows.find((r) => r.segment === 'finance');
    assert.equal(finance?.falseAlerts, 1);
    assert.equal(finance?.falseRatio, null);
    assert.equal(finance?.overFlagged, false);
  });
});
