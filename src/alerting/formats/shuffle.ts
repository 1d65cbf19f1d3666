/**
 * Shuffle webhook: any JSON is accepted and nothing is de-duplicated, so the body carries
 * `message_id` (also in the webhook-id header) for a workflow that wants to drop repeats.
 * Flat top-level fields make the first alert easy to use in Shuffle's `$exec.` expressions.
 */
import { groupTitle, maxSeverity } from '../alert-context.js';
import { alertJson, notificationTime } from './generic.js';
import { bearer, toJson, type PayloadFormat } from './format.js';

export const shuffleFormat: PayloadFormat = {
  name: 'shuffle',
  render(n) {
    const first = n.alerts[0];
    return toJson({
      source: 'vigil',
      message_id: n.messageId,
      title: groupTitle(n.alerts),
      severity: maxSeverity(n.alerts),
      score: Math.max(...n.alerts.map((a) => a.score)),
      entity: first.entity,
      timestamp: notificationTime(n),
      count: n.alerts.length,
      alerts: n.alerts.map(alertJson),
    });
  },
  authHeaders: bearer,
};
