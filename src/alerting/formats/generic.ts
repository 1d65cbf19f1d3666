/**
 * Vigil's own JSON, shaped like a Standard Webhooks event: `{type, timestamp, data}`. One alert:
 * `type: "vigil.anomaly"`, `data` is the alert; a group: `type: "vigil.anomaly.group"`,
 * `data: {count, alerts[]}`. Signature headers are added by the delivery layer for every format.
 */
import type { JsonObject } from '../../engine/engine.js';
import type { AlertContext, Notification } from '../alert-context.js';
import { bearer, toJson, type PayloadFormat } from './format.js';

/** The alert as Vigil describes it; reused by shuffle and as XSOAR's raw_json. */
export function alertJson(a: AlertContext): JsonObject {
  return toJson({
    id: a.id,
    ...(a.revision > 0 ? { revision: a.revision } : {}),
    job_id: a.jobId,
    rule: a.ruleName,
    entity: a.entity,
    score: a.score,
    probability: a.probability,
    severity: a.severity,
    reason: a.reason,
    explanation: a.explanation,
    features: a.features,
    models_fired: a.modelsFired,
    attack: { framework: 'MITRE ATT&CK', tactics: a.attack.tactics, techniques: a.attack.techniques },
    window: a.window,
    event_count: a.eventCount,
    related: a.related,
    timestamp: a.timestamp,
    links: a.links,
  });
}

/** Latest alert time in the notification: deterministic, so the body is identical on every retry. */
export function notificationTime(n: Notification): string {
  return (
    n.alerts
      .map((a) => a.timestamp)
      .sort()
      .at(-1) ?? new Date(0).toISOString()
  );
}

export const genericFormat: PayloadFormat = {
  name: 'generic',
  render(n) {
    if (n.alerts.length === 1) {
      const type = n.alerts[0].revision > 0 ? 'vigil.anomaly.update' : 'vigil.anomaly';
      return toJson({ type, timestamp: notificationTime(n), id: n.messageId, data: alertJson(n.alerts[0]) });
    }
    return toJson({
      type: 'vigil.anomaly.group',
      timestamp: notificationTime(n),
      id: n.messageId,
      data: { count: n.alerts.length, alerts: n.alerts.map(alertJson) },
    });
  },
  authHeaders: bearer,
};
