import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabels } from '../../../src/eval/labels.js';
import { formatPeerTable, ruleAlerts, scoreAlerts, vigilAlerts } from '../../../src/eval/peers.js';
import type { ScoredWindow } from '../../../src/eval/scored-window.js';

const FROM = Date.parse('2026-03-04T00:00:00Z');
const TO = FROM + 2 * 86_400_000;
const H = 3_600_000;
const labels = parseLabels([
  '{"scenario":"brute_force","technique":"T1110.001","entity":{"field":"user.name","value":"alice"},"start":"2026-03-04T10:00:00Z","end":"2026-03-04T11:00:00Z"}',
  '{"scenario":"brute_force","technique":"T1110.001","entity":{"field":"source.ip","value":"203.0.113.9"},"start":"2026-03-04T10:00:00Z","end":"2026-03-04T11:00:00Z"}',
  '{"scenario":"beaconing","technique":"T1071.001","entity":{"field":"source.ip","value":"10.20.0.7"},"start":"2026-03-05T01:00:00Z","end":"2026-03-05T09:00:00Z"}',
]);

function win(entity: string, start: number, isAlert: boolean, incident?: string): ScoredWindow {
  return {
    job: 'auth-by-user',
    entityField: 'user.name',
    entity,
    start,
    end: start + H,
    related: { user: [entity], ip: [], hosts: [] },
    scores: { ensemble: 1, rules: 0, zscore: 0, iforest: 0 },
    components: {},
    score100: isAlert ? 95 : 10,
    isAlert,
    narrative: '',
    ...(incident ? { incident } : {}),
  };
}

describe('analyst-level peer scoring', () => {
  it('counts Vigil once per incident id, false when no window of it matches a label', () => {
    const windows = [
      win('alice', FROM + 10 * H, true, 'inc-1'),
      win('alice', FROM + 11 * H, true, 'inc-1'), // same incident, after the attack: still one true incident
      win('bob', FROM + 3 * H, true, 'inc-2'),
      win('bob', FROM + 4 * H, true, 'inc-3'),
      win('carol', FROM + 30 * H, true, 'inc-4'),
      win('dave', FROM + 5 * H, false, 'inc-5'), // not alerted: not an incident
    ];
    const s = scoreAlerts('Vigil', vigilAlerts(windows), labels, FROM, TO);
    assert.equal(s.incidents, 4);
    assert.equal(s.false_incidents, 3);
    assert.equal(s.false_per_day, 1.5);
    assert.equal(s.false_first_day, 2);
    assert.equal(s.attacks_caught, 1);
    assert.equal(s.attacks_scored, 2);
    assert.deepEqual(s.scenarios, { brute_force: { scored: 1, caught: 1 }, beaconing: { scored: 1, caught: 0 } });
  });

  it('counts a rule engine once per (rule · entity, day) and matches labels through related values', () => {
    const m = (rule: string, key: string, ts: number, related: Record<string, string[]> = {}) => ({ rule, key, ts, doc: { related } });
    const matches = [
      m('brute', 'alice', FROM + 10.5 * H),
      m('brute', 'alice', FROM + 10.7 * H),
      m('brute', 'alice', FROM + 20 * H), // same rule · entity · day: the same incident, which is true
      m('new-dest', '10.99.0.1', FROM + 26 * H, { ip: ['10.99.0.1', '10.20.0.7'] }), // related.ip holds the beacon source
      m('new-dest', '10.99.0.1', FROM + 30 * H, { ip: ['10.99.0.1'] }), // day 2 again: same incident
      m('spray', '198.51.100.1', FROM + 2 * H),
    ];
    const s = scoreAlerts('rules', ruleAlerts(matches, FROM), labels, FROM, TO);
    assert.equal(s.incidents, 3);
    assert.equal(s.false_incidents, 1);
    assert.equal(s.attacks_caught, 2);
    assert.match(formatPeerTable([s]), /rules\s+2\/2\s+1\.5\s+0\.5\s+1/);
  });
});
