import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HubIndex } from '../../../src/incidents/hubs.js';
import { IncidentTracker } from '../../../src/incidents/index.js';
import { ip, user } from './windows.js';

const M15 = 15 * 60_000;
const H = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');
const params = { hubFanIn: 5, hubHalfLifeMs: 24 * H };

/** n users each naming `ip` in related.ip. */
const naming = (n: number, ip: string, prefix = 'u') =>
  Array.from({ length: n }, (_, i) => ({ entity: `user=${prefix}${i}`, related: [`ip=${ip}`] }));

describe('HubIndex', () => {
  it('calls a value a hub when it is usually named by many entities, not when it is named by many only now', () => {
    const hubs = new HubIndex(params);
    // The domain controller: named by 20 users in each of 8 slices.
    for (let k = 1; k <= 8; k++) hubs.observe(T0 + k * M15, naming(20, '10.0.0.1'));
    const t = T0 + 9 * M15;
    assert.ok(Math.abs(hubs.typical('ip=10.0.0.1', t) - 20) < 0.1, String(hubs.typical('ip=10.0.0.1', t)));
    assert.deepEqual([...hubs.hubs(t)], ['ip=10.0.0.1']);
    // A sprayer named by 40 accounts in this slice: the current slice does not count…
    hubs.observe(t, [...naming(20, '10.0.0.1'), ...naming(40, '203.0.113.7', 'v')]);
    // …and one slice of 40 over nine is about 4.4 a slice: below 5, still not a hub.
    const next = t + M15;
    assert.ok(hubs.typical('ip=203.0.113.7', next) < 5);
    assert.ok(!hubs.hubs(next).has('ip=203.0.113.7'));
    assert.ok(hubs.hubs(next).has('ip=10.0.0.1'));
  });

  it('knows no hubs before four slices of history, and round-trips through JSON', () => {
    const hubs = new HubIndex(params);
    for (let k = 1; k <= 3; k++) hubs.observe(T0 + k * M15, naming(50, '10.0.0.1'));
    assert.equal(hubs.hubs(T0 + 4 * M15).size, 0);
    hubs.observe(T0 + 4 * M15, naming(50, '10.0.0.1'));
    assert.equal(hubs.hubs(T0 + 5 * M15).size, 1);
    const copy = new HubIndex(params, JSON.parse(JSON.stringify(hubs.toJSON())) as ReturnType<HubIndex['toJSON']>);
    assert.equal(copy.typical('ip=10.0.0.1', T0 + 5 * M15), hubs.typical('ip=10.0.0.1', T0 + 5 * M15));
  });

  it('forgets values that stop being named (bounded state)', () => {
    const hubs = new HubIndex(params);
    hubs.observe(T0 + M15, naming(3, '10.9.9.9'));
    for (let k = 2; k <= 200; k++) hubs.observe(T0 + k * M15, []);
    assert.deepEqual(hubs.toJSON().values, {});
  });
});

describe('IncidentTracker and hubs', () => {
  /** 24 users log on through the domain controller every slice; in slice 12 the controller itself is anomalous, in 13 a sprayer appears. */
  function play(hubFanIn: number) {
    const tracker = new IncidentTracker({ hubFanIn });
    const users = Array.from({ length: 24 }, (_, i) => `u${i}`);
    const out = [];
    for (let k = 1; k <= 13; k++) {
      const end = T0 + k * M15;
      const windows = [
        ...users.map((u, i) => user(u, -0.5 + (i % 5) / 5, end, k === 13 && i < 6 ? ['10.0.0.1', '203.0.113.7'] : ['10.0.0.1'])),
        ip('10.0.0.1', k === 12 ? 8 : 0.5, end, users),
        ...(k === 13 ? [ip('203.0.113.7', 8, end, users.slice(0, 6))] : []),
      ];
      out.push(tracker.step({ start: end - H, end, windows }));
    }
    return out;
  }

  it('a busy server that is anomalous does not drag every account that used it into its incident', () => {
    const withHubs = play(5)[11];
    const without = play(0)[11];
    const largest = (d: (typeof withHubs)['incidents']) => Math.max(0, ...d.map((i) => i.entities.length));
    // Without hubs the controller lifts all 24 accounts into one incident.
    assert.equal(largest(without.incidents), 25);
    // With hubs it is an incident of its own.
    assert.equal(largest(withHubs.incidents), 1);
  });

  it('a new sprayer still gathers the accounts it tried: it has no history of being named', () => {
    const d = play(5)[12];
    const spray = d.incidents.find((i) => i.root === 'ip=203.0.113.7');
    assert.ok(spray, JSON.stringify(d.incidents.map((i) => i.root)));
    assert.deepEqual(spray.entities, ['ip=203.0.113.7', 'user=u0', 'user=u1', 'user=u2', 'user=u3', 'user=u4', 'user=u5']);
  });
});
