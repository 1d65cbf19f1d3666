import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firedRules, ruleScore, rulesForJob, setWarmupThresholds } from '../../../src/eval/rules.js';

describe('static rules baseline', () => {
  it('has ElastAlert-style rules for every preset', () => {
    for (const preset of ['auth_by_user', 'auth_by_source_ip', 'process_by_host', 'network_by_source', 'data_access_by_user'] as const) {
      const rules = rulesForJob({ preset });
      assert.ok(rules.length >= 1, preset);
      for (const r of rules) {
        assert.ok(r.name.startsWith('rule_'));
        assert.ok(Number.isFinite(r.threshold) && r.threshold > 0);
      }
    }
  });

  it('scores a window by its strongest rule relative to the threshold', () => {
    const rules = rulesForJob({ preset: 'auth_by_source_ip' });
    assert.equal(ruleScore(rules, { rule_failed_logins: 10, rule_distinct_users: 12 }), 1.2);
    assert.deepEqual(firedRules(rules, { rule_failed_logins: 10, rule_distinct_users: 12 }), ['rule_distinct_users']);
    assert.equal(ruleScore(rules, {}), 0);
  });

  it('sets a custom job’s frequency threshold from the warm-up', () => {
    const rules = rulesForJob({});
    assert.ok(Number.isNaN(rules[0].threshold));
    const values = Array.from({ length: 1000 }, (_, i) => i % 50);
    const [r] = setWarmupThresholds(rules, new Map([['rule_event_count', values]]));
    assert.equal(r.threshold, 50);
  });
});
