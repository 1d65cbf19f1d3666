import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jobSchema } from '../../../src/config/job.js';
import { doctorExitCode } from '../../../src/pipeline/doctor.js';
import {
  capabilityFields,
  fieldRequirements,
  renameQueryFields,
  resolveFields as compareFields,
} from '../../../src/features/field-resolution.js';

describe('doctor field checks', () => {
  const job = jobSchema.parse({
    id: 'auth',
    index: 'logs-*',
    entity_fields: ['user.name'],
    categorical_fields: ['source.ip'],
    sequence_field: 'event.action',
    features: [
      { kind: 'count', name: 'failures', where: { 'event.outcome': 'failure' } },
      { kind: 'sum', name: 'bytes', field: 'network.bytes' },
      { kind: 'distinct_count', name: 'hosts', field: 'host.name' },
      { kind: 'hour_of_day', name: 'hour' },
    ],
  });

  it('collects every configured field once, with its role', () => {
    assert.deepEqual(
      fieldRequirements(job).map((r) => `${r.field}:${r.role}`),
      [
        '@timestamp:time_field',
        'user.name:entity_fields',
        'source.ip:categorical_fields',
        'event.action:sequence_field',
        'event.outcome:feature failures (where)',
        'network.bytes:feature bytes',
        'host.name:feature hosts',
        'destination.ip:related',
      ],
    );
  });

  it('checks the fields a preset job reads: time and entity required, the preset inputs as warnings', () => {
    const preset = jobSchema.parse({ id: 'p', index: 'x', preset: 'auth_by_user' });
    const reqs = fieldRequirements(preset);
    const byField = new Map(reqs.map((r) => [r.field, r]));
    assert.equal(byField.get('@timestamp')?.fromPreset, undefined);
    assert.equal(byField.get('user.name')?.role, 'entity_fields');
    assert.equal(byField.get('user.name')?.fromPreset, undefined, 'the entity field is always required');
    assert.equal(byField.get('event.outcome')?.fromPreset, true);
    const { problems, warnings } = compareFields(reqs, [
      { field: '@timestamp', types: ['date'] },
      { field: 'user.name', types: ['keyword'] },
    ]);
    assert.deepEqual(problems, [], 'nothing the job cannot run without is missing');
    assert.ok(
      warnings.some((w) => w.startsWith('field event.outcome') && w.includes("override the preset's features")),
      warnings.join('\n'),
    );
    const missingEntity = compareFields(reqs, [{ field: '@timestamp', types: ['date'] }]);
    assert.ok(missingEntity.problems.includes('field user.name (entity_fields) is not mapped'));
  });

  it('reports missing fields and incompatible types, accepts compatible ones', () => {
    const { ok, problems } = compareFields(fieldRequirements(job), [
      { field: '@timestamp', types: ['date'] },
      { field: 'user.name', types: ['keyword'] },
      { field: 'source.ip', types: ['ip'] },
      { field: 'event.action', types: ['text'] },
      { field: 'event.outcome', types: ['keyword'] },
      { field: 'network.bytes', types: ['keyword'] },
      { field: 'host.name', types: [] },
    ]);
    assert.deepEqual(ok, ['@timestamp date', 'user.name keyword', 'source.ip ip', 'event.outcome keyword']);
    assert.deepEqual(problems, [
      'field event.action (sequence_field) is text without a keyword sub-field, so it cannot be grouped or matched exactly; map it as keyword (an ECS index template does), or add the multi-field "fields": {"keyword": {"type": "keyword"}} and reindex',
      'field network.bytes (feature bytes) is keyword, expected a numeric type',
      'field host.name (feature hosts) is not mapped',
    ]);
  });

  it('reads a dynamically mapped text field through its keyword sub-field, and says so', () => {
    const reqs = fieldRequirements(job);
    assert.ok(capabilityFields(reqs).includes('user.name.keyword'));
    const { ok, problems, names } = compareFields(reqs, [
      { field: '@timestamp', types: ['date'] },
      { field: 'user.name', types: ['text'] },
      { field: 'user.name.keyword', types: ['keyword'] },
      { field: 'source.ip', types: ['text'] },
      { field: 'source.ip.keyword', types: ['keyword'] },
      { field: 'event.action', types: ['keyword'] },
      { field: 'event.outcome', types: ['text'] },
      { field: 'event.outcome.keyword', types: ['keyword'] },
      { field: 'network.bytes', types: ['long'] },
      { field: 'host.name', types: ['text', 'keyword'] },
    ]);
    assert.deepEqual(
      [...names],
      [
        ['user.name', 'user.name.keyword'],
        ['source.ip', 'source.ip.keyword'],
        ['event.outcome', 'event.outcome.keyword'],
      ],
    );
    assert.ok(ok.includes('user.name → user.name.keyword (text with a keyword sub-field)'), ok.join('\n'));
    assert.deepEqual(problems, [
      'field host.name (feature hosts) is text/keyword across the matched indices; give it one type in every index (keyword), e.g. with an index template, and reindex or roll over',
    ]);
    const query = renameQueryFields(
      { bool: { filter: [{ term: { 'event.outcome': 'failure' } }, { exists: { field: 'user.name' } }] } },
      names,
    );
    assert.deepEqual(query, { bool: { filter: [{ term: { 'event.outcome.keyword': 'failure' } }, { exists: { field: 'user.name' } }] } });
  });

  it('accepts an entity field when one of its alternatives is mapped, fails when none is', () => {
    const preset = jobSchema.parse({ id: 'p', index: 'x', preset: 'process_by_host' });
    const reqs = fieldRequirements(preset);
    const entity = reqs.find((r) => r.role === 'entity_fields');
    assert.deepEqual(entity?.alternatives, ['host.name', 'host.hostname']);
    const time = { field: '@timestamp', types: ['date'] };
    const hostnameOnly = compareFields(reqs, [
      time,
      { field: 'host.hostname', types: ['text'] },
      { field: 'host.hostname.keyword', types: ['keyword'] },
    ]);
    assert.deepEqual(hostnameOnly.problems, []);
    assert.equal(hostnameOnly.names.get('host.hostname'), 'host.hostname.keyword');
    assert.deepEqual(compareFields(reqs, [time]).problems, ['none of host.name, host.hostname (entity_fields) is mapped']);
  });

  it('flags a time field that is not a date', () => {
    const { problems } = compareFields(
      [{ field: 't', role: 'time_field', types: ['date', 'date_nanos'] }],
      [{ field: 't', types: ['long'] }],
    );
    assert.deepEqual(problems, ['field t (time_field) is long, expected date']);
  });

  it('fails the run only on failures, not warnings', () => {
    assert.equal(
      doctorExitCode([
        { status: 'ok', message: '' },
        { status: 'warn', message: '' },
      ]),
      0,
    );
    assert.equal(
      doctorExitCode([
        { status: 'ok', message: '' },
        { status: 'fail', message: '' },
      ]),
      1,
    );
  });
});
