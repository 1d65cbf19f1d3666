/**
 * Maps the errors of both clients onto Vigil's three engine errors.
 *
 * `@elastic/elasticsearch` and `@opensearch-project/opensearch` share their error vocabulary (the
 * OpenSearch client is a fork of the 7.x Elasticsearch client): connection-level failures are
 * `ConnectionError` / `TimeoutError` / `NoLivingConnectionsError`, answered errors are
 * `ResponseError` carrying `meta.statusCode` and the JSON `meta.body`. We match on the error's
 * `name` so this module depends on neither client.
 */
import { EngineRequestError, EngineUnavailableError } from './engine.js';
import { isRecord } from '../guards.js';

const UNAVAILABLE = new Set(['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError', 'RequestAbortedError']);

export interface ErrorContext {
  /** The cluster as shown to users (credentials stripped). */
  readonly url: string;
  /** What Vigil was doing, e.g. "bulk" or "get state vigil-state/job-1". */
  readonly operation: string;
}

/** The `{type, reason}` of an engine error body, whatever its shape (object, string, missing). */
export function errorTypeAndReason(body: unknown, fallbackReason: string): { type: string; reason: string } {
  if (isRecord(body)) {
    const error = body.error;
    if (isRecord(error)) {
      const type = typeof error.type === 'string' ? error.type : 'unknown';
      const reason = typeof error.reason === 'string' ? error.reason : fallbackReason;
      // "all shards failed" says nothing by itself: the shard's root cause (e.g. a circuit breaker) is what callers act on.
      const root = Array.isArray(error.root_cause) && isRecord(error.root_cause[0]) ? error.root_cause[0] : undefined;
      const rootCause =
        root && typeof root.reason === 'string' && root.reason !== reason
          ? `${typeof root.type === 'string' ? `${root.type}: ` : ''}${root.reason}`
          : undefined;
      const cause = isRecord(error.caused_by) && typeof error.caused_by.reason === 'string' ? error.caused_by.reason : rootCause;
      return { type, reason: cause && !reason.includes(cause) ? `${reason} (${cause})` : reason };
    }
    // "no handler found for uri …" comes back as a bare string.
    if (typeof error === 'string') return { type: 'unknown', reason: error };
  }
  if (typeof body === 'string' && body.length > 0) return { type: 'unknown', reason: body.slice(0, 500) };
  return { type: 'unknown', reason: fallbackReason };
}

/** Turns whatever a client threw into EngineUnavailableError / EngineRequestError (already-mapped errors pass through). */
export function toEngineError(error: unknown, context: ErrorContext): Error {
  if (error instanceof EngineUnavailableError || error instanceof EngineRequestError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (UNAVAILABLE.has(name)) return new EngineUnavailableError(context.url, describeConnectionFailure(name, message));
  if (name === 'ProductNotSupportedError') {
    return new EngineUnavailableError(
      context.url,
      'the server did not identify itself as Elasticsearch (set cluster.flavour if a proxy strips the x-elastic-product header)',
    );
  }
  const rawMeta: unknown = isRecord(error) || error instanceof Error ? (error as { meta?: unknown }).meta : undefined;
  const meta = isRecord(rawMeta) ? rawMeta : undefined;
  const status = typeof meta?.statusCode === 'number' ? meta.statusCode : 0;
  const { type, reason } = errorTypeAndReason(meta?.body, message);
  return new EngineRequestError(status, type, reason, context.operation);
}

function describeConnectionFailure(name: string, message: string): string {
  if (name === 'TimeoutError') return `request timed out (${message})`;
  if (name === 'NoLivingConnectionsError') return `no node answered (${message})`;
  return message;
}

/** HTTP status of an engine error, or undefined for anything else. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof EngineRequestError ? error.status : undefined;
}

/** True when the cluster has no REST handler for the request (a missing plugin or module). */
export function isMissingEndpoint(status: number, body: unknown): boolean {
  if (status === 405) return true;
  if (status !== 400 && status !== 404) return false;
  return /no handler found|Incorrect HTTP method/i.test(errorTypeAndReason(body, '').reason);
}

/** An EngineRequestError for a response that was answered (not thrown) but is still a failure. */
export function requestErrorFrom(status: number, body: unknown, operation: string): EngineRequestError {
  const { type, reason } = errorTypeAndReason(body, `status ${status}`);
  return new EngineRequestError(status, type, reason, operation);
}
