/**
 * The part of the Engine port both adapters share: the REST calls, bodies and response handling
 * are the same on Elasticsearch and OpenSearch for everything Vigil does. Each adapter supplies
 * the transport (its client), the point-in-time endpoints, the lifecycle API and the capability
 * probe — the places where the two engines differ.
 */
import { z } from 'zod';
import { log } from '../log.js';
import {
  EngineRequestError,
  VersionConflictError,
  type BulkItemResult,
  type BulkOperation,
  type BulkResult,
  type CompositePage,
  type CompositeRequest,
  type Engine,
  type EngineCapabilities,
  type EngineFlavour,
  type EngineInfo,
  type FieldCapability,
  type JsonObject,
  type LifecyclePolicyResult,
  type QueryDsl,
  type StreamHit,
  type StreamRequest,
  type Versioned,
  type WriteCondition,
} from './engine.js';
import { retryBackoffSeconds, type ResolvedConnection } from './connection-options.js';
import { identifyFromNodes, identifyFromRoot, type Identity, type ProbeAnswer } from './identify.js';
import { bulkLines, chunkOperations, compositeBody, pitSearchBody, seg } from './requests.js';
import {
  bulkItems,
  compositePage,
  countResponseSchema,
  fieldCapabilities,
  getDocResponseSchema,
  mgetResponseSchema,
  parseResponse,
  parseVersion,
  resolveIndexSchema,
  searchPage,
  writeResponseSchema,
} from './responses.js';
import { adaptTemplate } from './templates.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';

export interface RestRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly querystring?: Readonly<Record<string, string | number | boolean>>;
  readonly body?: JsonObject;
  /** NDJSON lines (bulk). */
  readonly bulkBody?: readonly JsonObject[];
  /** Statuses answered as a response instead of thrown as EngineRequestError. */
  readonly ignore?: readonly number[];
  /** For error messages, e.g. "bulk" or "get state vigil-state/job-1". */
  readonly operation: string;
}

/** The request as both official clients' `transport.request` take it (they share that shape). */
export function transportParams(request: RestRequest): {
  method: HttpMethod;
  path: string;
  querystring?: Record<string, string | number | boolean>;
  body?: JsonObject;
  bulkBody?: JsonObject[];
} {
  return {
    method: request.method,
    path: request.path,
    querystring: request.querystring ? { ...request.querystring } : undefined,
    body: request.body,
    bulkBody: request.bulkBody ? [...request.bulkBody] : undefined,
  };
}

export type RestResponse = ProbeAnswer;

/** Every 4xx/5xx: plugin requests answer them to the caller. */
const ANSWERED_STATUSES: readonly number[] = Array.from({ length: 200 }, (_, i) => 400 + i);

/** Statuses of `GET /` that mean "ask another way" rather than "broken". */
const ROOT_FALLBACK_STATUSES = [400, 403, 404, 405];

const idsPageSchema = z.looseObject({ hits: z.looseObject({ hits: z.array(z.looseObject({ _id: z.string() })) }) });
const deleteItemsSchema = z.looseObject({
  items: z.array(z.looseObject({ delete: z.looseObject({ _id: z.string().optional(), status: z.number() }) })),
});
const searchBodySchema = z.record(z.string(), z.unknown()) as unknown as z.ZodType<JsonObject>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export abstract class RestEngine implements Engine {
  abstract readonly flavour: EngineFlavour;
  private infoPromise?: Promise<EngineInfo>;

  protected constructor(protected readonly connection: ResolvedConnection) {}

  /** The cluster as shown in messages (no credentials). */
  get url(): string {
    return this.connection.displayUrl;
  }

  // ---- what each adapter supplies -----------------------------------------------------------

  /** One REST call through the adapter's client; client errors are mapped with toEngineError. */
  protected abstract send(request: RestRequest): Promise<RestResponse>;
  /** Opens a point in time; undefined when the pattern matches no index (nothing to stream). */
  protected abstract openPit(index: string, keepAlive: string): Promise<string | undefined>;
  protected abstract closePit(id: string): Promise<void>;
  /** Sort fields appended to every PIT search so `search_after` paging is total. */
  protected abstract pitTiebreakers(info: EngineInfo): readonly string[];
  protected abstract detectCapabilities(): Promise<EngineCapabilities>;
  abstract putLifecyclePolicy(name: string, policy: JsonObject): Promise<LifecyclePolicyResult>;
  abstract close(): Promise<void>;

  // ---- identity ------------------------------------------------------------------------------

  /** Flavour, version and cluster name as the cluster reports them (GET /, else GET /_nodes/_local). */
  async identify(): Promise<Identity> {
    const root = await this.send({ method: 'GET', path: '/', ignore: ROOT_FALLBACK_STATUSES, operation: 'read cluster info (GET /)' });
    const fromRoot = identifyFromRoot(root);
    if (fromRoot) return fromRoot;
    const nodes = await this.send({
      method: 'GET',
      path: '/_nodes/_local',
      querystring: { filter_path: 'cluster_name,nodes.*.version,nodes.*.build_flavor,nodes.*.build_type' },
      operation: 'read node info (GET /_nodes/_local)',
    });
    const fromNodes = identifyFromNodes(nodes);
    if (fromNodes) return fromNodes;
    throw new EngineRequestError(
      nodes.status,
      'unexpected_response',
      'neither GET / nor GET /_nodes/_local reported a version',
      'identify the cluster',
    );
  }

  info(): Promise<EngineInfo> {
    this.infoPromise ??= this.loadInfo();
    // A failed probe (cluster down) must not be cached forever.
    this.infoPromise.catch(() => (this.infoPromise = undefined));
    return this.infoPromise;
  }

  private async loadInfo(): Promise<EngineInfo> {
    const identity = await this.identify();
    if (identity.flavour && identity.flavour !== this.flavour) {
      throw new EngineRequestError(
        0,
        'flavour_mismatch',
        `the cluster is ${identity.flavour} ${identity.version}, but cluster.flavour says ${this.flavour}`,
        'identify the cluster',
      );
    }
    const { major, minor } = parseVersion(identity.version);
    const capabilities = await this.detectCapabilities();
    return { flavour: this.flavour, version: identity.version, major, minor, clusterName: identity.clusterName, capabilities };
  }

  // ---- templates -----------------------------------------------------------------------------

  async putComponentTemplate(name: string, template: JsonObject): Promise<void> {
    const body = adaptTemplate(template, { flavour: this.flavour, ilm: (await this.info()).capabilities.ilm });
    await this.send({ method: 'PUT', path: `/_component_template/${seg(name)}`, body, operation: `put component template ${name}` });
  }

  async putIndexTemplate(name: string, template: JsonObject): Promise<void> {
    const body = adaptTemplate(template, { flavour: this.flavour, ilm: (await this.info()).capabilities.ilm });
    await this.send({ method: 'PUT', path: `/_index_template/${seg(name)}`, body, operation: `put index template ${name}` });
  }

  // ---- bulk ----------------------------------------------------------------------------------

  async bulk(operations: readonly BulkOperation[], options: { refresh?: boolean } = {}): Promise<BulkResult> {
    const results = new Array<BulkItemResult>(operations.length);
    let pending = operations.map((_, i) => i);
    // Items refused with 429 (write queue full) are re-sent with backoff; every other failure is reported as is.
    for (let attempt = 0; pending.length > 0; attempt++) {
      const rejected: number[] = [];
      for (const chunk of chunkOperations(
        pending.map((i) => operations[i]),
        pending,
      )) {
        const response = await this.send({
          method: 'POST',
          path: '/_bulk',
          querystring: options.refresh ? { refresh: 'true' } : undefined,
          bulkBody: chunk.operations.flatMap(bulkLines),
          operation: `bulk (${chunk.operations.length} operations)`,
        });
        for (const item of bulkItems(response.body, chunk.operations, chunk.positions)) {
          results[item.position] = item;
          if (item.status === 429) rejected.push(item.position);
        }
      }
      if (rejected.length === 0 || attempt >= this.connection.maxRetries) break;
      await sleep(retryBackoffSeconds(attempt + 1) * 1000);
      pending = rejected;
    }
    const failed = results.filter((r) => !r.ok).length;
    return { items: results, succeeded: results.length - failed, failed };
  }

  // ---- reading -------------------------------------------------------------------------------

  async compositePage(request: CompositeRequest): Promise<CompositePage> {
    const response = await this.send({
      method: 'POST',
      path: `/${seg(request.index)}/_search`,
      body: compositeBody(request),
      operation: `composite aggregation on ${request.index}`,
    });
    return compositePage(response.body, request.pageSize);
  }

  async *stream(request: StreamRequest): AsyncGenerator<readonly StreamHit[]> {
    const info = await this.info();
    const keepAlive = request.keepAlive ?? '2m';
    let pitId = await this.openPit(request.index, keepAlive);
    if (pitId === undefined) return;
    try {
      let searchAfter: readonly unknown[] | undefined;
      for (;;) {
        const response = await this.send({
          method: 'POST',
          path: '/_search',
          body: pitSearchBody(request, { id: pitId, keepAlive }, this.pitTiebreakers(info), searchAfter),
          operation: `point-in-time search on ${request.index}`,
        });
        const page = searchPage(response.body);
        if (page.pitId) pitId = page.pitId;
        if (page.hits.length > 0) yield page.hits;
        if (page.hits.length < request.pageSize || !page.lastSort) break;
        searchAfter = page.lastSort;
      }
    } finally {
      // Runs on completion, on error and when the consumer stops early (generator return).
      await this.closePit(pitId).catch((error: unknown) => log.warn({ err: error, index: request.index }, 'could not close point in time'));
    }
  }

  async search(index: string, body: JsonObject): Promise<JsonObject> {
    const response = await this.send({ method: 'POST', path: `/${seg(index)}/_search`, body, operation: `search ${index}` });
    return parseResponse(searchBodySchema, response.body, `search ${index}`);
  }

  async count(index: string, query?: QueryDsl): Promise<number> {
    const response = await this.send({
      method: 'POST',
      path: `/${seg(index)}/_count`,
      body: query ? { query } : undefined,
      operation: `count ${index}`,
    });
    return parseResponse(countResponseSchema, response.body, `count ${index}`).count;
  }

  async fieldCaps(index: string, fields: readonly string[]): Promise<readonly FieldCapability[]> {
    if (fields.length === 0) return [];
    const response = await this.send({
      method: 'GET',
      path: `/${seg(index)}/_field_caps`,
      querystring: { fields: fields.join(','), ignore_unavailable: true, allow_no_indices: true },
      operation: `field capabilities of ${index}`,
    });
    return fieldCapabilities(response.body, fields);
  }

  // ---- state documents -----------------------------------------------------------------------

  async getState<T extends JsonObject>(index: string, id: string): Promise<Versioned<T> | null> {
    const operation = `get state ${index}/${id}`;
    const response = await this.send({ method: 'GET', path: `/${seg(index)}/_doc/${seg(id)}`, ignore: [404], operation });
    // 404 is either "no such document" (found: false) or "no such index": both mean no state yet.
    if (response.status === 404) return null;
    const doc = parseResponse(getDocResponseSchema, response.body, operation);
    if (!doc.found || doc._source === undefined || doc._seq_no === undefined || doc._primary_term === undefined) return null;
    return { doc: doc._source as T, seqNo: doc._seq_no, primaryTerm: doc._primary_term };
  }

  async putState<T extends JsonObject>(
    index: string,
    id: string,
    doc: T,
    condition: WriteCondition,
  ): Promise<{ seqNo: number; primaryTerm: number }> {
    const operation = `put state ${index}/${id}`;
    const path = condition.kind === 'create' ? `/${seg(index)}/_create/${seg(id)}` : `/${seg(index)}/_doc/${seg(id)}`;
    const querystring = condition.kind === 'match' ? { if_seq_no: condition.seqNo, if_primary_term: condition.primaryTerm } : undefined;
    const response = await this.send({ method: 'PUT', path, querystring, body: doc, ignore: [409], operation });
    if (response.status === 409) {
      const detail =
        condition.kind === 'create'
          ? 'the document already exists'
          : `it is no longer at seq_no ${condition.kind === 'match' ? condition.seqNo : '?'}`;
      throw new VersionConflictError(index, id, detail);
    }
    const written = parseResponse(writeResponseSchema, response.body, operation);
    return { seqNo: written._seq_no, primaryTerm: written._primary_term };
  }

  async deleteState(index: string, id: string): Promise<void> {
    await this.send({ method: 'DELETE', path: `/${seg(index)}/_doc/${seg(id)}`, ignore: [404], operation: `delete state ${index}/${id}` });
  }

  async mgetState<T extends JsonObject>(index: string, ids: readonly string[]): Promise<(Versioned<T> | null)[]> {
    if (ids.length === 0) return [];
    const operation = `multi-get state ${index} (${ids.length} ids)`;
    const response = await this.send({ method: 'POST', path: `/${seg(index)}/_mget`, body: { ids: [...ids] }, ignore: [404], operation });
    if (response.status === 404) return ids.map(() => null);
    const { docs } = parseResponse(mgetResponseSchema, response.body, operation);
    if (docs.length !== ids.length)
      throw new EngineRequestError(200, 'unexpected_response', `_mget answered ${docs.length} documents for ${ids.length} ids`, operation);
    return docs.map((doc, i): Versioned<T> | null => {
      if (doc._id !== ids[i])
        throw new EngineRequestError(200, 'unexpected_response', `_mget answered ${doc._id} at the place of ${ids[i]}`, operation);
      if (doc.error !== undefined) {
        const type = typeof doc.error === 'string' ? doc.error : (doc.error.type ?? 'error');
        if (type === 'index_not_found_exception') return null;
        const reason = typeof doc.error === 'string' ? doc.error : (doc.error.reason ?? type);
        throw new EngineRequestError(200, type, `${ids[i]}: ${reason}`, operation);
      }
      if (!doc.found || doc._source === undefined || doc._seq_no === undefined || doc._primary_term === undefined) return null;
      return { doc: doc._source as T, seqNo: doc._seq_no, primaryTerm: doc._primary_term };
    });
  }

  /**
   * Search + bulk delete in rounds of up to 1,000 ids, refreshing between rounds, until nothing
   * matches: `_delete_by_query` lives in the reindex module, which the minimal distributions lack.
   */
  async deleteByQuery(index: string, query: QueryDsl): Promise<number> {
    const operation = `delete by query ${index}`;
    let deleted = 0;
    for (;;) {
      await this.refresh(index);
      const response = await this.send({
        method: 'POST',
        path: `/${seg(index)}/_search`,
        querystring: { ignore_unavailable: true, allow_no_indices: true },
        body: { query, size: 1_000, _source: false, track_total_hits: false },
        ignore: [404],
        operation,
      });
      if (response.status === 404) return deleted;
      const ids = parseResponse(idsPageSchema, response.body, operation).hits.hits.map((h) => h._id);
      if (ids.length === 0) return deleted;
      const answer = await this.send({
        method: 'POST',
        path: '/_bulk',
        bulkBody: ids.map((id): JsonObject => ({ delete: { _index: index, _id: id } })),
        operation: `${operation} (bulk delete of ${ids.length})`,
      });
      const items = parseResponse(deleteItemsSchema, answer.body, operation).items.map((i) => i.delete);
      const refused = items.find((i) => i.status >= 300 && i.status !== 404);
      if (refused) throw new EngineRequestError(refused.status, 'delete_refused', `deleting ${refused._id ?? '?'} was refused`, operation);
      deleted += items.filter((i) => i.status < 300).length;
    }
  }

  // ---- plugin APIs ---------------------------------------------------------------------------

  /**
   * One JSON request to a plugin API outside the port (OpenSearch Alerting / Notifications).
   * Every HTTP status is answered, not thrown; an unreachable cluster still throws EngineUnavailableError.
   */
  async pluginRequest(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: JsonObject,
  ): Promise<{ status: number; body: unknown }> {
    const response = await this.send({ method, path, body, ignore: ANSWERED_STATUSES, operation: `${method} ${path}` });
    return { status: response.status, body: response.body };
  }

  // ---- index management ----------------------------------------------------------------------

  async refresh(index: string): Promise<void> {
    await this.send({
      method: 'POST',
      path: `/${seg(index)}/_refresh`,
      querystring: { ignore_unavailable: true, allow_no_indices: true },
      operation: `refresh ${index}`,
    });
  }

  /**
   * Resolves the pattern to concrete indices first: Elasticsearch 8 refuses wildcard deletes
   * (`action.destructive_requires_name`), and a missing index is not an error here.
   */
  async deleteIndex(pattern: string): Promise<void> {
    const operation = `delete index ${pattern}`;
    const response = await this.send({
      method: 'GET',
      path: `/_resolve/index/${seg(pattern)}`,
      querystring: { expand_wildcards: 'all' },
      ignore: [404],
      operation,
    });
    if (response.status === 404) return;
    const names = parseResponse(resolveIndexSchema, response.body, operation).indices.map((i) => i.name);
    // Keep URLs short: a few dozen names per request.
    for (let i = 0; i < names.length; i += 50) {
      const batch = names
        .slice(i, i + 50)
        .map(seg)
        .join(',');
      await this.send({ method: 'DELETE', path: `/${batch}`, querystring: { ignore_unavailable: true }, ignore: [404], operation });
    }
  }
}
