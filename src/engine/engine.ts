/**
 * The port through which every part of Vigil talks to a cluster.
 *
 * Kept deliberately small: only what the pipeline, installer, alerting dead-letter store and
 * doctor use. Differences between Elasticsearch and OpenSearch (response shapes, unsupported
 * settings, PIT endpoints, lifecycle APIs) live in the adapters, never in callers.
 */
import type { EngineFlavour } from '../embedded/versions.js';

export type { EngineFlavour };

export interface EngineInfo {
  readonly flavour: EngineFlavour;
  /** e.g. "2.19.6" */
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  readonly clusterName: string;
  /** Optional features found on this cluster (the minimal test distributions have none of them). */
  readonly capabilities: EngineCapabilities;
}

export interface EngineCapabilities {
  /** Elasticsearch index lifecycle management (`_ilm`). */
  readonly ilm: boolean;
  /** OpenSearch index state management (`_plugins/_ism`). */
  readonly ism: boolean;
  /** OpenSearch Alerting plugin (`_plugins/_alerting`). */
  readonly alerting: boolean;
  /** OpenSearch Notifications plugin (`_plugins/_notifications`). */
  readonly notifications: boolean;
}

/** A JSON object as sent to / received from the engine. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** Query DSL is passed through as JSON: both engines share it for everything Vigil uses. */
export type QueryDsl = JsonObject;

// ---------------------------------------------------------------------------------------------
// Bulk

export interface BulkOperation {
  /** `index` overwrites (deterministic ids make re-runs idempotent); `create` refuses an existing id. */
  readonly action: 'index' | 'create';
  readonly index: string;
  readonly id?: string;
  readonly document: JsonObject;
}

export interface BulkItemResult {
  /** Position of the operation in the request. */
  readonly position: number;
  readonly index: string;
  readonly id: string;
  readonly status: number;
  readonly ok: boolean;
  /** Present when `ok` is false: the engine's error type and reason, e.g. `document_parsing_exception`. */
  readonly error?: { readonly type: string; readonly reason: string };
}

export interface BulkResult {
  readonly items: readonly BulkItemResult[];
  readonly succeeded: number;
  readonly failed: number;
}

// ---------------------------------------------------------------------------------------------
// Composite aggregation paging

export type CompositeSource =
  | { readonly name: string; readonly terms: { readonly field: string; readonly missingBucket?: boolean } }
  | { readonly name: string; readonly dateHistogram: { readonly field: string; readonly fixedIntervalMs: number } };

export interface CompositeRequest {
  readonly index: string;
  readonly query?: QueryDsl;
  readonly sources: readonly CompositeSource[];
  /** Sub-aggregations (raw DSL) computed inside every composite bucket. */
  readonly aggregations?: JsonObject;
  /** Buckets per page. */
  readonly pageSize: number;
  /** Resume after this key (from a previous page's `afterKey`). */
  readonly after?: CompositeKey;
}

export type CompositeKey = Readonly<Record<string, string | number | null>>;

export interface CompositeBucket {
  readonly key: CompositeKey;
  readonly docCount: number;
  /** Sub-aggregation results exactly as the engine returned them. */
  readonly aggregations: JsonObject;
}

export interface CompositePage {
  readonly buckets: readonly CompositeBucket[];
  /** Undefined on the last page. */
  readonly afterKey?: CompositeKey;
}

// ---------------------------------------------------------------------------------------------
// Point-in-time streaming

export interface StreamRequest {
  readonly index: string;
  readonly query?: QueryDsl;
  /** Fields to return from `_source` (only what the consumer needs). */
  readonly fields: readonly string[];
  /** Sort on these fields ascending; the adapter adds a tiebreaker so paging is total. */
  readonly sort: readonly string[];
  readonly pageSize: number;
  /** PIT keep-alive, e.g. "2m". */
  readonly keepAlive?: string;
}

export interface StreamHit {
  readonly id: string;
  readonly index: string;
  readonly source: JsonObject;
}

// ---------------------------------------------------------------------------------------------
// State documents with optimistic concurrency

export interface Versioned<T> {
  readonly doc: T;
  readonly seqNo: number;
  readonly primaryTerm: number;
}

/** Concurrency precondition for a state write. */
export type WriteCondition =
  /** Only if the document does not exist yet. */
  | { readonly kind: 'create' }
  /** Only if the document is still at this version (`if_seq_no` / `if_primary_term`). */
  | { readonly kind: 'match'; readonly seqNo: number; readonly primaryTerm: number }
  /** Unconditional overwrite. */
  | { readonly kind: 'none' };

/** Thrown when a conditional state write loses a race (HTTP 409). */
export class VersionConflictError extends Error {
  constructor(
    readonly index: string,
    readonly id: string,
    detail: string,
  ) {
    super(`version conflict writing ${index}/${id}: ${detail}`);
    this.name = 'VersionConflictError';
  }
}

/** Thrown when the cluster cannot be reached (connection refused, DNS, TLS, timeout). */
export class EngineUnavailableError extends Error {
  constructor(
    readonly url: string,
    /** The underlying cause alone, e.g. "connect ECONNREFUSED 127.0.0.1:9". */
    readonly detail: string,
  ) {
    super(`cannot reach the cluster at ${url}: ${detail}`);
    this.name = 'EngineUnavailableError';
  }
}

/** Any other error answered by the engine, with its status and error type. */
export class EngineRequestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string,
    readonly operation: string,
  ) {
    super(`${operation} failed (${status} ${type}): ${reason}`);
    this.name = 'EngineRequestError';
  }
}

// ---------------------------------------------------------------------------------------------

export interface FieldCapability {
  readonly field: string;
  /** Mapped types across the matched indices; empty when the field is not mapped anywhere. */
  readonly types: readonly string[];
}

export type LifecyclePolicyResult = 'applied' | 'unsupported';

export interface Engine {
  readonly flavour: EngineFlavour;
  /** Version, flavour and optional capabilities (cached after the first call). */
  info(): Promise<EngineInfo>;

  putComponentTemplate(name: string, template: JsonObject): Promise<void>;
  putIndexTemplate(name: string, template: JsonObject): Promise<void>;
  /**
   * ILM policy on Elasticsearch, ISM policy on OpenSearch. `policy` is the engine-native body.
   * Returns 'unsupported' (without throwing) when the cluster lacks the lifecycle feature.
   */
  putLifecyclePolicy(name: string, policy: JsonObject): Promise<LifecyclePolicyResult>;

  /** Bulk write with per-item results; never throws for item-level failures. */
  bulk(operations: readonly BulkOperation[], options?: { refresh?: boolean }): Promise<BulkResult>;

  /** One page of a composite aggregation; callers loop on `afterKey`. */
  compositePage(request: CompositeRequest): Promise<CompositePage>;

  /** Streams matching documents page by page with point-in-time + search_after; closes the PIT at the end or on error. */
  stream(request: StreamRequest): AsyncIterable<readonly StreamHit[]>;

  /** A raw search (size, aggs, query) for the few callers that need one: eval on a cluster, dashboard checks. */
  search(index: string, body: JsonObject): Promise<JsonObject>;
  count(index: string, query?: QueryDsl): Promise<number>;
  fieldCaps(index: string, fields: readonly string[]): Promise<readonly FieldCapability[]>;

  getState<T extends JsonObject>(index: string, id: string): Promise<Versioned<T> | null>;
  /** Throws VersionConflictError when the condition does not hold. */
  putState<T extends JsonObject>(
    index: string,
    id: string,
    doc: T,
    condition: WriteCondition,
  ): Promise<{ seqNo: number; primaryTerm: number }>;
  deleteState(index: string, id: string): Promise<void>;
  /**
   * Several state documents in one request (`_mget`), in the order of `ids`: null where the
   * document (or the whole index) is missing.
   */
  mgetState<T extends JsonObject>(index: string, ids: readonly string[]): Promise<(Versioned<T> | null)[]>;
  /**
   * Deletes the documents matching the query (the index refreshed first, so recent writes are
   * seen); returns how many were deleted. A missing index deletes nothing. Meant for small
   * housekeeping sets (cold-entity sweeps), not bulk data removal.
   */
  deleteByQuery(index: string, query: QueryDsl): Promise<number>;

  refresh(index: string): Promise<void>;
  /** Deletes indices matching the pattern; a missing index is not an error. */
  deleteIndex(pattern: string): Promise<void>;
  close(): Promise<void>;

  /**
   * Optional: one JSON request to a plugin API outside this port (OpenSearch Alerting and
   * Notifications, used by src/alerting/siem-definitions.ts). Answers every status instead of
   * throwing on 4xx/5xx; callers treat a missing method as "not supported by this adapter".
   */
  pluginRequest?(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: JsonObject): Promise<{ status: number; body: unknown }>;
}
