/**
 * TheHive 5 alert (`POST /api/v1/alert`, API key as Bearer token). TheHive refuses a second alert
 * with the same (type, source, sourceRef), so sourceRef is derived from the notification's
 * deterministic id: a retry can never open a duplicate case (ElastAlert2 uses a random one).
 */
import { groupTitle, markdownDescription, maxSeverity, observablesOf, severityRank, type Notification } from '../alert-context.js';
import { MAX_TEXT, markdownText, visible } from '../escape.js';
import { notificationTime } from './generic.js';
import { bearer, toJson, type PayloadFormat } from './format.js';

/** TheHive observable data types for what Vigil knows about (TheHive has no "user" type: users are `other` tagged user). */
const DATA_TYPE = { ip: 'ip', host: 'hostname', user: 'other' } as const;

export function theHiveSourceRef(n: Notification): string {
  return n.messageId;
}

export const theHiveFormat: PayloadFormat = {
  name: 'thehive',
  defaultPath: '/api/v1/alert',
  render(n, connector) {
    const observables = new Map<string, { dataType: string; data: string; tags: string[]; message: string }>();
    for (const a of n.alerts) {
      for (const o of observablesOf(a)) {
        const key = `${DATA_TYPE[o.kind]}\u0000${o.value}`;
        if (!observables.has(key))
          observables.set(key, { dataType: DATA_TYPE[o.kind], data: o.value, tags: [o.kind], message: `from Vigil anomaly ${a.id}` });
      }
    }
    const techniques = [...new Set(n.alerts.flatMap((a) => a.attack.techniques.map((t) => t.id)))];
    const tags = [
      'vigil',
      ...new Set(n.alerts.map((a) => `vigil:job=${a.jobId}`)),
      `vigil:severity=${maxSeverity(n.alerts)}`,
      ...techniques.map((t) => `attack:${t}`),
      ...(connector.options.tags ?? []),
    ];
    const first = n.alerts[0];
    return toJson({
      type: connector.options.type ?? 'vigil-anomaly',
      source: connector.options.source ?? 'vigil',
      sourceRef: theHiveSourceRef(n),
      title: groupTitle(n.alerts),
      description: markdownDescription(n.alerts),
      severity: severityRank(maxSeverity(n.alerts)),
      date: Date.parse(notificationTime(n)),
      tags,
      tlp: 2,
      pap: 2,
      externalLink: first.links.kibana ?? first.links.dashboards,
      summary: markdownText(visible(first.explanation, MAX_TEXT)),
      observables: [...observables.values()],
    });
  },
  authHeaders: bearer,
  isDuplicateAck: (status, body) => (status === 400 || status === 409) && /already exists|duplicate/i.test(body),
};
