/**
 * Request bodies Vigil sends, built once for both engines (they share the query DSL and the
 * aggregation syntax for everything used here).
 */
import type { BulkOperation, CompositeRequest, CompositeSource, JsonObject, JsonValue, StreamRequest } from './engine.js';
import { COMPOSITE_AGG } from './responses.js';

/** Keeps a bulk request well below the engines' default 100 MB `http.max_content_length`. */
export const MAX_BULK_BYTES = 8 * 1024 * 1024;

/** The two NDJSON lines of one bulk operation. */
export function bulkLines(operation: BulkOperation): [JsonObject, JsonObject] {
  const meta: JsonObject = { _index: operation.index };
  if (operation.id !== undefined) meta._id = operation.id;
  return [{ [operation.action]: meta }, operation.document];
}

/**
 * Splits operations into chunks of at most `maxBytes` serialized bytes (a single larger document
 * still travels alone), keeping each operation's original position.
 */
export function chunkOperations(
  operations: readonly BulkOperation[],
  positions: readonly number[],
  maxBytes = MAX_BULK_BYTES,
): { operations: BulkOperation[]; positions: number[] }[] {
  const chunks: { operations: BulkOperation[]; positions: number[] }[] = [];
  let current = { operations: [] as BulkOperation[], positions: [] as number[] };
  let bytes = 0;
  operations.forEach((operation, i) => {
    const size = Buffer.byteLength(JSON.stringify(operation.document)) + 64;
    if (current.operations.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = { operations: [], positions: [] };
      bytes = 0;
    }
    current.operations.push(operation);
    current.positions.push(positions[i]);
    bytes += size;
  });
  if (current.operations.length > 0) chunks.push(current);
  return chunks;
}

function compositeSource(source: CompositeSource): JsonObject {
  if ('terms' in source) {
    const terms: JsonObject = { field: source.terms.field };
    if (source.terms.missingBucket) terms.missing_bucket = true;
    return { [source.name]: { terms } };
  }
  return {
    [source.name]: { date_histogram: { field: source.dateHistogram.field, fixed_interval: `${source.dateHistogram.fixedIntervalMs}ms` } },
  };
}

/** A size-0 search holding one composite aggregation (named COMPOSITE_AGG) and its sub-aggregations. */
export function compositeBody(request: CompositeRequest): JsonObject {
  const composite: JsonObject = { size: request.pageSize, sources: request.sources.map(compositeSource) };
  if (request.after) composite.after = { ...request.after };
  const agg: JsonObject = { composite };
  if (request.aggregations && Object.keys(request.aggregations).length > 0) agg.aggs = request.aggregations;
  const body: JsonObject = { size: 0, track_total_hits: false, aggs: { [COMPOSITE_AGG]: agg } };
  if (request.query) body.query = request.query;
  return body;
}

/**
 * One page of a point-in-time search. `tiebreakers` make the sort total so `search_after` never
 * skips or repeats a document: `_shard_doc` on Elasticsearch (and OpenSearch ≥ 3.3), `_index` +
 * `_id` on older OpenSearch, which has no `_shard_doc`.
 */
export function pitSearchBody(
  request: StreamRequest,
  pit: { id: string; keepAlive: string },
  tiebreakers: readonly string[],
  searchAfter?: readonly unknown[],
): JsonObject {
  const sort: JsonValue[] = [...request.sort, ...tiebreakers].map((field) => ({ [field]: { order: 'asc' } }));
  const body: JsonObject = {
    size: request.pageSize,
    track_total_hits: false,
    pit: { id: pit.id, keep_alive: pit.keepAlive },
    sort,
    _source: request.fields.length > 0 ? [...request.fields] : false,
  };
  if (request.query) body.query = request.query;
  if (searchAfter) body.search_after = searchAfter as JsonValue[];
  return body;
}

/** Path segment encoding: index patterns keep `*` and `,` readable, ids may contain anything. */
export function seg(value: string): string {
  return encodeURIComponent(value).replace(/%2C/gi, ',').replace(/%2A/gi, '*');
}
