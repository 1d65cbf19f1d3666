import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTACK_MIN_CONTRIBUTION, mapToAttack, suggestTechniques, TECHNIQUES } from '../../../src/explain/attack.js';

describe('ATT&CK mapping', () => {
  it('puts a sub-technique in threat.technique.subtechnique and its parent in threat.technique (ECS)', () => {
    const t = mapToAttack({ fired: ['zscore'], features: ['failed_logins'] });
    assert.deepEqual(t, {
      framework: 'MITRE ATT&CK',
      tactic: { id: ['TA0006'], name: ['Credential Access'], reference: ['https://attack.mitre.org/tactics/TA0006/'] },
      technique: {
        id: ['T1110'],
        name: ['Brute Force'],
        reference: ['https://attack.mitre.org/techniques/T1110/'],
        subtechnique: { id: ['T1110.001'], name: ['Password Guessing'], reference: ['https://attack.mitre.org/techniques/T1110/001/'] },
      },
    });
  });

  it('two sub-techniques of one technique list the parent once; a plain technique has no subtechnique field', () => {
    const t = mapToAttack({ fired: [], features: ['distinct_users_failed', 'failed_logins'] });
    assert.deepEqual(t?.technique.id, ['T1110']);
    assert.deepEqual(t?.technique.subtechnique?.id, ['T1110.003', 'T1110.001']);
    assert.deepEqual(t?.technique.subtechnique?.name, ['Password Spraying', 'Password Guessing']);
    const plain = mapToAttack({ fired: [], features: ['distinct_hosts'] });
    assert.deepEqual(plain?.technique, {
      id: ['T1021'],
      name: ['Remote Services'],
      reference: ['https://attack.mitre.org/techniques/T1021/'],
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
      ['beacon_periodicity', 'T1071.001'],
    ];
    for (const [feature, id] of cases) assert.deepEqual(suggestTechniques({ fired: [], features: [feature] }), [id], feature);
  });

  it('a beacon is Command and Control: one tactic, from the beacon evidence only', () => {
    const t = mapToAttack({ fired: ['beaconing', 'zscore', 'iforest'], features: ['beacon_periodicity'] });
    assert.deepEqual(t?.tactic.id, ['TA0011']);
    assert.deepEqual(t?.tactic.name, ['Command and Control']);
    assert.deepEqual(t?.technique.id, ['T1071']);
    assert.deepEqual(t?.technique.subtechnique?.id, ['T1071.001']);
    // A model that fired without its evidence among the scored items adds nothing.
    assert.equal(mapToAttack({ fired: ['beaconing'], features: [] }), undefined);
    assert.equal(ATTACK_MIN_CONTRIBUTION, 0.2);
  });

  it('privileged first-time actions count only when the sequence evidence scored', () => {
    assert.deepEqual(suggestTechniques({ fired: ['sequence'], features: ['action_sequence'], actions: ['add_member_to_admin_group'] }), [
      'T1078.003',
    ]);
    assert.deepEqual(suggestTechniques({ fired: ['sequence'], features: [], actions: ['add_member_to_admin_group'] }), []);
    assert.deepEqual(suggestTechniques({ fired: [], features: ['action_sequence'], actions: ['add_member_to_admin_group'] }), []);
  });

  it('lets the caller override, de-duplicates, and keeps one tactic per technique', () => {
    const features = ['weird_metric', 'failed_logins', 'bad_password_count', 'beacon_periodicity'];
    const ids = suggestTechniques({ fired: ['beaconing'], features, featureTechniques: { weird_metric: 'T1048' } });
    assert.deepEqual(ids, ['T1048', 'T1110.001', 'T1071.001']);
    const t = mapToAttack({ fired: [], features: ['source.ip', 'privileged_actions'] });
    assert.deepEqual(t?.technique.id, ['T1078']);
    assert.deepEqual(t?.technique.subtechnique?.id, ['T1078.003']);
    assert.deepEqual(t?.tactic.name, ['Initial Access', 'Privilege Escalation']);
  });

  it('returns nothing when no technique applies, and every table entry is well formed', () => {
    assert.equal(mapToAttack({ fired: ['iforest'], features: ['weird_metric'] }), undefined);
    for (const [id, t] of Object.entries(TECHNIQUES)) {
      assert.equal(t.id, id);
      assert.match(t.reference, /^https:\/\/attack\.mitre\.org\/techniques\/T\d{4}(\/\d{3})?\/$/);
      assert.match(t.tactic.id, /^TA00\d\d$/);
      if (t.parent) assert.ok(TECHNIQUES[t.parent], `${id}: parent ${t.parent} in the table`);
      assert.equal(Boolean(t.parent), id.includes('.'));
    }
  });
});
