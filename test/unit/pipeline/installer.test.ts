import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.js';
import type { JsonObject } from '../../../src/engine/engine.js';
import { findMappingsDir, install, plannedLifecyclePolicy, plannedTemplates } from '../../../src/pipeline/installer.js';
import { MemoryEngine } from './memory-engine.js';

const base = { cluster: { urls: ['http://127.0.0.1:9'] }, jobs: [{ id: 'a', preset: 'auth_by_user', index: 'logs-*' }] };
const dir = findMappingsDir();

describe('installer', () => {
  it('rewrites index patterns from output.*, composes the shared settings, and keeps every mapping file valid JSON', () => {
    const config = configSchema.parse({
      ...base,
      output: { anomaly_index: 'soc-anomalies', state_index: 'soc-state', status_index: 'soc-status', dead_letter_index: 'soc-dl' },
    });
    const planned = plannedTemplates(config, dir);
    assert.deepEqual(
      planned.component.map((c) => c.name),
      ['vigil-settings'],
    );
    const byName = Object.fromEntries(planned.index.map((t) => [t.name, t.body]));
    assert.deepEqual(byName['soc-anomalies'].index_patterns, ['soc-anomalies']);
    assert.deepEqual(byName['soc-state'].index_patterns, ['soc-state']);
    assert.deepEqual(byName['soc-status'].index_patterns, ['soc-status']);
    assert.deepEqual(byName['soc-dl'].index_patterns, ['soc-dl']);
    assert.deepEqual(byName['soc-state'].composed_of, ['vigil-settings']);
    // Distinct priorities: OpenSearch refuses overlapping patterns at equal priority.
    const priorities = planned.index.map((t) => t.body.priority);
    assert.equal(new Set(priorities).size, priorities.length);
    assert.equal(byName['soc-anomalies-monthly'], undefined);
  });

  it('deployments whose names are prefixes of each other get templates that never tie (vigil-anom-u300 / -u3000)', () => {
    const planFor = (name: string, period: 'none' | 'month') =>
      plannedTemplates(
        configSchema.parse({
          ...base,
          output: { anomaly_index: name, state_index: `${name}-state`, status_index: `${name}-status`, dead_letter_index: `${name}-dl` },
          pipeline: { anomaly_index_period: period },
        }),
        dir,
      ).index;
    const all = [...planFor('vigil-anom-u300', 'month'), ...planFor('vigil-anom-u3000', 'month'), ...planFor('vigil-anom-u300-x', 'none')];
    // Any two templates whose patterns could match one index name have different priorities.
    const matches = (pattern: string, name: string): boolean =>
      pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
    for (const a of all) {
      for (const b of all) {
        // The same template (e.g. the shared default feedback index) planned by two deployments is one template.
        if (a === b || a.name === b.name) continue;
        const pa = (a.body.index_patterns as string[])[0];
        const pb = (b.body.index_patterns as string[])[0];
        const probe = pb.replace('*', '2026.01');
        if (matches(pa, probe)) assert.notEqual(a.body.priority, b.body.priority, `${pa} and ${pb} tie`);
      }
    }
    assert.deepEqual(
      planFor('vigil-anom-u300', 'none').map((t) => t.body.index_patterns),
      [['vigil-anom-u300'], ['vigil-anom-u300-state'], ['vigil-anom-u300-status'], ['vigil-anom-u300-dl'], ['vigil-feedback']],
    );
  });

  it('monthly anomaly indices get their own template carrying the ILM policy name', () => {
    const config = configSchema.parse({ ...base, pipeline: { anomaly_index_period: 'month', retention: '90d' } });
    const monthly = plannedTemplates(config, dir).index.find((t) => t.name === 'vigil-anomalies-monthly')!;
    assert.deepEqual(monthly.body.index_patterns, ['vigil-anomalies-*']);
    assert.equal(((monthly.body.template as JsonObject).settings as JsonObject)['index.lifecycle.name'], 'vigil-anomalies-retention');
    assert.ok(Number(monthly.body.priority) > 200);
  });

  it('lifecycle policies carry the configured retention; short retentions drop the warm phase', () => {
    const long = configSchema.parse({ ...base, pipeline: { retention: '90d' } });
    const ilm = plannedLifecyclePolicy('elasticsearch', long, dir);
    const phases = (ilm.policy as JsonObject).phases as JsonObject;
    assert.deepEqual(Object.keys(phases), ['hot', 'warm', 'delete']);
    assert.equal((phases.delete as JsonObject).min_age, '90d');
    const ism = plannedLifecyclePolicy('opensearch', long, dir).policy as JsonObject;
    assert.deepEqual(ism.ism_template, [{ index_patterns: ['vigil-anomalies-*'], priority: 100 + 10 * 'vigil-anomalies'.length }]);
    const warm = (ism.states as JsonObject[]).find((s) => s.name === 'warm')!;
    assert.deepEqual((warm.transitions as JsonObject[])[0], { state_name: 'delete', conditions: { min_index_age: '90d' } });
    assert.equal(JSON.stringify(ism).includes('_comment'), false);

    const short = configSchema.parse({ ...base, pipeline: { retention: '14d' } });
    assert.deepEqual(Object.keys((plannedLifecyclePolicy('elasticsearch', short, dir).policy as JsonObject).phases as JsonObject), [
      'hot',
      'delete',
    ]);
    const shortIsm = plannedLifecyclePolicy('opensearch', short, dir).policy as JsonObject;
    assert.deepEqual(
      (shortIsm.states as JsonObject[]).map((s) => s.name),
      ['hot', 'delete'],
    );
    assert.deepEqual(((shortIsm.states as JsonObject[])[0].transitions as JsonObject[])[0], {
      state_name: 'delete',
      conditions: { min_index_age: '14d' },
    });
  });

  it('install is idempotent and reports the lifecycle policy as unsupported or applied by capability', async () => {
    const config = configSchema.parse(base);
    const engine = new MemoryEngine();
    const first = await install(engine, config, { skipAlertingDefinitions: true });
    const second = await install(engine, config, { skipAlertingDefinitions: true });
    assert.deepEqual(second, first);
    assert.deepEqual([...engine.templates.keys()].sort(), [
      'vigil-anomalies',
      'vigil-dead-letter',
      'vigil-feedback',
      'vigil-state',
      'vigil-status',
    ]);
    assert.equal(first.find((s) => s.kind === 'lifecycle_policy')!.result, 'unsupported');
    assert.equal(first.find((s) => s.kind === 'dashboards')!.result, 'skipped');

    const withIsm = new MemoryEngine();
    withIsm.capabilities = { ...withIsm.capabilities, ism: true };
    const steps = await install(withIsm, config, { skipAlertingDefinitions: true });
    assert.equal(steps.find((s) => s.kind === 'lifecycle_policy')!.result, 'applied');
    assert.ok(withIsm.policies.has('vigil-anomalies-retention'));
  });
});
