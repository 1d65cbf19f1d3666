import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../src/engine/engine.js';
import { MemoryExecutor } from '../../../src/features/memory-executor.js';
import { parseFeatureSpecs } from '../../../src/config/feature-spec.js';
import { jobSchema } from '../../../src/config/job.js';
import { resolveJob } from '../../../src/features/presets.js';

const T0 = Date.UTC(2025, 5, 2);
const at = (min: number): string => new Date(T0 + min * 60_000).toISOString();

describe('entity fallbacks and skip counts (memory executor)', () => {
  const events: JsonObject[] = [
    { '@timestamp': at(1), host: { name: 'web-1' }, process: { name: 'sshd' } },
    { '@timestamp': at(2), host: { hostname: 'web-1' }, process: { name: 'sudo' } }, // system/auth: hostname only
    { '@timestamp': at(3), host: { hostname: 'db-1' }, process: { name: 'sshd' } },
    { '@timestamp': at(4), host: { name: 'web-1', hostname: 'ignored-when-name-exists' }, process: { name: 'bash' } },
    { '@timestamp': at(5), process: { name: 'auditctl' } }, // auditd: no host.* at all
    { '@timestamp': at(6), process: { name: 'auditctl' } },
  ];
  const request = {
    index: 'x',
    timeField: '@timestamp',
    entityFields: ['host.name'],
    entityFallbacks: { 'host.name': ['host.hostname'] },
    start: T0,
    end: T0 + 3_600_000,
    features: parseFeatureSpecs([
      { kind: 'count', name: 'events' },
      { kind: 'distinct_count', name: 'processes', field: 'process.name' },
    ]),
    categoricalFields: [],
  };

  test('the first present alternative names the entity; events with none are counted, not silently dropped', async () => {
    const { windows, fieldIssues, skippedNoEntity } = await new MemoryExecutor(events).computeWindow(request);
    assert.deepEqual(
      windows.map((w) => [w.entity.value, w.features.events, w.features.processes]),
      [
        ['db-1', 1, 1],
        ['web-1', 3, 3],
      ],
    );
    assert.equal(skippedNoEntity, 2);
    // host.name is "missing" only where no fallback had a value either.
    assert.equal(fieldIssues.get('host.name').missing, 2);
  });

  test('without the fallback, the hostname-only events are skipped and counted', async () => {
    const { windows, skippedNoEntity } = await new MemoryExecutor(events).computeWindow({ ...request, entityFallbacks: undefined });
    assert.deepEqual(
      windows.map((w) => [w.entity.value, w.features.events]),
      [['web-1', 2]],
    );
    assert.equal(skippedNoEntity, 4);
  });

  test('config: an entity entry may list alternatives; the process preset falls back to host.hostname', () => {
    const own = resolveJob(
      jobSchema.parse({
        id: 'a',
        index: 'x',
        entity_fields: [['user.name', 'user.id'], 'source.ip'],
        features: [{ kind: 'count', name: 'n' }],
      }),
    );
    assert.deepEqual(own.entityFields, ['user.name', 'source.ip']);
    assert.deepEqual(own.entityFallbacks, { 'user.name': ['user.id'] });
    const preset = resolveJob(jobSchema.parse({ id: 'p', index: 'x', preset: 'process_by_host' }));
    assert.deepEqual(preset.entityFallbacks, { 'host.name': ['host.hostname'] });
    assert.equal(resolveJob(jobSchema.parse({ id: 'u', index: 'x', preset: 'auth_by_user' })).entityFallbacks, undefined);
  });
});
