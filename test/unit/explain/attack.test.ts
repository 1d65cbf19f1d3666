import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapToAttack, suggestTechniques, TECHNIQUES } from '../../../src/explain/attack.js';

describe('ATT&CK mapping', () => {
  it('maps feature names to techniques with their tactics and references', () => {
    const t = mapToAttack({ fired: ['zscore'], features: ['failed_logins'] })!;
    assert.deepEqual(t, {
      framework: 'MITRE ATT&CK',
      tactic: { id: ['TA0006'], name: ['Credential Access'] },
      technique: { id: ['T1110.001'], name: ['Brute Force: Password Guessing'], reference: ['https://attack.mitre.org/techniques/T1110/001/'] },
    });
  });

  it('recognises the behaviours Vigil detects', () => {
    const cases: [string, string][] = [
      ['distinct_users_failed', 'T1110.003'],
      ['failed_logins', 'T1110.001'],
      ['source.geo.country_iso_code', 'T1078'],
      ['distinct_hosts', 'T1021'],
      ['privileged_actions', 'T1078.003'],
      ['process.name', 'T1059'],
      ['bytes_out', 'T1048'],
      ['off_hours_share', 'T1078'],
    ];
    for (const [feature, id] of cases) assert.deepEqual(suggestTechniques({ fired: [], features: [feature] }), [id], feature);
  });

  it('adds C2 for beaconing and privileged first-time actions from the sequence model', () => {
    assert.deepEqual(suggestTechniques({ fired: ['beaconing'], features: [] }), ['T1071.001']);
    assert.deepEqual(suggestTechniques({ fired: ['sequence'], features: [], actions: ['add_member_to_admin_group'] }), ['T1078.003']);
    assert.deepEqual(suggestTechniques({ fired: [], features: [], actions: ['add_member_to_admin_group'] }), []);
  });

  it('lets the caller override, de-duplicates, and keeps tactics unique', () => {
    const ids = suggestTechniques({ fired: ['beaconing'], features: ['weird_metric', 'failed_logins', 'bad_password_count'], featureTechniques: { weird_metric: 'T1048' } });
    assert.deepEqual(ids, ['T1048', 'T1110.001', 'T1071.001']);
    const t = mapToAttack({ fired: [], features: ['source.ip', 'privileged_actions'] })!;
    assert.deepEqual(t.technique.id, ['T1078', 'T1078.003']);
    assert.equal(new Set(t.tactic.id).size, t.tactic.id.length);
    assert.ok(t.tactic.name.includes('Initial Access'));
  });

  it('returns nothing when no technique applies, and every table entry is well formed', () => {
    assert.equal(mapToAttack({ fired: ['iforest'], features: ['weird_metric'] }), undefined);
    for (const [id, t] of Object.entries(TECHNIQUES)) {
      assert.equal(t.id, id);
      assert.match(t.reference, /^https:\/\/attack\.mitre\.org\/techniques\/T\d{4}(\/\d{3})?\/$/);
      for (const tactic of t.tactics) assert.match(tactic.id, /^TA00\d\d$/);
    }
  });
});
