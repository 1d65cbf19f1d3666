/**
 * The dead-letter index: every notification that could not be delivered — retries exhausted or
 * refused by the receiver — is parked here with its exact payload, the last error and status,
 * and the number of attempts, for `vigil alerts replay`. Ids are deterministic (connector +
 * notification), so parking the same notification twice overwrites rather than duplicates.
 * Mapping: mappings/dead-letter.index-template.json.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EngineRequestError, type Engine, type JsonObject } from '../engine/engine.js';

export type DeadLetterReason = 'retries_exhausted' | 'rejected';
export type DeadLetterStatus = 'parked' | 'replayed';

export type DeadLetterRecord = {
  /** What was dead-lettered: an alert notification (the pipeline parks refused documents here too). */
  kind: 'alert';
  connector: string;
  format: string;
  /** scheme://host:port only: capability URLs carry secrets in their path. */
  destination: string;
  message_id: string;
  alert_ids: string[];
  job_ids: string[];
  entities: string[];
  max_score: number;
  reason: DeadLetterReason;
  attempts: number;
  last_status: number | null;
  last_error: string;
  first_attempt_at: string;
  last_attempt_at: string;
  /** The exact JSON body that was sent. */
  payload: string;
  status: DeadLetterStatus;
  replay_attempts: number;
  replayed_at: string | null;
  replay_last_status: number | null;
  replay_last_error: string | null;
};

export type DeadLetterDocument = {
  '@timestamp': string;
  event: { kind: 'event'; module: 'vigil'; dataset: 'vigil.dead_letter'; outcome: 'failure' | 'success' };
  vigil: { dead_letter: DeadLetterRecord };
};

export function deadLetterId(connector: string, messageId: string): string {
  return `dl-${createHash('sha256').update(`${connector}\u0000${messageId}`).digest('hex').slice(0, 40)}`;
}

export function deadLetterDocument(record: DeadLetterRecord, parkedAt: string): DeadLetterDocument {
  return {
    '@timestamp': parkedAt,
    event: { kind: 'event', module: 'vigil', dataset: 'vigil.dead_letter', outcome: record.status === 'replayed' ? 'success' : 'failure' },
    vigil: { dead_letter: record },
  };
}

/** Writes one dead-letter document (refresh so `replay` and dashboards see it at once); throws when the cluster refuses it. */
export async function writeDeadLetter(engine: Engine, index: string, id: string, doc: DeadLetterDocument): Promise<void> {
  const result = await engine.bulk([{ action: 'index', index, id, document: doc }], { refresh: true });
  const item = result.items[0];
  if (!item?.ok)
    throw new Error(`dead-letter write ${index}/${id} refused: ${item?.error ? `${item.error.type}: ${item.error.reason}` : 'no result'}`);
}

const recordSchema = z.object({
  kind: z.literal('alert'),
  connector: z.string(),
  format: z.string(),
  destination: z.string(),
  message_id: z.string(),
  alert_ids: z.array(z.string()),
  job_ids: z.array(z.string()),
  entities: z.array(z.string()),
  max_score: z.number(),
  reason: z.enum(['retries_exhausted', 'rejected']),
  attempts: z.number(),
  last_status: z.number().nullable(),
  last_error: z.string(),
  first_attempt_at: z.string(),
  last_attempt_at: z.string(),
  payload: z.string(),
  status: z.enum(['parked', 'replayed']),
  replay_attempts: z.number(),
  replayed_at: z.string().nullable(),
  replay_last_status: z.number().nullable(),
  replay_last_error: z.string().nullable(),
});

const hitsSchema = z.object({
  hits: z.object({
    hits: z.array(
      z.object({ _id: z.string(), _source: z.object({ '@timestamp': z.string(), vigil: z.object({ dead_letter: recordSchema }) }) }),
    ),
  }),
});

export interface StoredDeadLetter {
  readonly id: string;
  readonly parkedAt: string;
  readonly record: DeadLetterRecord;
}

/**
 * Dead letters to replay: every parked one, or the one(s) matching `id` — a dead-letter document
 * id, a webhook message id or an anomaly id.
 */
export async function findDeadLetters(
  engine: Engine,
  index: string,
  options: { id?: string; includeReplayed?: boolean; limit?: number } = {},
): Promise<StoredDeadLetter[]> {
  const filter: JsonObject[] = [{ term: { 'vigil.dead_letter.kind': 'alert' } }];
  if (!options.includeReplayed) filter.push({ term: { 'vigil.dead_letter.status': 'parked' } });
  if (options.id) {
    filter.push({
      bool: {
        should: [
          { ids: { values: [options.id] } },
          { term: { 'vigil.dead_letter.message_id': options.id } },
          { term: { 'vigil.dead_letter.alert_ids': options.id } },
        ],
        minimum_should_match: 1,
      },
    });
  }
  let response: JsonObject;
  try {
    await engine.refresh(index);
    response = await engine.search(index, {
      size: options.limit ?? 1000,
      query: { bool: { filter } },
      sort: [{ '@timestamp': { order: 'asc' } }],
    });
  } catch (error) {
    if (error instanceof EngineRequestError && error.status === 404) return [];
    throw error;
  }
  const parsed = hitsSchema.safeParse(response);
  if (!parsed.success)
    throw new Error(
      `unexpected documents in the dead-letter index ${index}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data.hits.hits.map((h) => ({ id: h._id, parkedAt: h._source['@timestamp'], record: h._source.vigil.dead_letter }));
}
