/**
 * The hand-over between the two phases of a time slice. A partition worker scores its (job,
 * partition) window and keeps the result here — one compact record per (job, partition, window)
 * in the state index, gzip-compressed — *before* it commits its checkpoint; the slice pass
 * (slice-pass.ts) takes the records of every job and partition of a slice, decides incidents,
 * writes the documents once and only then deletes the records.
 *
 * So a crash anywhere loses nothing: a record exists for every window a partition has moved past,
 * until its documents were written. A worker `keep`s each window's record and `flush`es them all
 * in one bulk request right before its commit (one request per commit, not one per window). Records written by this process are also kept in a small
 * in-memory cache, so when one runner holds every partition the slice pass does not read back
 * what it has just written; with several runners it reads the others' records from the index.
 */
import { decodePayload, encodePayload } from './state-store.js';
import type { BuiltAnomaly } from './anomaly-builder.js';
import type { BulkOperation, Engine, JsonObject } from '../engine/engine.js';
import { FieldIssues, type FieldIssueSummary } from '../features/field-issues.js';
import type { PartitionScores } from './job-runner.js';

interface RecordDocument extends JsonObject {
  kind: 'slice_record';
  job_id: string;
  partition: number;
  window_start: number;
  window_end: number;
  entities: number;
  encoding: 'gzip+base64';
  data: string;
}

interface RecordPayload {
  version: 1;
  events: number;
  entities: number;
  max_score: number;
  duration_ms: number;
  field_issues: FieldIssueSummary;
  /** Absent in records written before the count existed. */
  skipped_no_entity?: number;
  anomalies: BuiltAnomaly[];
}

export function sliceRecordId(jobId: string, partition: number, windowStart: number): string {
  return `slice:${jobId}:p${partition}:${windowStart}`;
}

/** Encoded as one document: gzip keeps a window of a few thousand entity-windows well under a megabyte. */
const ONE_CHUNK = Number.MAX_SAFE_INTEGER;

export class SliceRecords {
  private readonly cache = new Map<string, PartitionScores>();
  /** Kept but not yet in the index (flushed before the partition checkpoint moves past them). */
  private readonly unsaved = new Map<string, PartitionScores>();

  constructor(
    private readonly engine: Engine,
    readonly index: string,
    private readonly cacheSize = 256,
  ) {}

  /** Keeps one partition's scored window; resolves once it is in the index. */
  async put(scores: PartitionScores): Promise<void> {
    this.keep(scores);
    await this.flush();
  }

  /** Keeps one partition's scored window in memory; `flush` puts it into the index. */
  keep(scores: PartitionScores): void {
    const id = sliceRecordId(scores.job, scores.partition, scores.window.start);
    this.unsaved.set(id, scores);
    this.cache.set(id, scores);
    // Records of partitions whose slices another runner processes are never taken here: bound the cache.
    for (const key of this.cache.keys()) {
      if (this.cache.size <= this.cacheSize) break;
      this.cache.delete(key);
    }
  }

  /** Puts every kept record into the index, in one bulk request; throws when any is refused. */
  async flush(): Promise<void> {
    if (this.unsaved.size === 0) return;
    const entries = [...this.unsaved];
    const operations: BulkOperation[] = entries.map(([id, scores]) => ({
      action: 'index',
      index: this.index,
      id,
      document: recordDocument(scores),
    }));
    const result = await this.engine.bulk(operations);
    if (result.failed > 0) {
      const first = result.items.find((i) => !i.ok);
      throw new Error(
        `slice records: ${result.failed} of ${operations.length} could not be kept in ${this.index} (${first?.error?.reason ?? 'refused'}); the checkpoint stays where it was`,
      );
    }
    for (const [id, scores] of entries) if (this.unsaved.get(id) === scores) this.unsaved.delete(id);
  }

  /** The record of one (job, partition, window), or null when there is none. */
  async get(jobId: string, partition: number, windowStart: number): Promise<PartitionScores | null> {
    const id = sliceRecordId(jobId, partition, windowStart);
    const cached = this.cache.get(id);
    if (cached) return cached;
    const stored = await this.engine.getState<RecordDocument>(this.index, id);
    if (!stored) return null;
    const d = stored.doc;
    const payload = decodePayload<RecordPayload>([d.data]);
    return {
      job: d.job_id,
      partition: d.partition,
      window: { start: d.window_start, end: d.window_end },
      anomalies: payload.anomalies,
      events: payload.events,
      entities: payload.entities,
      maxScore: payload.max_score,
      durationMs: payload.duration_ms,
      fieldIssues: new FieldIssues().merge(payload.field_issues),
      skippedNoEntity: payload.skipped_no_entity ?? 0,
    };
  }

  /** Forgets records whose documents were written (best effort: a leftover is overwritten by a redo). */
  async remove(records: readonly Pick<PartitionScores, 'job' | 'partition' | 'window'>[]): Promise<void> {
    const ids = records.map((r) => sliceRecordId(r.job, r.partition, r.window.start));
    for (const id of ids) {
      this.cache.delete(id);
      this.unsaved.delete(id);
    }
    await Promise.all(ids.map((id) => this.engine.deleteState(this.index, id).catch(() => undefined)));
  }
}

/** The state document of one record (gzip level 1: written once, read at most once). */
function recordDocument(scores: PartitionScores): RecordDocument {
  const payload: RecordPayload = {
    version: 1,
    events: scores.events,
    entities: scores.entities,
    max_score: scores.maxScore,
    duration_ms: scores.durationMs,
    field_issues: scores.fieldIssues.toJSON(),
    skipped_no_entity: scores.skippedNoEntity,
    anomalies: scores.anomalies,
  };
  const { chunks } = encodePayload(payload, ONE_CHUNK);
  return {
    kind: 'slice_record',
    job_id: scores.job,
    partition: scores.partition,
    window_start: scores.window.start,
    window_end: scores.window.end,
    entities: scores.entities,
    encoding: 'gzip+base64',
    data: chunks[0],
  };
}
