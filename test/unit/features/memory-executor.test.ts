import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../src/engine/engine.js';
import { baselineFromRecord, type WindowRequest } from '../../../src/features/executor.js';
import { MemoryExecutor, WindowAccumulator } from '../../../src/features/memory-executor.js';
import { partitionOf, stableHash } from '../../../src/features/partition.js';
import { parseFeatureSpecs, type FeatureSpecInput } from '../../../src/config/feature-spec.js';

const T0 = Date.UTC(2024, 2, 4, 0, 0, 0); // Monday 2024-03-04 00:00 UTC
const MIN = 60_000;
const HOUR = 60 * MIN;

function req(features: FeatureSpecInput[], overrides: Partial<WindowRequest> = {}): WindowRequest {
  return {
    index: 'ignored',
    timeField: '@timestamp',
    entityFields: ['user.name'],
    start: T0,
    end: T0 + 24 * HOUR,
    features: parseFeatureSpecs(features),
    categoricalFields: [],
    ...overrides,
  };
}

function ev(user: string, t: number, extra: JsonObject = {}): JsonObject {
  return { '@timestamp': new Date(t).toISOString(), user: { name: user }, ...extra };
}

async function one(events: JsonObject[], r: WindowRequest) {
  const { windows, fieldIssues } = await new MemoryExecutor(events).computeWindow(r);
  return { windows, fieldIssues, byEntity: Object.fromEntries(windows.map((w) => [w.entity.value, w])) };
}

describe('memory executor: hand-computed features', () => {
  test('count, where-filters (array values = OR, several fields = AND, array field = any), ratio', async () => {
    const events = [
      ev('alice', T0, { event: { outcome: 'failure', action: 'logon' } }),
      ev('alice', T0 + 1, { event: { outcome: 'failure', action: 'sudo' } }),
      ev('alice', T0 + 2, { event: { outcome: 'success', action: 'sudo' } }),
      ev('alice', T0 + 3, { event: { outcome: ['success', 'failure'], action: 'mfa' } }),
    ];
    const { byEntity } = await one(
      events,
      req([
        { kind: 'count', name: 'n' },
        { kind: 'count', name: 'failures', where: { 'event.outcome': 'failure' } },
        { kind: 'ratio', name: 'failure_ratio', where: { 'event.outcome': 'failure' } },
        { kind: 'count', name: 'sudo_or_mfa_failures', where: { 'event.outcome': 'failure', 'event.action': ['sudo', 'mfa'] } },
      ]),
    );
    assert.deepEqual(byEntity.alice.features, { n: 4, failures: 3, failure_ratio: 0.75, sudo_or_mfa_failures: 2 });
  });

  test('entropy in bits: uniform over 2 and 4 values, and a 3:1 split', async () => {
    const mk = (user: string, values: string[]) => values.map((v, i) => ev(user, T0 + i, { host: { name: v } }));
    const events = [
      ...mk('two', ['a', 'a', 'b', 'b']),
      ...mk('four', ['a', 'b', 'c', 'd']),
      ...mk('skew', ['a', 'a', 'a', 'b']),
      ...mk('one', ['a', 'a']),
    ];
    const { byEntity } = await one(events, req([{ kind: 'entropy', name: 'h', field: 'host.name' }]));
    assert.equal(byEntity.two.features.h, 1);
    assert.equal(byEntity.four.features.h, 2);
    assert.ok(Math.abs(byEntity.skew.features.h - (-(0.75 * Math.log2(0.75)) - 0.25 * Math.log2(0.25))) < 1e-12);
    assert.equal(byEntity.skew.features.h.toFixed(6), '0.811278');
    assert.equal(byEntity.one.features.h, 0);
  });

  test('entropy beyond the terms cap spreads the tail evenly over the unseen values', async () => {
    // 8 distinct values, 1 event each: exact entropy 3 bits; with a cap of 2 the tail (6 events over 6 values) is still uniform.
    const events = 'abcdefgh'.split('').map((v, i) => ev('u', T0 + i, { host: { name: v } }));
    const { windows } = await new MemoryExecutor(events, { limits: { termsCap: 2 } }).computeWindow(
      req([{ kind: 'entropy', name: 'h', field: 'host.name' }]),
    );
    assert.ok(Math.abs(windows[0].features.h - 3) < 1e-12);
  });

  test('distinct count, sum / max / mean with numeric strings, arrays (every value) and mistyped values', async () => {
    const events = [
      ev('u', T0, { source: { ip: '10.0.0.1', bytes: 100 } }),
      ev('u', T0 + 1, { 'source.ip': ['10.0.0.2', '10.0.0.1'], 'source.bytes': '50' }),
      ev('u', T0 + 2, { source: { ip: '::ffff:10.0.0.2', bytes: [10, 10] } }),
      ev('u', T0 + 3, { source: { ip: 'garbage', bytes: 'lots' } }),
      ev('u', T0 + 4, {}),
    ];
    const { byEntity, fieldIssues } = await one(
      events,
      req([
        { kind: 'distinct_count', name: 'ips', field: 'source.ip' },
        { kind: 'sum', name: 'sum', field: 'source.bytes' },
        { kind: 'max', name: 'max', field: 'source.bytes' },
        { kind: 'mean', name: 'mean', field: 'source.bytes' },
      ]),
    );
    assert.deepEqual(byEntity.u.features, { ips: 2, sum: 170, max: 100, mean: 42.5 });
    assert.deepEqual(fieldIssues.toJSON(), {
      'source.bytes': { missing: 1, mistyped: 1, example: '"lots"' },
      'source.ip': { missing: 1, mistyped: 1, example: '"garbage"' },
    });
  });

  test('sum / max / mean of an entity without values are 0, never NaN', async () => {
    const { byEntity } = await one(
      [ev('u', T0)],
      req([
        { kind: 'max', name: 'max', field: 'source.bytes' },
        { kind: 'mean', name: 'mean', field: 'source.bytes' },
      ]),
    );
    assert.deepEqual(byEntity.u.features, { max: 0, mean: 0 });
  });

  test('burst = most events in one epoch-aligned interval', async () => {
    const times = [10, 20, 59, 60, 61, 62, 63, 300].map((s) => T0 + s * 1000);
    const { byEntity } = await one(
      times.map((t) => ev('u', t)),
      req([
        { kind: 'burst', name: 'per_minute' },
        { kind: 'burst', name: 'per_5_minutes', interval_seconds: 300 },
        { kind: 'burst', name: 'per_10s', interval_seconds: 10 },
      ]),
    );
    // Minutes: [0,60) holds 3, [60,120) holds 4, [300,360) holds 1. Five minutes: 7 then 1. Ten seconds: [60,70) holds 4.
    assert.deepEqual(byEntity.u.features, { per_minute: 4, per_5_minutes: 7, per_10s: 4 });
  });

  test('off-hours share in local time: New York across the daylight-saving switch, Kolkata at +05:30, weekends', async () => {
    const at = (iso: string) => ev('u', Date.parse(iso));
    const events = [
      at('2024-03-08T13:30:00Z'), // Fri 08:30 EST (on)  | 19:00 IST (off)  | 13:30 UTC (on)
      at('2024-03-08T12:30:00Z'), // Fri 07:30 EST (off) | 18:00 IST (off)  | 12:30 UTC (on)
      at('2024-03-11T12:30:00Z'), // Mon 08:30 EDT (on, after the switch) | 18:00 IST (off) | on
      at('2024-03-11T03:15:00Z'), // Sun 23:15 EDT (off) | Mon 08:45 IST (off: work starts 09) | Mon 03:15 UTC (off)
      at('2024-03-11T03:45:00Z'), // Sun 23:45 EDT (off) | Mon 09:15 IST (on)  | off
      at('2024-03-09T15:00:00Z'), // Sat 10:00 EST (on when weekends count) | Sat 20:30 IST (off) | Sat (off)
    ];
    const { byEntity } = await one(
      events,
      req(
        [
          { kind: 'off_hours_share', name: 'utc' },
          { kind: 'off_hours_share', name: 'ny', timezone: 'America/New_York', weekends_off: false },
          { kind: 'off_hours_share', name: 'kolkata', timezone: 'Asia/Kolkata', work_start_hour: 9, work_end_hour: 18 },
        ],
        { start: Date.parse('2024-03-08T00:00:00Z'), end: Date.parse('2024-03-12T00:00:00Z') },
      ),
    );
    assert.equal(byEntity.u.features.utc, 3 / 6);
    assert.equal(byEntity.u.features.ny, 3 / 6);
    assert.equal(byEntity.u.features.kolkata, 5 / 6);
  });

  test('hour of day is a circular mean in local time', async () => {
    const at = (user: string, iso: string) => ev(user, Date.parse(iso));
    const { byEntity } = await one(
      [
        at('midnight', '2024-03-04T23:10:00Z'),
        at('midnight', '2024-03-05T01:50:00Z'),
        at('late', '2024-03-04T22:00:00Z'),
        at('late', '2024-03-04T23:00:00Z'),
        at('tokyo', '2024-03-04T00:30:00Z'),
      ],
      req(
        [
          { kind: 'hour_of_day', name: 'h' },
          { kind: 'hour_of_day', name: 'tokyo_h', timezone: 'Asia/Tokyo' },
        ],
        { end: T0 + 48 * HOUR },
      ),
    );
    assert.ok(Math.abs(byEntity.midnight.features.h) < 1e-9 || Math.abs(byEntity.midnight.features.h - 24) < 1e-9);
    assert.ok(Math.abs(byEntity.late.features.h - 22.5) < 1e-9);
    assert.ok(Math.abs(byEntity.tokyo.features.tokyo_h - 9) < 1e-9);
  });

  test('first seen counts values missing from the entity baseline (no baseline: all are new)', async () => {
    const events = [
      ev('alice', T0, { source: { geo: { country_iso_code: 'US' } } }),
      ev('alice', T0 + 1, { source: { geo: { country_iso_code: 'RU' } } }),
      ev('alice', T0 + 2, { source: { geo: { country_iso_code: 'BR' } } }),
      ev('bob', T0, { source: { geo: { country_iso_code: 'US' } } }),
    ];
    const baseline = baselineFromRecord({ alice: { 'source.geo.country_iso_code': ['US', 'DE'] } });
    const { byEntity } = await one(
      events,
      req([{ kind: 'first_seen', name: 'new_countries', field: 'source.geo.country_iso_code' }], {
        baseline,
        categoricalFields: ['source.geo.country_iso_code'],
      }),
    );
    assert.equal(byEntity.alice.features.new_countries, 2);
    assert.deepEqual(byEntity.alice.firstSeen.new_countries, ['BR', 'RU']);
    assert.deepEqual(byEntity.alice.categorical['source.geo.country_iso_code'], ['BR', 'RU', 'US']);
    assert.equal(byEntity.bob.features.new_countries, 1);
  });

  test('two entity fields: "a|b" values and the cross product of multi-valued fields', async () => {
    const events = [
      ev('alice', T0, { host: { name: 'h1' } }),
      ev('alice', T0 + 1, { host: { name: ['h1', 'h2'] } }),
      ev('bob', T0, { 'host.name': 'h1' }),
      ev('carol', T0, {}),
    ];
    const { windows } = await one(events, req([{ kind: 'count', name: 'n' }], { entityFields: ['user.name', 'host.name'] }));
    assert.deepEqual(
      windows.map((w) => [w.entity.value, w.entityValues, w.features.n]),
      [
        ['alice|h1', { 'user.name': 'alice', 'host.name': 'h1' }, 2],
        ['alice|h2', { 'user.name': 'alice', 'host.name': 'h2' }, 1],
        ['bob|h1', { 'user.name': 'bob', 'host.name': 'h1' }, 1],
      ],
    );
  });

  test('partitions cover every entity exactly once, on the stable hash', async () => {
    const events = Array.from({ length: 500 }, (_, i) => ev(`user-${i % 200}`, T0 + i));
    const all = (await new MemoryExecutor(events).computeWindow(req([{ kind: 'count', name: 'n' }]))).windows;
    assert.equal(all.length, 200);
    const seen = new Map<string, number>();
    for (let p = 0; p < 4; p++) {
      const part = (
        await new MemoryExecutor(events).computeWindow(req([{ kind: 'count', name: 'n' }], { partition: { index: p, count: 4 } }))
      ).windows;
      assert.ok(part.length > 20, `partition ${p} has ${part.length} entities`);
      for (const w of part) {
        assert.equal(partitionOf(w.entity.value, 4), p);
        seen.set(w.entity.value, (seen.get(w.entity.value) ?? 0) + 1);
      }
    }
    assert.equal(seen.size, 200);
    assert.ok([...seen.values()].every((n) => n === 1));
    assert.equal(stableHash('alice'), stableHash('alice'));
    await assert.rejects(
      new MemoryExecutor(events).computeWindow(req([], { partition: { index: 4, count: 4 } })),
      /partition index must be in \[0, 4\)/,
    );
  });

  test('window bounds are [start, end), the filter DSL is honoured, unsupported queries are refused', async () => {
    const events = [
      ev('u', T0 - 1),
      ev('u', T0, { event: { category: 'authentication' }, source: { bytes: 5 } }),
      ev('u', T0 + 1, { event: { category: ['authentication', 'iam'] }, source: { bytes: 50 } }),
      ev('u', T0 + 2, { event: { category: 'network' }, source: { bytes: 500 } }),
      ev('u', T0 + 24 * HOUR),
    ];
    const filter = {
      bool: {
        filter: [{ terms: { 'event.category': ['authentication', 'network'] } }],
        must_not: [{ range: { 'source.bytes': { gte: 400 } } }],
      },
    };
    const { byEntity } = await one(events, req([{ kind: 'count', name: 'n' }], { filter }));
    assert.equal(byEntity.u.features.n, 2);
    const timeRange = { range: { '@timestamp': { gte: new Date(T0 + 1).toISOString(), lt: T0 + 3, format: 'epoch_millis' } } };
    assert.equal((await one(events, req([{ kind: 'count', name: 'n' }], { filter: timeRange }))).byEntity.u.features.n, 2);
    await assert.rejects(one(events, req([], { filter: { match: { 'event.category': 'x' } } })), /unsupported query "match"/);
    await assert.rejects(one(events, req([], { filter: { range: { '@timestamp': { gte: 'now-1d' } } } })), /date math/);
  });

  test('categorical values, related.* and ordered actions / arrivals', async () => {
    const events = [
      ev('u', T0 + 2000, {
        event: { action: 'logoff' },
        source: { ip: '10.0.0.2' },
        destination: { ip: '203.0.113.5' },
        host: { name: 'web' },
      }),
      ev('u', T0, { event: { action: 'logon' }, source: { ip: '10.0.0.1' }, destination: { ip: '203.0.113.5' }, host: { name: 'web' } }),
      ev('u', T0, { event: { action: 'audit' }, source: { ip: '10.0.0.1' }, destination: { ip: '198.51.100.7' } }),
      ev('u', T0 + 1000, { event: { action: 'sudo' }, destination: { ip: '203.0.113.5' } }),
    ];
    const { byEntity } = await one(
      events,
      req([], { categoricalFields: ['source.ip', 'event.action'], sequenceField: 'event.action', periodicityField: 'destination.ip' }),
    );
    const w = byEntity.u;
    assert.deepEqual(w.categorical, { 'source.ip': ['10.0.0.1', '10.0.0.2'], 'event.action': ['audit', 'logoff', 'logon', 'sudo'] });
    assert.deepEqual(w.related, { ip: ['10.0.0.1', '10.0.0.2', '198.51.100.7', '203.0.113.5'], user: ['u'], hosts: ['web'] });
    assert.deepEqual(w.actions, ['audit', 'logon', 'sudo', 'logoff']); // by time, ties by name
    assert.deepEqual(w.arrivals, { '203.0.113.5': [T0, T0 + 1000, T0 + 2000], '198.51.100.7': [T0] });
  });

  test('field issues: bad and missing times, missing entities; nothing thrown', async () => {
    const events: unknown[] = [
      ev('u', T0),
      { user: { name: 'u' } },
      { '@timestamp': 'soon', user: { name: 'u' } },
      { '@timestamp': T0 },
      42,
    ];
    const { windows, fieldIssues } = await new MemoryExecutor(events).computeWindow(req([{ kind: 'count', name: 'n' }]));
    assert.equal(windows[0].features.n, 1);
    assert.deepEqual(fieldIssues.toJSON(), {
      '(event)': { missing: 0, mistyped: 1, example: '42' },
      '@timestamp': { missing: 1, mistyped: 1, example: '"soon"' },
      'user.name': { missing: 1, mistyped: 0 },
    });
  });

  test('the accumulator keeps 2,000 entities apart over 60,000 events', () => {
    const acc = new WindowAccumulator(
      req(
        [
          { kind: 'count', name: 'n' },
          { kind: 'count', name: 'failures', where: { 'event.outcome': 'failure' } },
          { kind: 'distinct_count', name: 'ips', field: 'source.ip' },
          { kind: 'entropy', name: 'h', field: 'source.ip' },
          { kind: 'sum', name: 'bytes', field: 'source.bytes' },
          { kind: 'burst', name: 'burst' },
          { kind: 'off_hours_share', name: 'off', timezone: 'Europe/Berlin' },
        ],
        { categoricalFields: ['host.name'] },
      ),
    );
    for (let i = 0; i < 60_000; i++) {
      acc.add({
        '@timestamp': T0 + i * 1400,
        user: { name: `u${i % 2000}` },
        event: { outcome: i % 7 === 0 ? 'failure' : 'success' },
        source: { ip: `10.0.${i % 13}.${i % 17}`, bytes: i % 1000 },
        host: { name: `h${i % 5}` },
      });
    }
    const { windows } = acc.result();
    assert.equal(windows.length, 2000);
    assert.equal(
      windows.reduce((n, w) => n + w.features.n, 0),
      60_000,
    );
    // user u7 sees i = 7, 2007, 4007, …: 30 events, failures where i % 7 == 0 (i = 7 + 2000k, k ≡ 0 mod 7 → k = 0, 7, 14, 21, 28).
    const u7 = windows.find((w) => w.entity.value === 'u7')!;
    assert.equal(u7.features.n, 30);
    assert.equal(u7.features.failures, 5);
    assert.deepEqual(u7.categorical['host.name'], ['h2']);
  });
});
