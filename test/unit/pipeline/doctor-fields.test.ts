import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jobSchema } from '../../../src/config/job.js';
import { compareFields, doctorExitCode, fieldRequirements } from '../../../src/pipeline/doctor.js';

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
      ['@timestamp:time_field', 'user.name:entity_fields', 'source.ip:categorical_fields', 'event.action:sequence_field', 'event.outcome:feature failures (where)', 'network.bytes:feature bytes', 'host.name:feature hosts'],
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
    assert.ok(warnings.some((w) => w.startsWith('field event.outcome') && w.includes("override the preset's features")), warnings.join('\n'));
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
      'field event.action (sequence_field) is text, expected keyword, ip, a number or boolean',
      'field network.bytes (feature bytes) is keyword, expected a numeric type',
      'field host.name (feature hosts) is not mapped',
    ]);
  });

  it('flags a time field that is not a date', () => {
    const { problems } = compareFields([{ field: 't', role: 'time_field', types: ['date', 'date_nanos'] }], [{ field: 't', types: ['long'] }]);
    assert.deepEqual(problems, ['field t (time_field) is long, expected date']);
  });

  it('fails the run only on failures, not warnings', () => {
    assert.equal(doctorExitCode([{ status: 'ok', message: '' }, { status: 'warn', message: '' }]), 0);
    assert.equal(doctorExitCode([{ status: 'ok', message: '' }, { status: 'fail', message: '' }]), 1);
  });
});
