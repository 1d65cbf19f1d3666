import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobSchema } from '../../../src/config/job.js';
import { subAggregations } from '../../../src/features/aggregation-executor.js';
import { compilePlan } from '../../../src/features/plan.js';
import { PRESETS, resolveJob } from '../../../src/features/presets.js';
import { featureSpecSchema, parseFeatureSpecs } from '../../../src/config/feature-spec.js';

describe('feature specs', () => {
  test('defaults are applied and technique / label are kept', () => {
    const [burst, off, hour] = parseFeatureSpecs([
      { kind: 'burst', name: 'b', technique: 'T1110.001', label: 'failed logins per minute' },
      { kind: 'off_hours_share', name: 'o' },
      { kind: 'hour_of_day', name: 'h' },
    ]);
    assert.deepEqual(burst, { kind: 'burst', name: 'b', interval_seconds: 60, technique: 'T1110.001', label: 'failed logins per minute' });
    assert.deepEqual(off, {
      kind: 'off_hours_share',
      name: 'o',
      work_start_hour: 8,
      work_end_hour: 18,
      weekends_off: true,
      timezone: 'UTC',
    });
    assert.deepEqual(hour, { kind: 'hour_of_day', name: 'h', timezone: 'UTC' });
  });

  test('bad specs fail with a message naming the problem', () => {
    const message = (input: unknown) =>
      featureSpecSchema
        .safeParse(input)
        .error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ');
    assert.match(message({ kind: 'count', name: 'n', technique: 'brute force' }) ?? '', /technique: an ATT&CK technique id/);
    assert.match(message({ kind: 'off_hours_share', name: 'o', timezone: 'Mars/Olympus' }) ?? '', /IANA time zone/);
    assert.match(
      message({ kind: 'off_hours_share', name: 'o', work_start_hour: 18, work_end_hour: 8 }) ?? '',
      /work_start_hour must be before/,
    );
    assert.match(message({ kind: 'ratio', name: 'r' }) ?? '', /where/);
    assert.match(message({ kind: 'count', name: 'Failed-Logins' }) ?? '', /snake_case/);
    assert.match(message({ kind: 'count', name: 'n', where: {} }) ?? '', /at least one field/);
    assert.match(message({ kind: 'count', name: 'n', extra: 1 }) ?? '', /extra/);
    assert.throws(
      () =>
        parseFeatureSpecs([
          { kind: 'count', name: 'n' },
          { kind: 'count', name: 'n' },
        ]),
      /used twice/,
    );
  });
});

describe('plan and pushed-down aggregations', () => {
  test('shared where filters, one terms aggregation per field, clock features reuse a fitting histogram', () => {
    const plan = compilePlan({
      index: 'x',
      timeField: '@timestamp',
      entityFields: ['user.name'],
      start: 0,
      end: 3_600_000,
      features: parseFeatureSpecs([
        { kind: 'count', name: 'failures', where: { 'event.outcome': 'failure' } },
        { kind: 'ratio', name: 'failure_ratio', where: { 'event.outcome': ['failure'] } },
        { kind: 'distinct_count', name: 'ips_failed', field: 'source.ip', where: { 'event.outcome': 'failure' } },
        { kind: 'entropy', name: 'h', field: 'source.ip' },
        { kind: 'first_seen', name: 'new_ips', field: 'source.ip' },
        { kind: 'sum', name: 'bytes', field: 'source.bytes' },
        { kind: 'max', name: 'bytes_max', field: 'source.bytes' },
        { kind: 'burst', name: 'burst' },
        { kind: 'off_hours_share', name: 'off' },
      ]),
      categoricalFields: ['source.ip'],
      relatedFields: { ip: ['source.ip'], user: [], hosts: [] },
    });
    assert.equal(plan.wheres.length, 1);
    assert.equal(plan.terms.length, 1);
    assert.deepEqual(plan.terms[0], {
      field: plan.fields.findIndex((f) => f.path === 'source.ip'),
      where: -1,
      size: 1000,
      cardinality: true,
      minCap: 100,
    });
    assert.equal(plan.stats.length, 1);
    assert.deepEqual(plan.histograms, [{ intervalMs: 60_000 }]);
    assert.equal(plan.clockHistogram, 0);
    assert.deepEqual(subAggregations(plan), {
      t0: { terms: { field: 'source.ip', size: 1000, order: [{ _count: 'desc' }, { _key: 'asc' }] } },
      n0: { cardinality: { field: 'source.ip', precision_threshold: 1_000 } },
      s0: { stats: { field: 'source.bytes' } },
      h0: { date_histogram: { field: '@timestamp', fixed_interval: '60s', min_doc_count: 1 } },
      w0: {
        filter: { bool: { filter: [{ term: { 'event.outcome': 'failure' } }] } },
        aggs: { d0: { cardinality: { field: 'source.ip', precision_threshold: 1_000 } } },
      },
    });
  });

  test('a where value that cannot match the field type is refused up front', () => {
    assert.throws(
      () =>
        compilePlan({
          index: 'x',
          timeField: '@timestamp',
          entityFields: ['user.name'],
          start: 0,
          end: 1,
          categoricalFields: [],
          features: parseFeatureSpecs([{ kind: 'count', name: 'n', where: { 'destination.port': 'https' } }]),
        }),
      /destination.port = "https" can never match: destination.port holds long values/,
    );
    assert.throws(
      () =>
        compilePlan({
          index: 'x',
          timeField: '@timestamp',
          entityFields: ['a', 'b', 'c'],
          start: 0,
          end: 1,
          categoricalFields: [],
          features: [],
        }),
      /1 or 2 fields/,
    );
    assert.throws(
      () =>
        compilePlan({ index: 'x', timeField: '@timestamp', entityFields: ['a'], start: 5, end: 5, categoricalFields: [], features: [] }),
      /empty/,
    );
  });
});

describe('presets', () => {
  const job = (extra: Record<string, unknown>) => jobSchema.parse({ id: 'j', index: 'logs-*', ...extra });

  test('every preset is valid, has an event.category filter and ECS fields', () => {
    for (const p of Object.values(PRESETS)) {
      const r = resolveJob(job({ preset: p.name }));
      assert.ok(r.features.length >= 8, `${p.name} has ${r.features.length} features`);
      assert.deepEqual(r.eventCategory, p.eventCategory);
      assert.ok(JSON.stringify(r.filter).includes('event.category'), p.name);
      assert.ok(
        r.features.every((f) => f.label),
        `${p.name}: every preset feature has a label`,
      );
    }
    assert.deepEqual(resolveJob(job({ preset: 'auth_by_user' })).entityFields, ['user.name']);
    assert.deepEqual(resolveJob(job({ preset: 'auth_by_source_ip' })).entityFields, ['source.ip']);
    assert.deepEqual(resolveJob(job({ preset: 'process_by_host' })).entityFields, ['host.name']);
    assert.equal(resolveJob(job({ preset: 'network_by_source' })).periodicityField, 'destination.ip');
    assert.equal(resolveJob(job({ preset: 'auth_by_user' })).sequenceField, 'event.action');
  });

  test('overrides: scalar keys replace, features merge by name, filters are combined', () => {
    const r = resolveJob(
      job({
        preset: 'network_by_source',
        entity_fields: ['host.name'],
        filter: { term: { 'network.direction': 'egress' } },
        categorical_fields: ['destination.ip'],
        features: [
          { kind: 'sum', name: 'bytes_out', field: 'network.bytes' },
          { kind: 'count', name: 'dns_queries', where: { 'network.protocol': 'dns' } },
        ],
      }),
    );
    assert.deepEqual(r.entityFields, ['host.name']);
    assert.deepEqual(r.categoricalFields, ['destination.ip']);
    assert.deepEqual(r.filter, {
      bool: { filter: [{ term: { 'event.category': 'network' } }, { term: { 'network.direction': 'egress' } }] },
    });
    const bytesOut = r.features.find((f) => f.name === 'bytes_out');
    assert.deepEqual(bytesOut, { kind: 'sum', name: 'bytes_out', field: 'network.bytes' });
    assert.equal(r.features.at(-1)?.name, 'dns_queries');
    assert.equal(r.features.length, PRESETS.network_by_source.features.length + 1);
  });

  test('a job without a preset must bring its own entity fields and features', () => {
    assert.throws(() => resolveJob(job({ features: [{ kind: 'count', name: 'n' }] })), /job j: set entity_fields/);
    assert.throws(() => resolveJob(job({ entity_fields: ['user.name'] })), /job j: set features/);
    const r = resolveJob(job({ entity_fields: ['user.name'], features: [{ kind: 'count', name: 'n' }] }));
    assert.equal(r.filter, undefined);
    assert.deepEqual(r.eventCategory, []);
  });
});
