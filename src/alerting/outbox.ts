/**
 * The durable outbox: one state document per (connector, notification), written before the first
 * delivery attempt and updated after every attempt, so a dispatcher that stops mid-retry (crash,
 * deploy, `close()`) resumes exactly where it was. Documents live in the state index under a
 * deterministic id, so re-enqueueing the same anomaly finds the existing record instead of
 * sending it again.
 *
 * Lifecycle: pending → (attempt claimed with a lease) → delivered | pending (retry later) | dead
 * (parked in the dead-letter index). A delivered record keeps no body and stays as an idempotency
 * tombstone until `outbox_retention` has passed.
 *
 * Without an engine the store is in memory: same behaviour within one process, nothing survives
 * a restart (used by `vigil alerts test` and by pipelines run without a cluster).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EngineRequestError, VersionConflictError, type Engine, type JsonObject } from '../engine/engine.js';

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

export type OutboxEntry = {
  connector: string;
  /** webhook-id: the idempotency key sent on every attempt. */
  message_id: string;
  alert_ids: string[];
  job_ids: string[];
  /** "field=value" of each alert's entity. */
  entities: string[];
  max_score: number;
  status: OutboxStatus;
  attempts: number;
  created_ms: number;
  updated_ms: number;
  /** Not before this time (epoch ms). */
  next_attempt_ms: number;
  /** While an attempt is in flight: another dispatcher must not send until this has passed. */
  lease_until_ms: number;
  lease_owner: string;
  /** The exact request body; null once delivered. */
  body: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_ms: number | null;
  /** Set once the notification is to be parked (refused, or out of attempts) but the dead letter is not written yet. */
  park_reason: 'rejected' | 'retries_exhausted' | null;
};

/**
 * The state document. The state index maps only a few shared fields (`dynamic: false`), so what
 * recovery searches on lives in those: `kind` carries the status (`alert_outbox_pending`, …) and
 * `updated_at` the last change; our own fields are nested under `alert_outbox` (kept, not indexed).
 */
export type OutboxDocument = { kind: `alert_outbox_${OutboxStatus}`; updated_at: string; alert_outbox: OutboxEntry };

function toDocument(entry: OutboxEntry): OutboxDocument {
  return { kind: `alert_outbox_${entry.status}`, updated_at: new Date(entry.updated_ms).toISOString(), alert_outbox: entry };
}

export interface OutboxVersion {
  readonly seqNo: number;
  readonly primaryTerm: number;
}

export interface StoredEntry {
  readonly id: string;
  readonly entry: OutboxEntry;
  readonly version: OutboxVersion;
}

export interface OutboxStore {
  readonly durable: boolean;
  /** Writes a new record; 'exists' when one with this id is already there. */
  create(id: string, entry: OutboxEntry): Promise<{ created: true; version: OutboxVersion } | { created: false }>;
  /** Writes many new records in one request; per id, whether it was created or already there. Throws when the store could not take them. */
  createMany(records: readonly { id: string; entry: OutboxEntry }[]): Promise<Map<string, boolean>>;
  get(id: string): Promise<StoredEntry | null>;
  /** Conditional update; null when someone else changed the record first. */
  update(id: string, entry: OutboxEntry, expected: OutboxVersion): Promise<OutboxVersion | null>;
  /** Every pending record (any due time), for recovery after a restart. */
  listPending(limit: number): Promise<StoredEntry[]>;
  /** Deletes delivered tombstones older than the cut-off; returns how many. */
  purgeDelivered(beforeMs: number, limit: number): Promise<number>;
}

/** Deterministic record id: the same connector and notification always map to the same document. */
export function outboxId(connector: string, messageId: string): string {
  return `alert-outbox-${createHash('sha256').update(`${connector}\u0000${messageId}`).digest('hex').slice(0, 40)}`;
}

const entrySchema = z.object({
  connector: z.string(),
  message_id: z.string(),
  alert_ids: z.array(z.string()),
  job_ids: z.array(z.string()),
  entities: z.array(z.string()),
  max_score: z.number(),
  status: z.enum(['pending', 'delivered', 'dead']),
  attempts: z.number().int(),
  created_ms: z.number(),
  updated_ms: z.number(),
  next_attempt_ms: z.number(),
  lease_until_ms: z.number(),
  lease_owner: z.string(),
  body: z.string().nullable(),
  last_status: z.number().nullable(),
  last_error: z.string().nullable(),
  delivered_ms: z.number().nullable(),
  park_reason: z.enum(['rejected', 'retries_exhausted']).nullable().default(null),
});

const searchHitsSchema = z.object({
  hits: z.object({
    hits: z.array(
      z.object({
        _id: z.string(),
        _seq_no: z.number().optional(),
        _primary_term: z.number().optional(),
        _source: z.object({ alert_outbox: entrySchema }),
      }),
    ),
  }),
});

function parseEntry(doc: JsonObject, id: string): OutboxEntry {
  const parsed = z.object({ alert_outbox: entrySchema }).safeParse(doc);
  if (!parsed.success)
    throw new Error(`state document ${id} is not an alert outbox record: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data.alert_outbox;
}

export class EngineOutboxStore implements OutboxStore {
  readonly durable = true;

  constructor(
    private readonly engine: Engine,
    private readonly index: string,
  ) {}

  async create(id: string, entry: OutboxEntry): Promise<{ created: true; version: OutboxVersion } | { created: false }> {
    try {
      const version = await this.engine.putState<OutboxDocument>(this.index, id, toDocument(entry), { kind: 'create' });
      return { created: true, version };
    } catch (error) {
      if (error instanceof VersionConflictError) return { created: false };
      throw error;
    }
  }

  async createMany(records: readonly { id: string; entry: OutboxEntry }[]): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    if (records.length === 0) return out;
    // One bulk request of `create`s: a 409 item means the record exists (same anomaly seen before).
    const result = await this.engine.bulk(
      records.map((r) => ({ action: 'create' as const, index: this.index, id: r.id, document: toDocument(r.entry) })),
    );
    const failures: string[] = [];
    for (const item of result.items) {
      const id = records[item.position].id;
      if (item.ok) out.set(id, true);
      else if (item.status === 409) out.set(id, false);
      else failures.push(`${id}: ${item.status} ${item.error?.type ?? ''} ${item.error?.reason ?? ''}`.trim());
    }
    if (failures.length > 0)
      throw new Error(`the alert outbox in ${this.index} refused ${failures.length} record(s): ${failures.slice(0, 3).join('; ')}`);
    return out;
  }

  async get(id: string): Promise<StoredEntry | null> {
    const found = await this.engine.getState<OutboxDocument>(this.index, id);
    if (!found) return null;
    return { id, entry: parseEntry(found.doc, id), version: { seqNo: found.seqNo, primaryTerm: found.primaryTerm } };
  }

  async update(id: string, entry: OutboxEntry, expected: OutboxVersion): Promise<OutboxVersion | null> {
    try {
      return await this.engine.putState<OutboxDocument>(this.index, id, toDocument(entry), { kind: 'match', ...expected });
    } catch (error) {
      if (error instanceof VersionConflictError) return null;
      throw error;
    }
  }

  async listPending(limit: number): Promise<StoredEntry[]> {
    return (await this.find([{ term: { kind: 'alert_outbox_pending' } }], limit)).filter((r) => r.entry.status === 'pending');
  }

  async purgeDelivered(beforeMs: number, limit: number): Promise<number> {
    const found = await this.find(
      [{ term: { kind: 'alert_outbox_delivered' } }, { range: { updated_at: { lt: new Date(beforeMs).toISOString() } } }],
      limit,
    );
    const old = found.filter((r) => r.entry.status === 'delivered' && (r.entry.delivered_ms ?? 0) < beforeMs);
    for (const r of old) await this.engine.deleteState(this.index, r.id);
    return old.length;
  }

  private async find(filters: JsonObject[], limit: number): Promise<StoredEntry[]> {
    // Records are written without refresh; make the latest ones visible to search first.
    await this.engine.refresh(this.index);
    let response: JsonObject;
    try {
      response = await this.engine.search(this.index, {
        size: limit,
        seq_no_primary_term: true,
        query: { bool: { filter: filters } },
        sort: [{ updated_at: { order: 'asc', unmapped_type: 'date' } }],
      });
    } catch (error) {
      // No state index yet means no records yet.
      if (error instanceof EngineRequestError && error.status === 404) return [];
      throw error;
    }
    const parsed = searchHitsSchema.safeParse(response);
    if (!parsed.success)
      throw new Error(`unexpected search answer for the alert outbox in ${this.index}: ${parsed.error.issues[0]?.message}`);
    return parsed.data.hits.hits.map((h) => ({
      id: h._id,
      entry: h._source.alert_outbox,
      version: { seqNo: h._seq_no ?? -1, primaryTerm: h._primary_term ?? -1 },
    }));
  }
}

/** In-process outbox with the same optimistic-concurrency contract. */
export class MemoryOutboxStore implements OutboxStore {
  readonly durable = false;
  private readonly records = new Map<string, { entry: OutboxEntry; seqNo: number }>();
  private seq = 0;

  async create(id: string, entry: OutboxEntry): Promise<{ created: true; version: OutboxVersion } | { created: false }> {
    if (this.records.has(id)) return { created: false };
    this.seq += 1;
    this.records.set(id, { entry: structuredClone(entry), seqNo: this.seq });
    return { created: true, version: { seqNo: this.seq, primaryTerm: 1 } };
  }

  async createMany(records: readonly { id: string; entry: OutboxEntry }[]): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    for (const r of records) out.set(r.id, (await this.create(r.id, r.entry)).created);
    return out;
  }

  async get(id: string): Promise<StoredEntry | null> {
    const r = this.records.get(id);
    return r ? { id, entry: structuredClone(r.entry), version: { seqNo: r.seqNo, primaryTerm: 1 } } : null;
  }

  async update(id: string, entry: OutboxEntry, expected: OutboxVersion): Promise<OutboxVersion | null> {
    const r = this.records.get(id);
    if (r?.seqNo !== expected.seqNo) return null;
    this.seq += 1;
    this.records.set(id, { entry: structuredClone(entry), seqNo: this.seq });
    return { seqNo: this.seq, primaryTerm: 1 };
  }

  async listPending(limit: number): Promise<StoredEntry[]> {
    return [...this.records.entries()]
      .filter(([, r]) => r.entry.status === 'pending')
      .slice(0, limit)
      .map(([id, r]) => ({ id, entry: structuredClone(r.entry), version: { seqNo: r.seqNo, primaryTerm: 1 } }));
  }

  async purgeDelivered(beforeMs: number): Promise<number> {
    let n = 0;
    for (const [id, r] of this.records) {
      if (r.entry.status === 'delivered' && (r.entry.delivered_ms ?? 0) < beforeMs) {
        this.records.delete(id);
        n += 1;
      }
    }
    return n;
  }
}
