/**
 * Small, deterministic anomaly / status / dead-letter documents typed by the shared contracts,
 * so a field renamed in src/anomaly/document.ts breaks this file at compile time. Used by the
 * raw-query integration test (and usable by any test that needs a filled anomaly index).
 */
import { anomalyId, severityOf, type AnomalyDocument, type ModelName, type StatusDocument } from '../../../src/anomaly/document.js';
import type { DeadLetterDocument } from '../../../src/alerting/dead-letter.js';

const HOUR = 3_600_000;

export interface FixtureDocs {
  readonly anomalies: readonly { id: string; doc: AnomalyDocument }[];
  readonly status: readonly { id: string; doc: StatusDocument }[];
  readonly deadLetters: readonly { id: string; doc: DeadLetterDocument }[];
}

const ENTITIES = [
  { field: 'user.name', value: 'alice', ip: '10.0.0.5', host: 'ws-17' },
  { field: 'user.name', value: 'bob', ip: '10.0.0.9', host: 'ws-22' },
  { field: 'source.ip', value: '192.0.2.44', ip: '192.0.2.44', host: 'vpn-gw' },
  { field: 'host.name', value: 'db-01', ip: '10.0.3.1', host: 'db-01' },
];
const MODELS: ModelName[] = ['iforest', 'zscore', 'rarity', 'sequence', 'beaconing'];
const FEATURES = ['failed_logins', 'distinct_hosts', 'bytes_out'];
const TACTICS = [
  { tactic: ['TA0006', 'Credential Access'], technique: ['T1110', 'Brute Force'] },
  { tactic: ['TA0008', 'Lateral Movement'], technique: ['T1021', 'Remote Services'] },
];

/** `hours` hourly windows ending at `endMs`, every entity scored in each. */
export function fixtureDocs(endMs: number, hours = 6): FixtureDocs {
  const anomalies: { id: string; doc: AnomalyDocument }[] = [];
  const status: { id: string; doc: StatusDocument }[] = [];
  for (let h = 0; h < hours; h++) {
    const start = endMs - (hours - h) * HOUR;
    const end = start + HOUR;
    ENTITIES.forEach((e, i) => {
      const score = Math.min(99, 30 + ((h * 17 + i * 23) % 70));
      const alert = score >= 75;
      const severity = severityOf(score);
      const attack = TACTICS[(h + i) % TACTICS.length];
      const feature = FEATURES[(h + i) % FEATURES.length];
      const fired = MODELS.filter((_, m) => (h + i + m) % 2 === 0);
      const jobId = i < 2 ? 'auth_by_user' : 'network_by_source';
      const reason = `${e.value} (${e.field}) scored ${score}: ${feature} was unusual in the hour from ${new Date(start).toISOString()}`;
      const doc: AnomalyDocument = {
        '@timestamp': new Date(end).toISOString(),
        event: {
          kind: 'alert',
          module: 'vigil',
          dataset: 'vigil.anomaly',
          category: ['authentication'],
          type: ['info'],
          risk_score: score,
          risk_score_norm: score,
          severity: alert ? 73 : 21,
          reason,
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
        },
        rule: { id: jobId, name: jobId, version: '1', ruleset: 'vigil' },
        ...(e.field === 'user.name' ? { user: { name: e.value } } : {}),
        host: { name: e.host },
        source: { ip: e.ip },
        related: { ip: [e.ip], user: e.field === 'user.name' ? [e.value] : [], hosts: [e.host] },
        threat: {
          framework: 'MITRE ATT&CK',
          tactic: { id: [attack.tactic[0]], name: [attack.tactic[1]] },
          technique: { id: [attack.technique[0]], name: [attack.technique[1]], reference: [`https://attack.mitre.org/techniques/${attack.technique[0]}/`] },
        },
        vigil: {
          job_id: jobId,
          entity: { field: e.field, value: e.value },
          window: { start: new Date(start).toISOString(), end: new Date(end).toISOString() },
          score,
          probability: score / 100,
          fused_score: score / 10,
          threshold: 7.5,
          is_alert: alert,
          severity,
          models: Object.fromEntries(MODELS.map((m, k) => [m, ((score + k * 7) % 50) / 10])),
          models_fired: fired,
          features: FEATURES.map((f, k) => ({ name: f, actual: 10 + k + h, typical: 2 + k, contribution: f === feature ? 0.6 : 0.2 })),
          top_feature: feature,
          top_feature_actual: 10 + h + i,
          top_feature_typical: 2 + i,
          explanation: `${feature} was ${10 + h + i} against a typical ${2 + i}`,
          event_count: 100 + h * 10 + i,
          model_version: '1',
          partition: 0,
          // The fairness panels aggregate by segment (src/pipeline/segment-sink.ts writes it when `fairness:` is set).
          segment: { by: 'department', value: i % 2 === 0 ? 'finance' : 'engineering', alerted: alert ? 1 : 0 },
        },
      };
      anomalies.push({ id: anomalyId(jobId, e.field, e.value, start), doc });
    });
    for (const jobId of ['auth_by_user', 'network_by_source']) {
      const doc: StatusDocument = {
        '@timestamp': new Date(end + 90_000).toISOString(),
        vigil: {
          status: {
            job_id: jobId,
            partition: 0,
            window_start: new Date(start).toISOString(),
            window_end: new Date(end).toISOString(),
            lag_seconds: 90 + h,
            events: 1000 + h * 50,
            entities: 2,
            events_skipped_no_entity: 0,
            anomalies_written: 2,
            alerts: h % 2,
            documents_rejected: h === 2 ? 1 : 0,
            alerts_pending: 0,
            alerts_delivered: h % 2,
            alerts_retried: h === 3 ? 2 : 0,
            alerts_dead_lettered: h === 4 ? 1 : 0,
            duration_ms: 800 + h * 20,
            mode: 'run',
          },
        },
      };
      status.push({ id: `${jobId}-${start}`, doc });
    }
  }
  const parkedAt = new Date(endMs - HOUR).toISOString();
  const deadLetter: DeadLetterDocument = {
    '@timestamp': parkedAt,
    event: { kind: 'event', module: 'vigil', dataset: 'vigil.dead_letter', outcome: 'failure' },
    vigil: {
      dead_letter: {
        kind: 'alert',
        connector: 'soc-webhook',
        format: 'generic',
        destination: 'https://soar.example:443',
        message_id: 'm-1',
        alert_ids: [anomalies[anomalies.length - 1].id],
        job_ids: ['auth_by_user'],
        entities: ['alice'],
        max_score: 91,
        reason: 'retries_exhausted',
        attempts: 6,
        last_status: 503,
        last_error: 'HTTP 503 Service Unavailable',
        first_attempt_at: parkedAt,
        last_attempt_at: parkedAt,
        payload: '{"alert":"..."}',
        status: 'parked',
        replay_attempts: 0,
        replayed_at: null,
        replay_last_status: null,
        replay_last_error: null,
      },
    },
  };
  return { anomalies, status, deadLetters: [{ id: 'dl-1', doc: deadLetter }] };
}
