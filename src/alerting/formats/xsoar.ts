/**
 * Cortex XSOAR Generic Webhook incident: `name`, `type`, `occurred` and `raw_json`. The
 * integration (demisto/content Packs/GenericWebhook) reads `raw_json` from the body and stores
 * it as the incident's `rawJSON`, which is what XSOAR mappers and playbooks see. The credential
 * goes in the `Authorization` header (username `_header:Authorization` in the instance settings).
 */
import type { Severity } from '../../anomaly/document.js';
import { featureLine, groupTitle, markdownVerdictLine, maxSeverity, type Notification } from '../alert-context.js';
import { MAX_TEXT, markdownText, visible } from '../escape.js';
import { alertJson, notificationTime } from './generic.js';
import { toJson, type PayloadFormat } from './format.js';

/** XSOAR severities: 1 low, 2 medium, 3 high, 4 critical. */
const XSOAR_SEVERITY: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** XSOAR shows `details` as Markdown: free text escaped, one line per item. */
function details(n: Notification): string {
  const md = (s: string): string => markdownText(visible(s, MAX_TEXT));
  return n.alerts
    .map((a) => {
      const link = a.links.kibana ?? a.links.dashboards ?? '';
      return [md(a.reason), md(a.explanation), ...a.features.map((f) => md(featureLine(f))), link, markdownVerdictLine(a)]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n\n');
}

export const xsoarFormat: PayloadFormat = {
  name: 'xsoar',
  render(n, connector) {
    const severity = maxSeverity(n.alerts);
    return toJson({
      name: groupTitle(n.alerts),
      type: connector.options.type ?? 'Vigil Anomaly',
      occurred: notificationTime(n),
      details: details(n),
      raw_json: {
        vigil_message_id: n.messageId,
        severity: XSOAR_SEVERITY[severity],
        severity_label: severity,
        count: n.alerts.length,
        alerts: n.alerts.map(alertJson),
        labels: connector.options.tags ?? [],
      },
    });
  },
  authHeaders: (token): Record<string, string> => (token ? { authorization: token } : {}),
};
