/**
 * Writes anomaly (and status) documents with bulk requests that survive a busy or flaky cluster:
 *
 * - items answered 429 or 5xx are retried, alone, with exponential backoff and full jitter;
 * - a whole request that fails (connection refused, timeout, 429, 5xx) is retried the same way;
 *   413 (request too large) splits the batch in two;
 * - items refused for good (a mapping conflict, a malformed document: other 4xx), or still failing
 *   after `maxAttempts`, go to the dead-letter index with the engine's reason;
 * - when the whole cluster stays unreachable the error is thrown: the caller does not checkpoint,
 *   so the window is redone later — nothing is dead-lettered that could simply be retried.
 *
 * Ids are deterministic, so retrying an item the engine had in fact applied is harmless.
 */
import { EngineRequestError, EngineUnavailableError, type BulkOperation, type Engine, type JsonObject } from '../engine/engine.js';
import { isRetryableStatus } from '../alerting/retry-policy.js';

export interface WriteItem {
  readonly index: string;
  readonly id: string;
  readonly doc: JsonObject;
}

export interface WriteReport {
  /** Items the engine accepted. */
  written: number;
  /** Item re-submissions after a 429 / 5xx (an item retried twice counts twice). */
  retried: number;
  /** Items parked in the dead-letter index. */
  deadLettered: number;
  /** Bulk requests sent (including retries). */
  requests: number;
}

export interface DeadLetterEntry {
  readonly item: WriteItem;
  readonly status: number;
  readonly errorType: string;
  readonly reason: string;
  readonly attempts: number;
}

/** Where refused items go; throws when it cannot keep them (the caller then does not checkpoint). */
export type DeadLetterSink = (entries: readonly DeadLetterEntry[]) => Promise<void>;

export interface BulkWriterOptions {
  readonly batchSize: number;
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly deadLetter: DeadLetterSink;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export function emptyReport(): WriteReport {
  return { written: 0, retried: 0, deadLettered: 0, requests: 0 };
}

export function addReports(a: WriteReport, b: WriteReport): WriteReport {
  return {
    written: a.written + b.written,
    retried: a.retried + b.retried,
    deadLettered: a.deadLettered + b.deadLettered,
    requests: a.requests + b.requests,
  };
}

function isRetryableRequestError(error: unknown): boolean {
  if (error instanceof EngineUnavailableError) return true;
  return error instanceof EngineRequestError && isRetryableStatus(error.status);
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class BulkWriter {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly engine: Engine,
    private readonly options: BulkWriterOptions,
  ) {
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  /** Full jitter: uniform in [0, min(max, initial · 2^attempt)). */
  private backoff(attempt: number): number {
    const cap = Math.min(this.options.maxBackoffMs, this.options.initialBackoffMs * 2 ** attempt);
    return Math.floor(this.random() * cap);
  }

  async write(items: readonly WriteItem[], refresh = false): Promise<WriteReport> {
    let report = emptyReport();
    for (let i = 0; i < items.length; i += this.options.batchSize) {
      report = addReports(report, await this.writeBatch(items.slice(i, i + this.options.batchSize), refresh));
    }
    return report;
  }

  private async writeBatch(batch: readonly WriteItem[], refresh: boolean): Promise<WriteReport> {
    const report = emptyReport();
    const dead: DeadLetterEntry[] = [];
    let pending = batch;
    let requestFailures = 0;
    for (let attempt = 1; pending.length > 0;) {
      const operations: BulkOperation[] = pending.map((item) => ({ action: 'index', index: item.index, id: item.id, document: item.doc }));
      report.requests++;
      let result;
      try {
        result = await this.engine.bulk(operations, { refresh });
      } catch (error) {
        if (error instanceof EngineRequestError && error.status === 413 && pending.length > 1) {
          // Too large for the cluster's http.max_content_length: halve and go on.
          const half = Math.ceil(pending.length / 2);
          const first = await this.writeBatch(pending.slice(0, half), refresh);
          const second = await this.writeBatch(pending.slice(half), refresh);
          return addReports(addReports(report, first), second);
        }
        if (!isRetryableRequestError(error) || ++requestFailures >= this.options.maxAttempts) throw error;
        await this.sleep(this.backoff(requestFailures));
        continue;
      }
      const retry: WriteItem[] = [];
      for (const item of result.items) {
        const source = pending[item.position];
        if (item.ok) {
          report.written++;
          continue;
        }
        const errorType = item.error?.type ?? 'unknown';
        const reason = item.error?.reason ?? `status ${item.status}`;
        if (isRetryableStatus(item.status) && attempt < this.options.maxAttempts) retry.push(source);
        else dead.push({ item: source, status: item.status, errorType, reason, attempts: attempt });
      }
      pending = retry;
      if (pending.length > 0) {
        report.retried += pending.length;
        await this.sleep(this.backoff(attempt));
        attempt++;
      }
    }
    if (dead.length > 0) {
      await this.options.deadLetter(dead);
      report.deadLettered += dead.length;
    }
    return report;
  }
}
