/**
 * Realert suppression: after an alert for a job + entity, repeats whose window lies within the
 * `realert` period of the last one sent are suppressed (ElastAlert's `realert`, measured in event
 * time — the anomaly windows — so a backfill behaves like real time). The last alert per job +
 * entity is a small state document, so suppression survives restarts.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Engine } from '../engine/engine.js';

export interface AlertWindow {
  readonly id: string;
  readonly startMs: number;
  readonly endMs: number;
}

export type RealertDocument = {
  kind: 'alert_realert';
  updated_at: string;
  alert_realert: {
    job_id: string;
    entity_field: string;
    entity_value: string;
    last_alert_id: string;
    window_start_ms: number;
    window_end_ms: number;
    updated_ms: number;
  };
};

export function realertKey(jobId: string, entityField: string, entityValue: string): string {
  return `alert-realert-${createHash('sha256').update(`${jobId}\u0000${entityField}\u0000${entityValue}`).digest('hex').slice(0, 40)}`;
}

/**
 * True when `candidate` repeats `last`: a different anomaly whose window is less than `periodMs`
 * away from the last alerted window (overlapping or adjacent windows count as distance 0).
 */
export function isRepeat(last: AlertWindow | null, candidate: AlertWindow, periodMs: number): boolean {
  if (!last || periodMs <= 0 || last.id === candidate.id) return false;
  const gap = Math.max(candidate.startMs - last.endMs, last.startMs - candidate.endMs, 0);
  return gap < periodMs;
}

export interface RealertStore {
  get(key: string): Promise<AlertWindow | null>;
  /** Last-writer-wins writes of many keys (one request for the engine store). */
  putMany(entries: readonly { key: string; doc: RealertDocument }[]): Promise<void>;
}

const docSchema = z.object({
  alert_realert: z.object({ last_alert_id: z.string(), window_start_ms: z.number(), window_end_ms: z.number() }),
});

export class EngineRealertStore implements RealertStore {
  constructor(
    private readonly engine: Engine,
    private readonly index: string,
  ) {}

  async get(key: string): Promise<AlertWindow | null> {
    const found = await this.engine.getState(this.index, key);
    if (!found) return null;
    const parsed = docSchema.safeParse(found.doc);
    if (!parsed.success) return null;
    const r = parsed.data.alert_realert;
    return { id: r.last_alert_id, startMs: r.window_start_ms, endMs: r.window_end_ms };
  }

  async putMany(entries: readonly { key: string; doc: RealertDocument }[]): Promise<void> {
    if (entries.length === 0) return;
    // Last writer wins: two runners alerting on the same entity at once is rare and harmless here.
    const result = await this.engine.bulk(
      entries.map((e) => ({ action: 'index' as const, index: this.index, id: e.key, document: e.doc })),
    );
    const failed = result.items.filter((i) => !i.ok);
    if (failed.length > 0)
      throw new Error(
        `realert state write refused for ${failed.length} key(s): ${failed[0].error?.type ?? failed[0].status} ${failed[0].error?.reason ?? ''}`,
      );
  }
}

export class MemoryRealertStore implements RealertStore {
  private readonly last = new Map<string, AlertWindow>();

  async get(key: string): Promise<AlertWindow | null> {
    return this.last.get(key) ?? null;
  }

  async putMany(entries: readonly { key: string; doc: RealertDocument }[]): Promise<void> {
    for (const { key, doc } of entries) {
      const r = doc.alert_realert;
      this.last.set(key, { id: r.last_alert_id, startMs: r.window_start_ms, endMs: r.window_end_ms });
    }
  }
}
