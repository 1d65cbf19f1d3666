/**
 * Response shapes of the REST calls Vigil makes, validated with zod and normalised into the
 * engine port's types. Both engines answer these calls with the same JSON; where they differ
 * (PIT ids, version info) the schema accepts both forms.
 */
import { z } from 'zod';
import {
  EngineRequestError,
  type BulkItemResult,
  type BulkOperation,
  type CompositeBucket,
  type CompositeKey,
  type CompositePage,
  type FieldCapability,
  type JsonObject,
  type StreamHit,
} from './engine.js';

const jsonObject = z.record(z.string(), z.unknown()) as unknown as z.ZodType<JsonObject>;

/** Validates a response body; a mismatch is an engine error, not a crash deeper in the pipeline. */
export function parseResponse<T>(schema: z.ZodType<T>, body: unknown, operation: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown shape';
  throw new EngineRequestError(200, 'unexpected_response', `response did not have the expected shape (${where})`, operation);
}

// ---------------------------------------------------------------------------------------------
// Bulk

const bulkItemSchema = z.looseObject({
  _index: z.string().optional(),
  _id: z.string().nullable().optional(),
  status: z.number(),
  error: z.union([z.looseObject({ type: z.string().optional(), reason: z.string().nullable().optional() }), z.string()]).optional(),
});

export const bulkResponseSchema = z.looseObject({
  items: z.array(z.record(z.string(), bulkItemSchema)),
});

/**
 * Per-item results of one bulk request. `positions[i]` is the caller's position of the i-th
 * operation sent (bulk requests may be split into chunks and retried).
 */
export function bulkItems(body: unknown, operations: readonly BulkOperation[], positions: readonly number[]): BulkItemResult[] {
  const parsed = parseResponse(bulkResponseSchema, body, 'bulk');
  if (parsed.items.length !== operations.length) {
    throw new EngineRequestError(
      200,
      'unexpected_response',
      `bulk answered ${parsed.items.length} items for ${operations.length} operations`,
      'bulk',
    );
  }
  return parsed.items.map((entry, i): BulkItemResult => {
    const item = Object.values(entry)[0];
    const operation = operations[i];
    const base = {
      position: positions[i],
      index: item?._index ?? operation.index,
      id: item?._id ?? operation.id ?? '',
      status: item?.status ?? 0,
    };
    if (item && item.status < 300 && item.error === undefined) return { ...base, ok: true };
    const error =
      typeof item?.error === 'string'
        ? { type: 'unknown', reason: item.error }
        : { type: item?.error?.type ?? 'unknown', reason: item?.error?.reason ?? `status ${base.status}` };
    return { ...base, ok: false, error };
  });
}

// ---------------------------------------------------------------------------------------------
// Composite aggregation

const compositeKeySchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

const compositeResponseSchema = z.looseObject({
  aggregations: z
    .looseObject({
      composite: z.looseObject({
        buckets: z.array(z.looseObject({ key: compositeKeySchema, doc_count: z.number() })),
        after_key: compositeKeySchema.optional(),
      }),
    })
    .optional(),
});

/** The composite aggregation's name inside Vigil's requests. */
export const COMPOSITE_AGG = 'composite';

export function compositePage(body: unknown, pageSize: number): CompositePage {
  const parsed = parseResponse(compositeResponseSchema, body, 'composite aggregation');
  // An index pattern that matches nothing answers without aggregations.
  const agg = parsed.aggregations?.composite;
  if (!agg) return { buckets: [] };
  const buckets = agg.buckets.map((bucket): CompositeBucket => {
    const { key, doc_count: docCount, ...rest } = bucket;
    return { key: normaliseKey(key), docCount, aggregations: rest as JsonObject };
  });
  // A short page is the last one; engines still send after_key with it, which would cost one more empty request.
  const last = buckets.length < pageSize || agg.after_key === undefined;
  return last ? { buckets } : { buckets, afterKey: normaliseKey(agg.after_key!) };
}

function normaliseKey(key: Record<string, string | number | boolean | null>): CompositeKey {
  const out: Record<string, string | number | null> = {};
  for (const [k, v] of Object.entries(key)) out[k] = typeof v === 'boolean' ? String(v) : v;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Search hits (point-in-time pages)

const hitSchema = z.looseObject({
  _id: z.string(),
  _index: z.string(),
  _source: jsonObject.optional(),
  sort: z.array(z.unknown()).optional(),
});

const searchPageSchema = z.looseObject({
  pit_id: z.string().optional(),
  hits: z.looseObject({ hits: z.array(hitSchema) }),
});

export interface SearchPage {
  readonly hits: readonly StreamHit[];
  /** Sort values of the last hit: the next page's `search_after`. */
  readonly lastSort?: readonly unknown[];
  /** Engines may hand back a new PIT id with every page. */
  readonly pitId?: string;
}

export function searchPage(body: unknown): SearchPage {
  const parsed = parseResponse(searchPageSchema, body, 'point-in-time search');
  const hits = parsed.hits.hits.map((h): StreamHit => ({ id: h._id, index: h._index, source: h._source ?? {} }));
  const lastSort = parsed.hits.hits.at(-1)?.sort;
  return { hits, lastSort, pitId: parsed.pit_id };
}

// ---------------------------------------------------------------------------------------------
// Small responses

export const countResponseSchema = z.looseObject({ count: z.number() });

const fieldCapsSchema = z.looseObject({
  fields: z.record(z.string(), z.record(z.string(), z.looseObject({ type: z.string() }))),
});

export function fieldCapabilities(body: unknown, fields: readonly string[]): FieldCapability[] {
  const parsed = parseResponse(fieldCapsSchema, body, 'field capabilities');
  return fields.map((field) => {
    const types = Object.keys(parsed.fields[field] ?? {}).filter((t) => t !== 'unmapped');
    return { field, types: types.sort() };
  });
}

export const getDocResponseSchema = z.looseObject({
  found: z.boolean(),
  _source: jsonObject.optional(),
  _seq_no: z.number().optional(),
  _primary_term: z.number().optional(),
});

/** `_mget`: one entry per id asked for, each a get answer or an error (a missing index answers one per id). */
export const mgetResponseSchema = z.looseObject({
  docs: z.array(
    z.looseObject({
      _id: z.string(),
      found: z.boolean().optional(),
      _source: jsonObject.optional(),
      _seq_no: z.number().optional(),
      _primary_term: z.number().optional(),
      error: z.union([z.looseObject({ type: z.string().optional(), reason: z.string().nullable().optional() }), z.string()]).optional(),
    }),
  ),
});

export const writeResponseSchema = z.looseObject({ _seq_no: z.number(), _primary_term: z.number() });

export const rootInfoSchema = z.looseObject({
  cluster_name: z.string(),
  version: z.looseObject({ number: z.string(), distribution: z.string().optional(), build_flavor: z.string().optional() }),
});

export const nodesInfoSchema = z.looseObject({
  cluster_name: z.string(),
  nodes: z.record(
    z.string(),
    z.looseObject({ version: z.string(), build_flavor: z.string().optional(), build_type: z.string().optional() }),
  ),
});

export const resolveIndexSchema = z.looseObject({
  indices: z.array(z.looseObject({ name: z.string() })).default([]),
  data_streams: z.array(z.looseObject({ name: z.string() })).default([]),
});

/** "2.19.6" → 2, 19 (pre-release suffixes like "9.0.0-beta1" are ignored). */
export function parseVersion(version: string): { major: number; minor: number } {
  const match = /^(\d+)\.(\d+)/.exec(version);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : { major: 0, minor: 0 };
}
