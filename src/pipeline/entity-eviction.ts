/**
 * Idle-entity eviction (OpenSearch AD's "cold entities"): a partition keeps at most `cap` entities
 * live in memory. After each window, the entities seen longest ago beyond the cap are evicted —
 * their own model state (Ensemble.evictEntity) taken out of memory and written to a cold store
 * (the state index in the cluster) — and an evicted entity that shows up again is restored before
 * its window is scored, with exactly the state it left with, so its scores are the bits it would
 * have had without eviction.
 *
 * The first-seen values (first-seen-store.ts) stay live: the executor reads them while it computes
 * the window, before the window's entities are known, so they cannot be fetched on return. They
 * are capped per entity and field instead.
 *
 * Restart-safe: a cold document's id carries the window at which the entity was evicted, and the
 * partition state (committed with the checkpoint) lists each cold entity with that window. A
 * crash after an eviction but before the commit reloads the previous state, which points at the
 * previous (still present) document; redoing the windows evicts deterministically into the same
 * id. Documents are never overwritten with different content, so no committed state can read a
 * future one.
 *
 * Evictions are one bulk request and restores one `_mget` per batch of entities. Cold documents do
 * not live forever: at most once a day (window time) the partition forgets the cold entities
 * evicted more than `pipeline.cold_entity_retention` before the window — one that comes back
 * later starts afresh, like a new entity — and once the state that forgot them is committed, the
 * sweep deletes every cold document of the partition evicted before that cut-off (the forgotten
 * ones, those of entities restored since, and those of a model that was re-fitted).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { BulkOperation, Engine, JsonObject } from '../engine/engine.js';
import type { Ensemble, EntitySnapshot } from '../models/ensemble.js';

/** The part of a partition's state eviction touches (the job runner's PartitionState has it). */
interface EnsembleHolder {
  readonly ensemble: Ensemble | null;
}

/** One cold entity: its detectors' state. */
export interface ColdEntity {
  readonly ensemble: EntitySnapshot | undefined;
}

/** Where evicted entities wait: keyed by (entity, window it was evicted at). */
export interface ColdEntityStore {
  put(items: readonly { readonly entity: string; readonly evictedAt: number; readonly state: ColdEntity }[]): Promise<void>;
  /** The entities asked for; a missing one is an error (its state would be lost). */
  get(keys: readonly { readonly entity: string; readonly evictedAt: number }[]): Promise<Map<string, ColdEntity>>;
  /** Deletes the cold documents evicted before `before` (ms); returns how many. */
  sweep(before: number): Promise<number>;
}

/** Cold entities kept in process (`vigil detect`, the evaluation, tests). */
export class MemoryColdStore implements ColdEntityStore {
  readonly docs = new Map<string, string>();

  async put(items: readonly { entity: string; evictedAt: number; state: ColdEntity }[]): Promise<void> {
    for (const i of items) this.docs.set(`${i.entity}\u0000${i.evictedAt}`, JSON.stringify(i.state));
  }

  async get(keys: readonly { entity: string; evictedAt: number }[]): Promise<Map<string, ColdEntity>> {
    const out = new Map<string, ColdEntity>();
    for (const k of keys) {
      const doc = this.docs.get(`${k.entity}\u0000${k.evictedAt}`);
      if (doc === undefined)
        throw new Error(`cold entity ${k.entity} (evicted at ${new Date(k.evictedAt).toISOString()}) is missing from the cold store`);
      out.set(k.entity, JSON.parse(doc) as ColdEntity);
    }
    return out;
  }

  async sweep(before: number): Promise<number> {
    let swept = 0;
    for (const key of [...this.docs.keys()]) {
      if (Number(key.slice(key.lastIndexOf('\u0000') + 1)) >= before) continue;
      this.docs.delete(key);
      swept++;
    }
    return swept;
  }
}

interface ColdDocument extends JsonObject {
  kind: 'cold_entity';
  job_id: string;
  partition: number;
  entity: string;
  evicted_at: number;
  encoding: 'gzip+base64';
  data: string;
}

/** Cold entities as documents of the state index (id: job, partition, entity, eviction window). */
export class StateIndexColdStore implements ColdEntityStore {
  constructor(
    private readonly engine: Engine,
    private readonly index: string,
    private readonly jobId: string,
    private readonly partition: number,
    /** Entities per bulk request (evictions) and per `_mget` (restores). */
    private readonly batch = 500,
  ) {}

  private id(entity: string, evictedAt: number): string {
    return `job:${this.jobId}:p${this.partition}:cold:${evictedAt}:${entity}`;
  }

  async put(items: readonly { entity: string; evictedAt: number; state: ColdEntity }[]): Promise<void> {
    for (let i = 0; i < items.length; i += this.batch) {
      const operations = items.slice(i, i + this.batch).map((item): BulkOperation => {
        const document: ColdDocument = {
          kind: 'cold_entity',
          job_id: this.jobId,
          partition: this.partition,
          entity: item.entity,
          evicted_at: item.evictedAt,
          encoding: 'gzip+base64',
          data: gzipSync(Buffer.from(JSON.stringify(item.state), 'utf8'), { level: 1 }).toString('base64'),
        };
        return { action: 'index', index: this.index, id: this.id(item.entity, item.evictedAt), document };
      });
      const result = await this.engine.bulk(operations);
      const refused = result.items.find((r) => !r.ok);
      if (refused)
        throw new Error(
          `evicting ${operations.length} entities of job ${this.jobId} partition ${this.partition} to ${this.index}: ${result.failed} refused (${refused.status} ${refused.error?.type ?? ''}: ${refused.error?.reason ?? '?'})`,
        );
    }
  }

  async get(keys: readonly { entity: string; evictedAt: number }[]): Promise<Map<string, ColdEntity>> {
    const out = new Map<string, ColdEntity>();
    for (let i = 0; i < keys.length; i += this.batch) {
      const batch = keys.slice(i, i + this.batch);
      const docs = await this.engine.mgetState<ColdDocument>(
        this.index,
        batch.map((k) => this.id(k.entity, k.evictedAt)),
      );
      batch.forEach((k, j) => {
        const got = docs[j];
        if (!got)
          throw new Error(
            `cold entity ${k.entity} of job ${this.jobId} partition ${this.partition} (evicted at ${new Date(k.evictedAt).toISOString()}) is missing from ${this.index}`,
          );
        out.set(k.entity, JSON.parse(gunzipSync(Buffer.from(got.doc.data, 'base64')).toString('utf8')) as ColdEntity);
      });
    }
    return out;
  }

  async sweep(before: number): Promise<number> {
    return this.engine.deleteByQuery(this.index, {
      bool: {
        filter: [
          { term: { kind: 'cold_entity' } },
          { term: { job_id: this.jobId } },
          { term: { partition: this.partition } },
          { range: { evicted_at: { lt: before } } },
        ],
      },
    });
  }
}

/** The live set's bookkeeping, in the partition state: [entity, window last seen] and [entity, window evicted at]. */
export interface LiveSetState {
  live: [string, number][];
  cold: [string, number][];
  /** Window time of the last forgetting of expired cold entities (LiveSet.forgetExpired). */
  swept_at?: number;
}

/** Cold entities are forgotten (and their documents swept) at most once per this much window time. */
export const SWEEP_EVERY_MS = 86_400_000;

/** Which entities are live (and when each was last seen) and which are cold (and since when). */
export class LiveSet {
  private readonly lastSeen = new Map<string, number>();
  private readonly cold = new Map<string, number>();
  private sweptAt: number | undefined;

  constructor(readonly cap: number) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`live set: cap must be a whole number ≥ 1, got ${cap}`);
  }

  get liveCount(): number {
    return this.lastSeen.size;
  }

  get coldCount(): number {
    return this.cold.size;
  }

  /** Restores the window's cold entities (before it is scored) and marks every entity of the window seen. */
  async arrive(entities: readonly string[], time: number, state: EnsembleHolder, store: ColdEntityStore): Promise<number> {
    const back = entities.filter((e) => this.cold.has(e)).map((entity) => ({ entity, evictedAt: this.cold.get(entity)! }));
    if (back.length > 0) {
      const got = await store.get(back);
      for (const { entity } of back) {
        const s = got.get(entity)!;
        if (s.ensemble && state.ensemble) state.ensemble.restoreEntity(entity, s.ensemble);
        this.cold.delete(entity);
      }
    }
    for (const e of entities) {
      this.lastSeen.delete(e); // re-insert: the map stays in order of last arrival
      this.lastSeen.set(e, time);
    }
    return back.length;
  }

  /** Evicts the entities seen longest ago while more than `cap` are live; returns how many. */
  async evictBeyondCap(time: number, state: EnsembleHolder, store: ColdEntityStore): Promise<number> {
    const excess = this.lastSeen.size - this.cap;
    if (excess <= 0) return 0;
    const items: { entity: string; evictedAt: number; state: ColdEntity }[] = [];
    for (const entity of this.lastSeen.keys()) {
      if (items.length >= excess) break;
      items.push({ entity, evictedAt: time, state: { ensemble: state.ensemble?.evictEntity(entity) } });
    }
    await store.put(items);
    for (const i of items) {
      this.lastSeen.delete(i.entity);
      this.cold.set(i.entity, time);
    }
    return items.length;
  }

  /**
   * At most once per SWEEP_EVERY_MS of window time: forgets the cold entities evicted before
   * `time - retentionMs` (one that comes back starts afresh) and returns that cut-off, for the
   * store's sweep once this state is committed; undefined when no sweep is due yet.
   */
  forgetExpired(time: number, retentionMs: number): { before: number; forgotten: number } | undefined {
    if (this.sweptAt !== undefined && time - this.sweptAt < SWEEP_EVERY_MS) return undefined;
    this.sweptAt = time;
    const before = time - retentionMs;
    let forgotten = 0;
    for (const [entity, evictedAt] of this.cold) {
      if (evictedAt >= before) continue;
      this.cold.delete(entity);
      forgotten++;
    }
    return { before, forgotten };
  }

  toJSON(): LiveSetState {
    return { live: [...this.lastSeen], cold: [...this.cold], ...(this.sweptAt !== undefined ? { swept_at: this.sweptAt } : {}) };
  }

  static fromJSON(state: LiveSetState | undefined, cap: number): LiveSet {
    const s = new LiveSet(cap);
    for (const [e, t] of state?.live ?? []) s.lastSeen.set(e, t);
    for (const [e, t] of state?.cold ?? []) s.cold.set(e, t);
    s.sweptAt = state?.swept_at;
    return s;
  }
}

/** Bytes of live state one entity is budgeted at (bench/entity-state.ts measured 3–10 KB per entity and job after 72 windows with the typed sketches); turns a memory budget into a cap. */
export const ENTITY_STATE_BYTES = 12_288;

/** Live entities per (job, partition) for a memory budget in MB shared by `partitions` job partitions (0 = no cap). */
export function liveEntityCap(budgetMb: number, partitions: number): number {
  if (!(budgetMb > 0)) return 0;
  return Math.max(1, Math.floor((budgetMb * 1024 * 1024) / ENTITY_STATE_BYTES / Math.max(1, partitions)));
}
