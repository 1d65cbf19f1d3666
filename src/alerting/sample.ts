/**
 * A realistic sample anomaly for `vigil alerts test`: a user with a burst of failed logons from a
 * rare source IP. Its id is fresh on every call so a receiver that de-duplicates does not swallow
 * the second test.
 */
import { randomBytes } from 'node:crypto';
import type { AnomalyDocument } from '../anomaly/document.js';

export function sampleAlert(now: Date = new Date()): { id: string; doc: AnomalyDocument } {
  const end = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  const start = new Date(end.getTime() - 3_600_000);
  const id = `test-${randomBytes(16).toString('hex')}`;
  const doc: AnomalyDocument = {
    '@timestamp': end.toISOString(),
    event: {
      kind: 'alert',
      module: 'vigil',
      dataset: 'vigil.anomaly',
      category: ['authentication'],
      type: ['info'],
      risk_score: 91,
      risk_score_norm: 91,
      severity: 91,
      reason: 'TEST ALERT from vigil alerts test: user alice had 41 failed logons (typical 2) from a source IP never seen for her',
      start: start.toISOString(),
      end: end.toISOString(),
    },
    rule: { id: 'vigil-auth_by_user', name: 'Vigil: authentication by user', version: '1', ruleset: 'vigil' },
    user: { name: 'alice' },
    source: { ip: '203.0.113.77' },
    related: { ip: ['203.0.113.77'], user: ['alice'], hosts: ['ws-042'] },
    threat: {
      framework: 'MITRE ATT&CK',
      tactic: { id: ['TA0006'], name: ['Credential Access'] },
      technique: { id: ['T1110'], name: ['Brute Force'], reference: ['https://attack.mitre.org/techniques/T1110/'] },
    },
    vigil: {
      job_id: 'auth_by_user',
      entity: { field: 'user.name', value: 'alice' },
      window: { start: start.toISOString(), end: end.toISOString() },
      score: 91.4,
      probability: 0.997,
      fused_score: 4.2,
      threshold: 2.9,
      is_alert: true,
      severity: 'critical',
      models: { iforest: 3.1, zscore: 5.6, rarity: 4.4 },
      models_fired: ['zscore', 'rarity', 'iforest'],
      features: [
        { name: 'failed_logins', actual: 41, typical: 2, contribution: 0.62 },
        { name: 'distinct_source_ips', actual: 6, typical: 1, contribution: 0.27 },
        { name: 'new_source_ip', actual: 1, typical: 0, contribution: 0.11 },
      ],
      top_feature: 'failed_logins',
      explanation: 'failed_logins 41 vs typical 2; distinct_source_ips 6 vs typical 1; first logon from 203.0.113.77',
      event_count: 57,
      model_version: 'test',
      partition: 0,
    },
  };
  return { id, doc };
}
