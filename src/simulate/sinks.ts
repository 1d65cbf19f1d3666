/**
 * Where simulated events go: NDJSON files (streamed hour by hour, never all in memory) and/or a
 * cluster through the engine port's bulk API (batched, 429s retried with backoff, other item
 * failures counted per error type and reported, never silently dropped).
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { BulkOperation, Engine, JsonObject } from '../engine/engine.js';
import type { SimEvent } from './events.js';

export interface SinkReport {
  readonly kind: 'file' | 'cluster';
  readonly target: string;
  readonly written: number;
  readonly failed: number;
  /** Error type → count, e.g. { mapper_parsing_exception: 3 }. */
  readonly errors: Readonly<Record<string, number>>;
  readonly bytes?: number;
}

export interface EventSink {
  write(events: readonly SimEvent[]): Promise<void>;
  close(): Promise<SinkReport>;
}

export class NdjsonFileSink implements EventSink {
  private written = 0;
  private bytes = 0;

  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string): Promise<NdjsonFileSink> {
    return new NdjsonFileSink(path, await open(path, 'w'));
  }

  async write(events: readonly SimEvent[]): Promise<void> {
    if (events.length === 0) return;
    let chunk = '';
    for (const e of events) chunk += `${JSON.stringify(e.doc)}\n`;
    this.bytes += Buffer.byteLength(chunk);
    this.written += events.length;
    await this.handle.write(chunk);
  }

  async close(): Promise<SinkReport> {
    await this.handle.close();
    return { kind: 'file', target: this.path, written: this.written, failed: 0, errors: {}, bytes: this.bytes };
  }
}

/** ECS types for the fields Vigil aggregates on; other strings become keywords. */
export function simulatedEventsTemplate(index: string): JsonObject {
  const kw = { type: 'keyword' };
  return {
    index_patterns: [index],
    priority: 150,
    _meta: { managed_by: 'vigil', description: 'events written by vigil simulate' },
    template: {
      settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '30s' },
      mappings: {
        dynamic_templates: [{ strings_as_keywords: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } }],
        properties: {
          '@timestamp': { type: 'date' },
          event: { properties: { kind: kw, category: kw, type: kw, action: kw, outcome: kw, code: kw } },
          user: { properties: { name: kw, target: { properties: { name: kw } } } },
          host: { properties: { name: kw } },
          source: { properties: { ip: { type: 'ip' }, bytes: { type: 'long' }, geo: { properties: { country_iso_code: kw } } } },
          destination: {
            properties: {
              ip: { type: 'ip' },
              port: { type: 'long' },
              bytes: { type: 'long' },
              geo: { properties: { country_iso_code: kw } },
            },
          },
          network: { properties: { transport: kw, protocol: kw, bytes: { type: 'long' } } },
          process: { properties: { name: kw, command_line: kw, parent: { properties: { name: kw } } } },
          file: { properties: { path: kw, size: { type: 'long' } } },
          related: { properties: { ip: { type: 'ip' }, user: kw, hosts: kw } },
          winlog: { properties: { logon: { properties: { type: kw } } } },
        },
      },
    },
  };
}

export interface ClusterSinkOptions {
  readonly engine: Engine;
  readonly index: string;
  /** Documents per bulk request (default 5000). */
  readonly batchSize?: number;
  /** Deterministic ids `<idPrefix>-<n>`: re-loading the same simulation overwrites instead of duplicating. */
  readonly idPrefix: string;
  readonly maxRetries?: number;
}

export class ClusterSink implements EventSink {
  private pending: BulkOperation[] = [];
  private sequence = 0;
  private written = 0;
  private failed = 0;
  private readonly errors: Record<string, number> = {};
  private readonly batchSize: number;

  private constructor(private readonly options: ClusterSinkOptions) {
    this.batchSize = options.batchSize ?? 5000;
  }

  static async create(options: ClusterSinkOptions): Promise<ClusterSink> {
    await options.engine.putIndexTemplate(`vigil-sim-${options.index}`.slice(0, 200), simulatedEventsTemplate(options.index));
    return new ClusterSink(options);
  }

  async write(events: readonly SimEvent[]): Promise<void> {
    for (const e of events) {
      this.pending.push({ action: 'index', index: this.options.index, id: `${this.options.idPrefix}-${this.sequence++}`, document: e.doc });
      if (this.pending.length >= this.batchSize) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    let batch = this.pending;
    this.pending = [];
    const maxRetries = this.options.maxRetries ?? 4;
    for (let attempt = 0; batch.length > 0; attempt++) {
      const result = await this.options.engine.bulk(batch);
      const retry: BulkOperation[] = [];
      for (const item of result.items) {
        if (item.ok) {
          this.written++;
          continue;
        }
        if ((item.status === 429 || item.status >= 500) && attempt < maxRetries) {
          retry.push(batch[item.position]);
          continue;
        }
        this.failed++;
        const type = item.error?.type ?? `http_${item.status}`;
        this.errors[type] = (this.errors[type] ?? 0) + 1;
      }
      batch = retry;
      if (batch.length) await new Promise((r) => setTimeout(r, 250 * 2 ** attempt * (0.5 + Math.random())));
    }
  }

  async close(): Promise<SinkReport> {
    await this.flush();
    await this.options.engine.refresh(this.options.index);
    return { kind: 'cluster', target: this.options.index, written: this.written, failed: this.failed, errors: { ...this.errors } };
  }
}
