/**
 * From accepted alerts to notifications for one connector: one per alert, or — with grouping on —
 * groups of up to `max_alerts` alerts of the same batch. The message id (webhook-id) is derived
 * from the anomaly id(s) only, so it is identical on every retry, after a restart and on a re-run
 * of the same window.
 */
import { createHash } from 'node:crypto';
import type { AlertContext, Notification } from './alert-context.js';

export function singleMessageId(anomalyId: string, revision = 0): string {
  return revision > 0 ? `vigil_${anomalyId}_r${revision}` : `vigil_${anomalyId}`;
}

/** What identifies one alert (or one update of it) among the notifications. */
function alertKey(a: AlertContext): string {
  return a.revision > 0 ? `${a.id}#r${a.revision}` : a.id;
}

export function groupMessageId(anomalyIds: readonly string[]): string {
  const digest = createHash('sha256')
    .update([...anomalyIds].sort().join('\n'))
    .digest('hex')
    .slice(0, 40);
  return `vigil_grp_${digest}`;
}

export function buildNotifications(alerts: readonly AlertContext[], grouping: { enabled: boolean; max_alerts: number }): Notification[] {
  if (!grouping.enabled || alerts.length <= 1) return alerts.map((a) => ({ messageId: singleMessageId(a.id, a.revision), alerts: [a] }));
  // Sorted by id so the same batch always forms the same groups (and thus the same message ids).
  const sorted = [...alerts].sort((a, b) => (alertKey(a) < alertKey(b) ? -1 : alertKey(a) > alertKey(b) ? 1 : 0));
  const out: Notification[] = [];
  for (let i = 0; i < sorted.length; i += grouping.max_alerts) {
    const chunk = sorted.slice(i, i + grouping.max_alerts);
    const messageId = chunk.length === 1 ? singleMessageId(chunk[0].id, chunk[0].revision) : groupMessageId(chunk.map(alertKey));
    out.push({ messageId, alerts: chunk });
  }
  return out;
}
