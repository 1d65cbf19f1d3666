/**
 * Splunk SOAR container with its artifacts in one request (`POST /rest/container`, header
 * `ph-auth-token`). The container's source_data_identifier is the notification id, each
 * artifact's the anomaly id, so SOAR's own de-duplication recognises a retry.
 */
import type { Severity } from '../../anomaly/document.js';
import { feedbackLinksOf, groupTitle, markdownDescription, maxSeverity, type AlertContext } from '../alert-context.js';
import { visible } from '../escape.js';
import { toJson, type PayloadFormat } from './format.js';

/** SOAR ships low / medium / high severities; "critical" is not there by default. */
function soarSeverity(s: Severity): 'low' | 'medium' | 'high' {
  return s === 'critical' ? 'high' : s;
}

/** CEF fields: standard names for what CEF knows (suser, src, shost), Vigil's own for the rest. */
function cefOf(a: AlertContext): Record<string, string | number> {
  const cef: Record<string, string | number> = {
    vigilAnomalyId: a.id,
    vigilJobId: a.jobId,
    vigilEntityField: a.entity.field,
    vigilEntityValue: a.entity.value,
    vigilScore: a.score,
    vigilSeverity: a.severity,
    vigilExplanation: a.explanation,
    startTime: a.window.start,
    endTime: a.window.end,
    baseEventCount: a.eventCount,
    reason: a.reason,
  };
  const f = a.entity.field;
  if (f.startsWith('user.')) cef.sourceUserName = a.entity.value;
  else if (f.startsWith('host.')) cef.sourceHostName = a.entity.value;
  else if (/(^|\.)ip$/.test(f)) cef[f.startsWith('destination.') ? 'destinationAddress' : 'sourceAddress'] = a.entity.value;
  if (cef.sourceAddress === undefined && a.related.ip[0]) cef.sourceAddress = a.related.ip[0];
  if (cef.sourceUserName === undefined && a.related.user[0]) cef.sourceUserName = a.related.user[0];
  if (a.attack.techniques.length) cef.vigilAttackTechniques = a.attack.techniques.map((t) => `${t.id} ${t.name}`).join('; ');
  a.features.slice(0, 3).forEach((feat, i) => {
    cef[`vigilFeature${i + 1}`] =
      `${feat.name} actual=${feat.actual} typical=${feat.typical} share=${Math.round(feat.contribution * 100)}%`;
  });
  if (a.links.kibana) cef.requestURL = a.links.kibana;
  else if (a.links.dashboards) cef.requestURL = a.links.dashboards;
  // For the playbook's HTTP action: vigilFeedbackTruePositive, vigilFeedbackFalsePositive, vigilFeedbackBenignExpected.
  for (const v of feedbackLinksOf(a)) cef[`vigilFeedback${v.cef}`] = v.url;
  return cef;
}

export const splunkSoarFormat: PayloadFormat = {
  name: 'splunk-soar',
  defaultPath: '/rest/container',
  render(n, connector) {
    const label = connector.options.label ?? 'events';
    const starts = n.alerts.map((a) => a.window.start).sort();
    return toJson({
      name: groupTitle(n.alerts),
      label,
      description: markdownDescription(n.alerts),
      severity: soarSeverity(maxSeverity(n.alerts)),
      status: 'new',
      source_data_identifier: n.messageId,
      start_time: starts[0],
      tags: ['vigil', ...(connector.options.tags ?? [])],
      // Only the last artifact starts playbooks, so automation runs once per container.
      run_automation: false,
      artifacts: n.alerts.map((a, i) => ({
        name: `Vigil anomaly ${a.entity.field}=${visible(a.entity.value)}`,
        label,
        type: 'vigil anomaly',
        severity: soarSeverity(a.severity),
        source_data_identifier: a.id,
        cef: cefOf(a),
        run_automation: i === n.alerts.length - 1,
      })),
    });
  },
  authHeaders: (token): Record<string, string> => (token ? { 'ph-auth-token': token } : {}),
  isDuplicateAck: (status, body) => status < 500 && body.includes('existing_container_id'),
};
