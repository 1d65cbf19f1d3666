/**
 * Parks documents the cluster refused (mapping conflict, or still failing after the bulk
 * retries) in the dead-letter index, in the same shape as undeliverable alerts
 * (src/alerting/dead-letter.ts, mappings/dead-letter.index-template.json) but with
 * `vigil.dead_letter.kind: "document"`, so one index and one dashboard panel cover both while
 * `vigil alerts replay` (which selects kind "alert") leaves them alone. Such records carry
 * `connector: "anomaly-index"`, `format: "anomaly-document"` (or "status-document"), the target
 * index as destination and the refused document as payload.
 *
 * Ids are deterministic (target index + document id): a document refused again on a re-run
 * overwrites its earlier record.
 */
import { deadLetterId, type DeadLetterRecord } from '../alerting/dead-letter.js';
import type { Engine, JsonObject } from '../engine/engine.js';
import type { Logger } from '../log.js';
import type { DeadLetterEntry, DeadLetterSink } from './anomaly-writer.js';

export const ANOMALY_WRITER_CONNECTOR = 'anomaly-index';

/** The dead-letter record of a refused document: the alert record's fields, kind "document". */
export type DocumentDeadLetterRecord = Omit<DeadLetterRecord, 'kind' | 'format' | 'status'> & {
  kind: 'document';
  format: 'anomaly-document' | 'status-document';
  status: 'parked';
};

export interface DocumentDeadLetter {
  '@timestamp': string;
  event: { kind: 'event'; module: 'vigil'; dataset: 'vigil.dead_letter'; outcome: 'failure' };
  vigil: { dead_letter: DocumentDeadLetterRecord };
}

function vigilPart(doc: JsonObject): { job?: string; entity?: string; score?: number; isStatus?: boolean } {
  const vigil = doc.vigil;
  if (typeof vigil !== 'object' || vigil === null || Array.isArray(vigil)) return {};
  const v = vigil;
  const entity = v.entity as JsonObject | undefined;
  const status = v.status as JsonObject | undefined;
  return {
    job: typeof v.job_id === 'string' ? v.job_id : typeof status?.job_id === 'string' ? status.job_id : undefined,
    entity: entity && typeof entity.field === 'string' && typeof entity.value === 'string' ? `${entity.field}=${entity.value}` : undefined,
    score: typeof v.score === 'number' ? v.score : undefined,
    isStatus: status !== undefined,
  };
}

export function deadLetterRecordOf(entry: DeadLetterEntry, at: string): DocumentDeadLetterRecord {
  const { job, entity, score, isStatus } = vigilPart(entry.item.doc);
  return {
    kind: 'document',
    connector: ANOMALY_WRITER_CONNECTOR,
    format: isStatus ? 'status-document' : 'anomaly-document',
    destination: entry.item.index,
    message_id: entry.item.id,
    alert_ids: [entry.item.id],
    job_ids: job ? [job] : [],
    entities: entity ? [entity] : [],
    max_score: score ?? 0,
    reason: entry.status >= 500 || entry.status === 429 ? 'retries_exhausted' : 'rejected',
    attempts: entry.attempts,
    last_status: entry.status,
    last_error: `${entry.errorType}: ${entry.reason}`.slice(0, 2000),
    first_attempt_at: at,
    last_attempt_at: at,
    payload: JSON.stringify(entry.item.doc),
    status: 'parked',
    replay_attempts: 0,
    replayed_at: null,
    replay_last_status: null,
    replay_last_error: null,
  };
}

export function deadLetterDocumentOf(entry: DeadLetterEntry, at: string): DocumentDeadLetter {
  return {
    '@timestamp': at,
    event: { kind: 'event', module: 'vigil', dataset: 'vigil.dead_letter', outcome: 'failure' },
    vigil: { dead_letter: deadLetterRecordOf(entry, at) },
  };
}

/** A DeadLetterSink writing to `index` on the cluster; throws when the cluster refuses the records too. */
export function clusterDeadLetterSink(engine: Engine, index: string, log: Logger): DeadLetterSink {
  return async (entries) => {
    const at = new Date().toISOString();
    const operations = entries.map((entry) => ({
      action: 'index' as const,
      index,
      id: deadLetterId(ANOMALY_WRITER_CONNECTOR, `${entry.item.index}/${entry.item.id}`),
      document: deadLetterDocumentOf(entry, at) as unknown as JsonObject,
    }));
    const result = await engine.bulk(operations);
    for (const entry of entries) {
      log.warn(
        {
          index: entry.item.index,
          id: entry.item.id,
          status: entry.status,
          error: entry.errorType,
          reason: entry.reason,
          attempts: entry.attempts,
        },
        'document refused by the cluster: parked in the dead-letter index',
      );
    }
    if (result.failed > 0) {
      const first = result.items.find((i) => !i.ok);
      throw new Error(
        `the dead-letter index ${index} refused ${result.failed} record(s): ${first?.error ? `${first.error.type}: ${first.error.reason}` : 'unknown error'}`,
      );
    }
  };
}
