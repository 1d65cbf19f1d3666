/**
 * Parity: the aggregation executor (pushed down to the real engine) and the memory executor
 * (in process) compute the same features for the same events, on both engines.
 *
 * The event set exercises every feature kind, nested and flat dotted fields, arrays, non-canonical
 * IPv6, numeric strings, events outside the window or the filter, events without an entity, and
 * mistyped values (indexed with ignore_malformed, so the engine keeps the event and records the
 * field in _ignored — as the memory executor counts it and leaves the value out).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectEngine } from '../../src/engine/connect.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { clusterSchema } from '../../src/config/cluster.js';
import { AggregationExecutor } from '../../src/features/aggregation-executor.js';
import { MemoryExecutor } from '../../src/features/memory-executor.js';
import {
  baselineFromRecord,
  type EntityWindow,
  type FeatureLimits,
  type WindowRequest,
  type WindowResult,
} from '../../src/features/executor.js';
import { parseFeatureSpecs } from '../../src/config/feature-spec.js';
import { testEngines, uniquePrefix } from './engines.js';
import { mulberry32 } from '../../src/models/random.js';

const HOUR = 3_600_000;
// Saturday 2024-03-09 20:00 UTC → Sunday 12:00 UTC: a weekend, and New York's switch to daylight time (07:00 UTC).
const START = Date.parse('2024-03-09T20:00:00Z');
const END = START + 16 * HOUR;

const rng = mulberry32;

/** Generated events; `indexable` is false for events the engine would refuse (bad time). */
function generateEvents(n: number): { doc: JsonObject; indexable: boolean }[] {
  const r = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const users = Array.from({ length: 12 }, (_, i) => `user${i}`);
  const hosts = ['web-1', 'web-2', 'db-1', 'jump', 'laptop-7', 'dc-01'];
  const ips = [
    '10.0.0.9',
    '10.0.0.10',
    '10.0.1.1',
    '192.168.1.20',
    '172.16.5.4',
    '2001:0DB8:0:0::5',
    '2001:db8::a',
    '::ffff:10.9.9.9',
    '8.8.8.8',
  ];
  const countries = ['US', 'DE', 'FR', 'RU', 'BR', 'JP'];
  const actions = ['logon', 'logoff', 'sudo', 'password-change', 'mfa'];
  const dests = ['203.0.113.5', '203.0.113.6', '198.51.100.7'];
  const out: { doc: JsonObject; indexable: boolean }[] = [];
  for (let i = 0; i < n; i++) {
    const user = users[Math.min(users.length - 1, Math.floor(r() * r() * users.length * 1.3))];
    // Mostly inside the window, some just outside on both sides.
    const t = START - HOUR + Math.floor(r() * (END - START + 2 * HOUR));
    const style = i % 4;
    const timestamp: string | number =
      style === 0
        ? t
        : style === 1
          ? new Date(t).toISOString()
          : style === 2
            ? new Date(t + 2 * HOUR).toISOString().replace('Z', '+02:00')
            : new Date(t)
                .toISOString()
                .replace(/\.\d{3}Z$/, '.123456Z')
                .replace(/\.123456Z$/, `.${String(t % 1000).padStart(3, '0')}456Z`);
    const doc: JsonObject = { '@timestamp': timestamp };
    const nested = r() < 0.5;
    // Entity: nested or flat, sometimes two users, sometimes none.
    const u = r();
    const userValue = u < 0.03 ? undefined : u < 0.06 ? [user, pick(users)] : user;
    if (userValue !== undefined) {
      if (nested) doc.user = { name: userValue };
      else doc['user.name'] = userValue;
    }
    const category = r() < 0.9 ? 'authentication' : 'network';
    doc.event = {
      category,
      outcome: r() < 0.25 + (user === 'user3' ? 0.5 : 0) ? 'failure' : 'success',
      action: r() < 0.01 ? 'heartbeat' : pick(actions),
    };
    const host = pick(hosts);
    if (r() < 0.95) doc['host.name'] = r() < 0.05 ? [host, pick(hosts)] : host;
    const ipRoll = r();
    const sourceIp: JsonObject[string] = ipRoll < 0.03 ? 'not-an-ip' : ipRoll < 0.06 ? [pick(ips), pick(ips)] : pick(ips);
    const bytesRoll = r();
    const bytes: JsonObject[string] =
      bytesRoll < 0.03
        ? 'lots'
        : bytesRoll < 0.1
          ? String(Math.floor(r() * 5000))
          : bytesRoll < 0.14
            ? [100, 200, 200]
            : bytesRoll < 0.2
              ? null
              : Math.floor(r() * 10_000);
    const country = pick(countries);
    if (nested) doc.source = { ip: sourceIp, bytes, geo: { country_iso_code: country } };
    else {
      doc['source.ip'] = sourceIp;
      doc['source.bytes'] = bytes;
      doc.source = { 'geo.country_iso_code': country };
    }
    doc.destination = { ip: pick(dests), port: pick([22, 443, 3389, '8080']) };
    let indexable = true;
    if (i % 211 === 0) {
      doc['@timestamp'] = 'yesterday';
      indexable = false;
    }
    if (i % 223 === 0) {
      delete doc['@timestamp'];
      indexable = false;
    }
    out.push({ doc, indexable });
  }
  return out;
}

const MAPPINGS: JsonObject = {
  dynamic: 'strict',
  properties: {
    '@timestamp': { type: 'date' },
    user: { properties: { name: { type: 'keyword' } } },
    host: { properties: { name: { type: 'keyword' } } },
    event: { properties: { category: { type: 'keyword' }, outcome: { type: 'keyword' }, action: { type: 'keyword' } } },
    source: {
      properties: {
        ip: { type: 'ip', ignore_malformed: true },
        bytes: { type: 'long', ignore_malformed: true },
        geo: { properties: { country_iso_code: { type: 'keyword' } } },
      },
    },
    destination: { properties: { ip: { type: 'ip', ignore_malformed: true }, port: { type: 'long', ignore_malformed: true } } },
  },
};

const FEATURES = parseFeatureSpecs([
  { kind: 'count', name: 'attempts' },
  { kind: 'count', name: 'failures', where: { 'event.outcome': 'failure' }, technique: 'T1110', label: 'failed logins' },
  { kind: 'ratio', name: 'failure_ratio', where: { 'event.outcome': 'failure' } },
  { kind: 'count', name: 'sudo_or_mfa_failures', where: { 'event.outcome': 'failure', 'event.action': ['sudo', 'mfa'] } },
  { kind: 'distinct_count', name: 'distinct_ips', field: 'source.ip' },
  { kind: 'distinct_count', name: 'distinct_hosts_ok', field: 'host.name', where: { 'event.outcome': 'success' } },
  { kind: 'entropy', name: 'country_entropy', field: 'source.geo.country_iso_code' },
  { kind: 'entropy', name: 'host_entropy_failed', field: 'host.name', where: { 'event.outcome': 'failure' } },
  { kind: 'sum', name: 'bytes', field: 'source.bytes' },
  { kind: 'max', name: 'bytes_max', field: 'source.bytes' },
  { kind: 'mean', name: 'bytes_mean', field: 'source.bytes' },
  { kind: 'sum', name: 'bytes_failed', field: 'source.bytes', where: { 'event.outcome': 'failure' } },
  { kind: 'off_hours_share', name: 'off_hours_utc' },
  { kind: 'off_hours_share', name: 'off_hours_ny', timezone: 'America/New_York', weekends_off: false },
  { kind: 'off_hours_share', name: 'off_hours_kolkata', timezone: 'Asia/Kolkata', work_start_hour: 9, work_end_hour: 17 },
  { kind: 'burst', name: 'burst_minute' },
  { kind: 'burst', name: 'burst_5m', interval_seconds: 300 },
  { kind: 'burst', name: 'burst_7s', interval_seconds: 7 },
  { kind: 'first_seen', name: 'new_countries', field: 'source.geo.country_iso_code' },
  { kind: 'first_seen', name: 'new_ips', field: 'source.ip' },
  { kind: 'hour_of_day', name: 'hour_utc' },
  { kind: 'hour_of_day', name: 'hour_ny', timezone: 'America/New_York' },
]);

const APPROXIMATE = new Set(['country_entropy', 'host_entropy_failed', 'bytes_mean', 'hour_utc', 'hour_ny', 'user_entropy']);

const BASELINE = baselineFromRecord({
  user0: { 'source.geo.country_iso_code': ['US', 'DE'], 'source.ip': ['10.0.0.9', '2001:db8::5'] },
  user1: { 'source.geo.country_iso_code': ['US', 'DE', 'FR', 'RU', 'BR'] },
  'user2|web-1': { 'source.geo.country_iso_code': ['JP'] },
});

function request(index: string, overrides: Partial<WindowRequest> = {}): WindowRequest {
  return {
    index,
    timeField: '@timestamp',
    filter: { bool: { filter: [{ term: { 'event.category': 'authentication' } }], must_not: [{ term: { 'event.action': 'heartbeat' } }] } },
    entityFields: ['user.name'],
    start: START,
    end: END,
    features: FEATURES,
    categoricalFields: ['source.ip', 'host.name', 'source.geo.country_iso_code', 'destination.port'],
    baseline: BASELINE,
    sequenceField: 'event.action',
    periodicityField: 'destination.ip',
    ...overrides,
  };
}

function assertSameWindows(pushed: WindowResult, memory: WindowResult, label: string): void {
  assert.deepEqual(
    pushed.windows.map((w) => w.entity.value),
    memory.windows.map((w) => w.entity.value),
    `${label}: same entities`,
  );
  for (let i = 0; i < memory.windows.length; i++) {
    const p = pushed.windows[i];
    const m = memory.windows[i];
    const where = `${label} ${m.entity.value}`;
    assert.equal(p.eventCount, m.eventCount, `${where}: eventCount`);
    assert.deepEqual(p.entityValues, m.entityValues, `${where}: entityValues`);
    assert.deepEqual(Object.keys(p.features).sort(), Object.keys(m.features).sort(), `${where}: feature names`);
    for (const [name, value] of Object.entries(m.features)) {
      if (APPROXIMATE.has(name)) {
        const tolerance = 1e-9 * Math.max(1, Math.abs(value));
        assert.ok(Math.abs(p.features[name] - value) <= tolerance, `${where}: ${name} pushed ${p.features[name]} vs memory ${value}`);
      } else {
        assert.equal(p.features[name], value, `${where}: ${name}`);
      }
    }
    assert.deepEqual(p.categorical, m.categorical, `${where}: categorical`);
    assert.deepEqual(p.firstSeen, m.firstSeen, `${where}: firstSeen`);
    assert.deepEqual(p.related, m.related, `${where}: related`);
    assert.deepEqual(p.actions, m.actions, `${where}: actions`);
    assert.deepEqual(p.arrivals, m.arrivals, `${where}: arrivals`);
  }
  const withoutTime = (r: WindowResult) =>
    Object.fromEntries(
      Object.entries(r.fieldIssues.toJSON())
        .filter(([f]) => f !== '@timestamp')
        .map(([f, c]) => [f, { missing: c.missing, mistyped: c.mistyped }]),
    );
  assert.deepEqual(withoutTime(pushed), withoutTime(memory), `${label}: field issues`);
}

const engines = await testEngines();
const events = generateEvents(3000);
const memory = new MemoryExecutor(events.map((e) => e.doc));

for (const e of engines) {
  describe(`features parity on ${e.label}`, () => {
    let engine: Engine;
    let pushdown: AggregationExecutor;
    const index = `${uniquePrefix('features')}-events`;

    before(async () => {
      engine = await connectEngine(clusterSchema.parse({ flavour: e.flavour, urls: [e.url] }));
      await createIndex(e.url, index);
      const docs = events.filter((x) => x.indexable).map((x) => x.doc);
      for (let i = 0; i < docs.length; i += 1000) {
        const result = await engine.bulk(docs.slice(i, i + 1000).map((document) => ({ action: 'index' as const, index, document })));
        assert.equal(result.failed, 0, `bulk: ${JSON.stringify(result.items.find((x) => !x.ok)?.error)}`);
      }
      await engine.refresh(index);
      pushdown = new AggregationExecutor(engine);
    });

    after(async () => {
      await engine?.deleteIndex(index);
      await engine?.close();
    });

    test('one entity field: every feature kind, categorical values, sequences and field issues agree', async () => {
      const req = request(index);
      const [p, m] = [await pushdown.computeWindow(req), await memory.computeWindow(req)];
      assert.ok(m.windows.length >= 10, `expected most of the 12 users, got ${m.windows.length}`);
      assert.ok(m.windows.some((w) => w.features.new_countries > 0) && m.windows.some((w) => (w.features.failures ?? 0) > 0));
      // The generated data holds every kind of issue the memory executor can see.
      const issues = m.fieldIssues.toJSON();
      assert.ok(issues['source.ip'].mistyped > 0 && issues['source.bytes'].mistyped > 0 && issues['user.name'].missing > 0);
      assert.ok(issues['@timestamp'].missing > 0 && issues['@timestamp'].mistyped > 0);
      assertSameWindows(p, m, e.label);
    });

    test('two entity fields (user|host) agree', async () => {
      const req = request(index, { entityFields: ['user.name', 'host.name'], sequenceField: undefined, periodicityField: undefined });
      const [p, m] = [await pushdown.computeWindow(req), await memory.computeWindow(req)];
      assert.ok(m.windows.length > 30);
      assert.ok(m.windows.every((w) => w.entity.value === `${w.entityValues['user.name']}|${w.entityValues['host.name']}`));
      assertSameWindows(p, m, `${e.label} user|host`);
    });

    test('partitions: each executor covers every entity exactly once, and they agree per partition', async () => {
      const whole = await memory.computeWindow(request(index));
      const seen: string[] = [];
      for (let index_ = 0; index_ < 3; index_++) {
        const req = request(index, { partition: { index: index_, count: 3 } });
        const [p, m] = [
          await new AggregationExecutor(engine, { keyBatchSize: 2, streamPageSize: 50 }).computeWindow(req),
          await memory.computeWindow(req),
        ];
        assertSameWindows(p, m, `${e.label} partition ${index_}/3`);
        seen.push(...m.windows.map((w) => w.entity.value));
        if (index_ > 0) assert.ok(m.fieldIssues.empty && p.fieldIssues.empty, 'only partition 0 reports field issues');
      }
      assert.deepEqual(seen.sort(), whole.windows.map((w) => w.entity.value).sort());
    });

    test('small caps (terms beyond the cap, entropy tail, truncated related) and tiny pages agree', async () => {
      const limits: Partial<FeatureLimits> = { termsCap: 3, relatedCap: 2, maxActions: 5, maxDestinations: 2, maxArrivals: 4 };
      const req = request(index);
      const [p, m] = [
        await new AggregationExecutor(engine, { limits, maxPageSize: 3, streamPageSize: 97 }).computeWindow(req),
        await new MemoryExecutor(
          events.map((x) => x.doc),
          { limits },
        ).computeWindow(req),
      ];
      assert.ok(m.windows.some((w) => w.categorical['source.ip'].length === 3));
      assert.ok(m.windows.every((w) => (w.actions?.length ?? 0) <= 5));
      assertSameWindows(p, m, `${e.label} capped`);
    });

    test('a text field is refused before any aggregation, naming the fix', async () => {
      const textIndex = `${index}-text`;
      const response = await fetch(`${e.url}/${textIndex}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          mappings: { properties: { '@timestamp': { type: 'date' }, user: { properties: { name: { type: 'text' } } } } },
        }),
      });
      assert.equal(response.status, 200);
      try {
        await assert.rejects(
          new AggregationExecutor(engine).computeWindow(request(textIndex)),
          /field user.name \(entity_fields\) is text without a keyword sub-field, .*add the multi-field "fields": \{"keyword": \{"type": "keyword"\}\} and reindex/,
        );
      } finally {
        await engine.deleteIndex(textIndex);
      }
    });

    test('dynamic mapping (text + .keyword) and entity fallbacks: same features as in memory, skipped events counted', async () => {
      // No template: every string becomes text with a keyword sub-field, as Logstash / Fluent Bit indices have it.
      const dynamicIndex = `${index}-dynamic`;
      const r = rng(11);
      const docs: JsonObject[] = Array.from({ length: 400 }, (_, i) => {
        const host = ['web-1', 'db-1', 'jump', 'dc-01'][i % 4];
        const doc: JsonObject = {
          '@timestamp': new Date(START + Math.floor(r() * (END - START))).toISOString(),
          user: { name: `user${Math.floor(r() * 6)}` },
          event: {
            category: i % 10 === 0 ? 'network' : 'authentication',
            outcome: r() < 0.3 ? 'failure' : 'success',
            action: ['logon', 'sudo', 'mfa'][i % 3],
          },
          source: { ip: `10.0.0.${i % 7}`, bytes: i * 3 },
        };
        // system/auth carries host.hostname only; auditd has no host at all; one host appears both ways.
        if (i % 5 === 0) doc.host = { hostname: host };
        else if (i % 17 !== 0) doc.host = { name: host };
        return doc;
      });
      const response = await fetch(`${e.url}/${dynamicIndex}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 } }),
      });
      assert.equal(response.status, 200);
      try {
        const result = await engine.bulk(docs.map((document) => ({ action: 'index' as const, index: dynamicIndex, document })));
        assert.equal(result.failed, 0);
        await engine.refresh(dynamicIndex);
        const caps = await engine.fieldCaps(dynamicIndex, ['user.name', 'user.name.keyword']);
        assert.deepEqual(
          caps.map((c) => c.types.join('/')),
          ['text', 'keyword'],
          'dynamically mapped',
        );
        const req: WindowRequest = {
          index: dynamicIndex,
          timeField: '@timestamp',
          filter: { term: { 'event.category': 'authentication' } },
          entityFields: ['host.name'],
          entityFallbacks: { 'host.name': ['host.hostname'] },
          start: START,
          end: END,
          features: parseFeatureSpecs([
            { kind: 'count', name: 'attempts' },
            { kind: 'count', name: 'failures', where: { 'event.outcome': 'failure' } },
            { kind: 'distinct_count', name: 'users', field: 'user.name' },
            { kind: 'entropy', name: 'user_entropy', field: 'user.name' },
            { kind: 'sum', name: 'bytes', field: 'source.bytes' },
            { kind: 'first_seen', name: 'new_ips', field: 'source.ip' },
          ]),
          categoricalFields: ['user.name'],
          sequenceField: 'event.action',
        };
        const [p, m] = [await new AggregationExecutor(engine).computeWindow(req), await new MemoryExecutor(docs).computeWindow(req)];
        assertSameWindows(p, m, `${e.label} dynamic`);
        assert.deepEqual(
          p.windows.map((w) => w.entity.value),
          ['db-1', 'dc-01', 'jump', 'web-1'],
        );
        // Hand count: 400 events, every 10th is network (filtered out); of the rest, i % 17 == 0 and not i % 5 == 0 have no host.
        const skipped = docs.filter((_, i) => i % 10 !== 0 && i % 5 !== 0 && i % 17 === 0).length;
        assert.equal(p.skippedNoEntity, skipped);
        assert.equal(m.skippedNoEntity, skipped);
        assert.equal(
          p.windows.reduce((n, w) => n + w.eventCount, 0),
          360 - skipped,
        );
      } finally {
        await engine.deleteIndex(dynamicIndex);
      }
    });

    test('a window with no events yields no entities', async () => {
      const req = request(index, { start: END + 10 * HOUR, end: END + 11 * HOUR });
      const p = await pushdown.computeWindow(req);
      assert.deepEqual(p.windows, []);
      assert.deepEqual((await memory.computeWindow(req)).windows, []);
    });
  });
}

/** Test fixture: the port has no "create index" (Vigil never creates source indices), so plain HTTP. */
async function createIndex(url: string, index: string): Promise<void> {
  const response = await fetch(`${url}/${index}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: MAPPINGS }),
  });
  assert.equal(response.status, 200, `create ${index}: ${await response.text()}`);
}

export type { EntityWindow };
