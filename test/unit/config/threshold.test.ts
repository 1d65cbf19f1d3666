/** The deployment-level alert budget and the preset jobs' 15-minute slide. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../../src/config/load.js';
import { incidentOptionsOf } from '../../../src/pipeline/pipeline.js';

const base = (extra = '', job = '') => `cluster:
  urls: [http://127.0.0.1:9200]
jobs:
  - id: auth
    index: logs-*
${job}${extra}`;

function problems(text: string): readonly string[] {
  try {
    parseConfig(text, 'vigil.yml');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('the configuration was accepted');
}

describe('config: threshold (alerts per day over all jobs) and preset slides', () => {
  it('defaults to 10 incidents a day, and passes the budget and target_fpr to the incident pass', () => {
    const config = parseConfig(base(), 'vigil.yml');
    assert.deepEqual(config.threshold, { alerts_per_day: 10 });
    assert.deepEqual(incidentOptionsOf(config), { alertsPerDay: 10 });
    const custom = parseConfig(base('threshold: { alerts_per_day: 25, target_fpr: 0.001 }\n'), 'vigil.yml');
    assert.deepEqual(incidentOptionsOf(custom), { alertsPerDay: 25, targetFpr: 0.001 });
  });

  it('names the field and the fix for a bad budget', () => {
    assert.deepEqual(problems(base('threshold: { alerts_per_day: 0 }\n')), ['threshold.alerts_per_day: expected a number ≥ 1, got 0']);
    assert.match(problems(base('threshold: { alerts_per_day: 2.5 }\n'))[0], /^threshold\.alerts_per_day: .*whole number/);
    assert.match(problems(base('threshold: { target_fpr: 1.5 }\n'))[0], /^threshold\.target_fpr: /);
    assert.match(problems(base('threshold: { alerts_per_week: 3 }\n'))[0], /^threshold\.alerts_per_week: unknown field "alerts_per_week"/);
  });

  it('preset jobs slide by 15 minutes unless the job says otherwise; other jobs slide by their window', () => {
    const preset = parseConfig(base('', '    preset: auth_by_user\n'), 'vigil.yml').jobs[0];
    assert.equal(preset.window, '1h');
    assert.equal(preset.slide, '15m');
    assert.equal(parseConfig(base('', '    preset: auth_by_user\n    slide: 1h\n'), 'vigil.yml').jobs[0].slide, '1h');
    assert.equal(parseConfig(base('', '    window: 30m\n'), 'vigil.yml').jobs[0].slide, '30m');
  });
});
