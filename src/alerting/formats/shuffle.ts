/**
 * Shuffle webhook: any JSON is accepted and nothing is de-duplicated, so the body carries
 * `message_id` (also in the webhook-id header) for a workflow that wants to drop repeats.
 * Flat top-level fields make the first alert easy to use in Shuffle's `$exec.` expressions.
 */
import { groupTitle, maxSeverity } from '../alert-context.js';
import { liquidSafe, visible } from '../escape.js';
import { alertJson, notificationTime } from './generic.js';
import { bearer, toJson, type PayloadFormat } from './format.js';

export const shuffleFormat: PayloadFormat = {
  name: 'shuffle',
  render(n) {
    const first = n.alerts[0];
    return toJson({
      source: 'vigil',
      message_id: n.messageId,
      // Flat fields are for workflow templates: Liquid-safe and visible. `alerts[]` keeps the exact values.
      title: liquidSafe(groupTitle(n.alerts)),
      severity: maxSeverity(n.alerts),
      score: Math.max(...n.alerts.map((a) => a.score)),
      entity: { field: first.entity.field, value: liquidSafe(visible(first.entity.value)) },
      timestamp: notificationTime(n),
      count: n.alerts.length,
      alerts: n.alerts.map(alertJson),
    });
  },
  authHeaders: bearer,
};
