/**
 * Counting what the pipeline does without changing it: the engine port and the alert dispatcher
 * are wrapped, so every failed cluster request (whoever made it) is counted by operation and kind,
 * and every window's alert hand-off is timed.
 */
import { EngineRequestError, EngineUnavailableError, VersionConflictError, type Engine } from '../engine/engine.js';
import type { AlertDispatcher } from '../pipeline/job-runner.js';
import type { ServiceMetrics } from './metrics.js';

export type EngineErrorKind = 'unavailable' | 'throttled' | 'server' | 'client' | 'conflict' | 'other';

export function engineErrorKind(error: unknown): EngineErrorKind {
  if (error instanceof EngineUnavailableError) return 'unavailable';
  if (error instanceof VersionConflictError) return 'conflict';
  if (error instanceof EngineRequestError) {
    if (error.status === 0) return 'unavailable';
    if (error.status === 429) return 'throttled';
    if (error.status >= 500) return 'server';
    return 'client';
  }
  return 'other';
}

/**
 * The same engine, with every rejected promise counted in `vigil_engine_errors_total`. Version
 * conflicts are counted too (kind "conflict"): they are expected with leases, but a burst of them
 * means two runners fight over a partition. Streams (async iterables) are passed through uncounted.
 */
export function instrumentEngine(engine: Engine, metrics: Pick<ServiceMetrics, 'engineErrors'>): Engine {
  return new Proxy(engine, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const fn = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]): unknown => {
        const result = fn.apply(target, args);
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            metrics.engineErrors.inc({ operation: property, kind: engineErrorKind(error) });
            throw error;
          });
        }
        return result;
      };
    },
  });
}

/** Times each window's enqueue → drain into `vigil_alert_delivery_seconds`. */
export function instrumentDispatcher<D extends AlertDispatcher>(
  dispatcher: D,
  metrics: Pick<ServiceMetrics, 'deliverySeconds'>,
  now: () => number = Date.now,
): D {
  let since: number | undefined;
  return new Proxy(dispatcher, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'enqueue') {
        return async (alerts: Parameters<AlertDispatcher['enqueue']>[0]) => {
          since ??= now();
          await target.enqueue(alerts);
        };
      }
      if (property === 'drain') {
        return async () => {
          const stats = await target.drain();
          if (since !== undefined) metrics.deliverySeconds.observe((now() - since) / 1000);
          since = undefined;
          return stats;
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
