/**
 * An in-process implementation of the Engine port for the pipeline's unit tests: documents in
 * maps, sequence numbers per index, optimistic concurrency with the engines' semantics, and
 * scripted failures (whole-request outages, per-item statuses) so retry and lease logic can be
 * tested deterministically. The integration tests run the same code against the real engines.
 */
import {
  EngineRequestError,
  EngineUnavailableError,
  VersionConflictError,
  type BulkItemResult,
  type BulkOperation,
  type BulkResult,
  type CompositePage,
  type Engine,
  type EngineInfo,
  type FieldCapability,
  type JsonObject,
  type LifecyclePolicyResult,
  type StreamHit,
  type Versioned,
  type WriteCondition,
} from '../../../src/engine/engine.js';

interface Stored {
  doc: JsonObject;
  seqNo: number;
  primaryTerm: number;
}

export class MemoryEngine implements Engine {
  readonly flavour = 'opensearch' as const;
  readonly indices = new Map<string, Map<string, Stored>>();
  readonly templates = new Map<string, JsonObject>();
  readonly componentTemplates = new Map<string, JsonObject>();
  readonly policies = new Map<string, JsonObject>();
  private seq = 0;
  /** While true every call fails as if the cluster were down. */
  down = false;
  /** Per bulk call: a function deciding each item's status (200 = accept). */
  bulkStatus: ((op: BulkOperation, attempt: number) => number) | undefined;
  /** Whole bulk requests to fail with this status before succeeding (e.g. [503, 503]). */
  bulkRequestFailures: number[] = [];
  bulkCalls = 0;
  /** Calls of mgetState and getState (restores should be one multi-get per batch, not one get each). */
  mgetCalls = 0;
  getCalls = 0;
  private readonly attempts = new Map<string, number>();
  capabilities = { ilm: false, ism: false, alerting: false, notifications: false };

  private check(): void {
    if (this.down) throw new EngineUnavailableError('memory://', 'connection refused');
  }

  private idx(name: string): Map<string, Stored> {
    let m = this.indices.get(name);
    if (!m) {
      m = new Map();
      this.indices.set(name, m);
    }
    return m;
  }

  async info(): Promise<EngineInfo> {
    this.check();
    return { flavour: 'opensearch', version: '2.19.6', major: 2, minor: 19, clusterName: 'memory', capabilities: this.capabilities };
  }

  async putComponentTemplate(name: string, template: JsonObject): Promise<void> {
    this.check();
    this.componentTemplates.set(name, template);
  }

  async putIndexTemplate(name: string, template: JsonObject): Promise<void> {
    this.check();
    this.templates.set(name, template);
  }

  async putLifecyclePolicy(name: string, policy: JsonObject): Promise<LifecyclePolicyResult> {
    this.check();
    if (!this.capabilities.ilm && !this.capabilities.ism) return 'unsupported';
    this.policies.set(name, policy);
    return 'applied';
  }

  async bulk(operations: readonly BulkOperation[]): Promise<BulkResult> {
    this.check();
    this.bulkCalls++;
    const failure = this.bulkRequestFailures.shift();
    if (failure !== undefined) throw new EngineRequestError(failure, 'unavailable', 'scripted failure', 'bulk');
    const items: BulkItemResult[] = operations.map((op, position) => {
      const key = `${op.index}/${op.id}`;
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, attempt);
      const status = this.bulkStatus ? this.bulkStatus(op, attempt) : 200;
      const id = op.id ?? `auto-${++this.seq}`;
      if (status >= 300) {
        return {
          position,
          index: op.index,
          id,
          status,
          ok: false,
          error: {
            type: status === 429 ? 'es_rejected_execution_exception' : status >= 500 ? 'unavailable' : 'document_parsing_exception',
            reason: `scripted ${status}`,
          },
        };
      }
      const m = this.idx(op.index);
      if (op.action === 'create' && m.has(id)) {
        return {
          position,
          index: op.index,
          id,
          status: 409,
          ok: false,
          error: { type: 'version_conflict_engine_exception', reason: 'exists' },
        };
      }
      m.set(id, { doc: structuredClone(op.document), seqNo: ++this.seq, primaryTerm: 1 });
      return { position, index: op.index, id, status: 201, ok: true };
    });
    const failed = items.filter((i) => !i.ok).length;
    return { items, succeeded: items.length - failed, failed };
  }

  async compositePage(): Promise<CompositePage> {
    throw new Error('MemoryEngine: compositePage is not implemented');
  }

  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<readonly StreamHit[]> {
    throw new Error('MemoryEngine: stream is not implemented');
  }

  /** Supports only `{query: {bool: {filter: [{term} | {range}], must_not: [{term}]}}}` and match_all, which is what the pipeline sends. */
  async search(index: string, body: JsonObject): Promise<JsonObject> {
    this.check();
    const docs = [...this.idx(index).entries()].filter(([, s]) => matches(s.doc, body.query as JsonObject | undefined));
    return { hits: { total: { value: docs.length }, hits: docs.map(([id, s]) => ({ _id: id, _source: s.doc })) } };
  }

  async count(index: string): Promise<number> {
    this.check();
    return this.idx(index).size;
  }

  async fieldCaps(): Promise<readonly FieldCapability[]> {
    return [];
  }

  async getState<T extends JsonObject>(index: string, id: string): Promise<Versioned<T> | null> {
    this.check();
    this.getCalls++;
    const s = this.idx(index).get(id);
    return s ? { doc: structuredClone(s.doc) as T, seqNo: s.seqNo, primaryTerm: s.primaryTerm } : null;
  }

  async putState<T extends JsonObject>(
    index: string,
    id: string,
    doc: T,
    condition: WriteCondition,
  ): Promise<{ seqNo: number; primaryTerm: number }> {
    this.check();
    const m = this.idx(index);
    const existing = m.get(id);
    if (condition.kind === 'create' && existing) throw new VersionConflictError(index, id, 'document already exists');
    if (condition.kind === 'match' && (existing?.seqNo !== condition.seqNo || existing.primaryTerm !== condition.primaryTerm)) {
      throw new VersionConflictError(index, id, `expected seq_no ${condition.seqNo}, found ${existing?.seqNo ?? 'none'}`);
    }
    const stored = { doc: structuredClone(doc), seqNo: ++this.seq, primaryTerm: 1 };
    m.set(id, stored);
    return { seqNo: stored.seqNo, primaryTerm: stored.primaryTerm };
  }

  async deleteState(index: string, id: string): Promise<void> {
    this.check();
    this.idx(index).delete(id);
  }

  async mgetState<T extends JsonObject>(index: string, ids: readonly string[]): Promise<(Versioned<T> | null)[]> {
    this.check();
    this.mgetCalls++;
    const m = this.idx(index);
    return ids.map((id) => {
      const s = m.get(id);
      return s ? { doc: structuredClone(s.doc) as T, seqNo: s.seqNo, primaryTerm: s.primaryTerm } : null;
    });
  }

  async deleteByQuery(index: string, query: JsonObject): Promise<number> {
    this.check();
    const m = this.idx(index);
    let deleted = 0;
    for (const [id, s] of [...m]) {
      if (!matches(s.doc, query)) continue;
      m.delete(id);
      deleted++;
    }
    return deleted;
  }

  async refresh(): Promise<void> {
    this.check();
  }

  async deleteIndex(pattern: string): Promise<void> {
    const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    for (const name of [...this.indices.keys()]) if (re.test(name)) this.indices.delete(name);
  }

  async close(): Promise<void> {
    // nothing to release: the engine lives in memory
  }
}

function matches(doc: JsonObject, query: JsonObject | undefined): boolean {
  if (!query || 'match_all' in query) return true;
  const bool = query.bool as JsonObject | undefined;
  if (!bool) throw new Error(`MemoryEngine: unsupported query ${JSON.stringify(query)}`);
  const term = (clause: JsonObject): boolean => {
    if ('range' in clause) {
      return Object.entries(clause.range as JsonObject).every(([field, bounds]) => {
        const v = get(doc, field) as number;
        const b = bounds as { lt?: number; lte?: number; gt?: number; gte?: number };
        return (
          typeof v === 'number' &&
          (b.lt === undefined || v < b.lt) &&
          (b.lte === undefined || v <= b.lte) &&
          (b.gt === undefined || v > b.gt) &&
          (b.gte === undefined || v >= b.gte)
        );
      });
    }
    const t = clause.term as JsonObject;
    return Object.entries(t).every(([field, value]) => get(doc, field) === value);
  };
  const filter = (bool.filter as JsonObject[] | undefined) ?? [];
  const mustNot = (bool.must_not as JsonObject[] | undefined) ?? [];
  return filter.every(term) && !mustNot.some(term);
}

function get(doc: JsonObject, path: string): unknown {
  if (path in doc) return doc[path];
  let node: unknown = doc;
  for (const part of path.split('.'))
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}
