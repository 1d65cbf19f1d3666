/** Anomaly documents for alerting tests, shaped exactly like the pipeline's (src/anomaly/document.ts). */
import { anomalyId, severityOf, type AnomalyDocument } from '../../../../src/anomaly/document.js';

export interface TestAnomalyOptions {
  readonly job?: string;
  readonly user?: string;
  /** Window start (ms); windows are one hour. */
  readonly windowStartMs?: number;
  readonly score?: number;
}

const BASE = Date.parse('2024-03-04T10:00:00.000Z');

export function testAnomaly(options: TestAnomalyOptions = {}): { id: string; doc: AnomalyDocument } {
  const job = options.job ?? 'auth_by_user';
  const user = options.user ?? 'alice';
  const startMs = options.windowStartMs ?? BASE;
  const endMs = startMs + 3_600_000;
  const score = options.score ?? 88.5;
  const start = new Date(startMs).toISOString();
  const end = new Date(endMs).toISOString();
  const doc: AnomalyDocument = {
    '@timestamp': end,
    event: {
      kind: 'alert',
      module: 'vigil',
      dataset: 'vigil.anomaly',
      category: ['authentication'],
      type: ['info'],
      risk_score: Math.round(score),
      risk_score_norm: Math.round(score),
      severity: Math.round(score),
      reason: `user ${user}: 37 failed logons (typical 1.5) from 4 source IPs`,
      start,
      end,
    },
    rule: { id: `vigil-${job}`, name: `Vigil: ${job}`, version: '1', ruleset: 'vigil' },
    user: { name: user },
    source: { ip: '198.51.100.23' },
    related: { ip: ['198.51.100.23', '198.51.100.24'], user: [user], hosts: ['ws-17'] },
    threat: {
      framework: 'MITRE ATT&CK',
      tactic: { id: ['TA0006'], name: ['Credential Access'] },
      technique: {
        id: ['T1110', 'T1110.003'],
        name: ['Brute Force', 'Password Spraying'],
        reference: ['https://attack.mitre.org/techniques/T1110/', 'https://attack.mitre.org/techniques/T1110/003/'],
      },
    },
    vigil: {
      job_id: job,
      entity: { field: 'user.name', value: user },
      window: { start, end },
      score,
      probability: 0.993,
      fused_score: 3.7,
      threshold: 2.5,
      is_alert: true,
      severity: severityOf(score),
      models: { iforest: 2.9, zscore: 4.8, rarity: 3.3 },
      models_fired: ['zscore', 'rarity'],
      features: [
        { name: 'distinct_source_ips', actual: 4, typical: 1, contribution: 0.3 },
        { name: 'failed_logins', actual: 37, typical: 1.5, contribution: 0.7 },
      ],
      top_feature: 'failed_logins',
      explanation: 'failed_logins 37 vs typical 1.5; distinct_source_ips 4 vs typical 1',
      event_count: 52,
      model_version: 'test-1',
      partition: 0,
    },
  };
  return { id: anomalyId(job, 'user.name', user, startMs), doc };
}
