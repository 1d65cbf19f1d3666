/**
 * What reaches the anomaly index. One document per scored entity-window made the index, not the
 * detection, the bottleneck at scale (issue 12: 985 k documents and 480 s of engine CPU for
 * 10,000 users over 3 days). By default the writer keeps:
 *
 *   - every alert, and every entity-window of an incident that has alerted (`vigil.incident.alerted`).
 *     Not every incident: the incident pass tracks one for nearly every entity whose risk rises
 *     (cold starts included) — 5,683 incidents over 9,168 of 60,000 entity-windows at 10,000
 *     users, 31 of those windows in alerted ones — so "every incident window" kept ~15 % of
 *     the entity-windows; the tracked ones live on in the incident state and the rollups;
 *   - entity-windows scoring at least `minScore` (pipeline.write_min_score);
 *   - one *rollup* per entity and period (pipeline.rollup: an hour or a day): the period's highest
 *     and mean score, windows, alerts, events and the top feature of its highest window — so the
 *     dashboards still draw every entity's trajectory (`event.dataset: vigil.rollup`), at a
 *     24th (1 h windows, daily rollup) of the documents.
 *
 * `write_min_score: 0` with `rollup: none` is the previous design (every entity-window written).
 *
 * The slice pass (slice-pass.ts) applies the policy when it writes a slice, once the incident
 * pass has decided it. One accumulator per job is part of the slice pass's state (toState / the
 * constructor), so a restart between two windows of a period neither loses nor double-counts a
 * window: the state and the slice checkpoint are committed together. A period's rollup is written
 * once its last window (the one after which the next window starts in the next period) has been
 * added, every partition of the job at once; `flush` writes the open periods as they stand (end of
 * a backfill range) — the same deterministic id is overwritten when the period completes later.
 */
import { createHash } from 'node:crypto';
import { severityOf, type AnomalyDocument, type Severity } from '../anomaly/document.js';
import type { JsonObject } from '../engine/engine.js';
import type { BuiltAnomaly } from './anomaly-builder.js';
import type { WriteItem } from './anomaly-writer.js';
import type { TimeWindow } from './window-planner.js';

export type RollupPeriod = 'none' | 'hour' | 'day';

export const ROLLUP_PERIOD_MS: Readonly<Record<Exclude<RollupPeriod, 'none'>, number>> = { hour: 3_600_000, day: 86_400_000 };

/** The fields of an anomaly document the write decision reads (an incident pass may add `incident`). */
export interface WriteCandidate {
  readonly vigil: {
    readonly score: number;
    readonly is_alert: boolean;
    readonly incident?: { readonly alerted: boolean };
    readonly analyst?: { readonly suppressed?: boolean };
  };
}

/**
 * Alerts, windows of alerted incidents, windows an analyst's verdict suppressed (so every suppression stays visible)
 * and entity-windows at or above `minScore` are written; the rest only count in the rollup.
 */
export function shouldWrite(doc: WriteCandidate, minScore: number): boolean {
  const v = doc.vigil;
  return v.is_alert || v.incident?.alerted === true || v.analyst?.suppressed === true || v.score >= minScore;
}

/** One entity's period so far (plain JSON: it is kept in the slice pass's state). */
export interface EntityRollupRecord {
  /** Period start (epoch ms). */
  p: number;
  windows: number;
  sum: number;
  max: number;
  alerts: number;
  events: number;
  /** The highest window: its start and its document's entity / top-feature fields. */
  maxAt: number;
  top: string;
  topActual: number | null;
  topTypical: number | null;
  /** user / host / source / destination of the entity, as the anomaly documents carry them. */
  ecs: JsonObject;
  partition: number;
}

/** The accumulator as kept in the slice pass's state. */
export interface RollupState {
  period: Exclude<RollupPeriod, 'none'>;
  /** `${periodStart}\u0000${entity field}\u0000${entity value}` → the entity's period so far. */
  open: Record<string, EntityRollupRecord>;
}

/** What a rollup document says about its job. */
export interface RollupJob {
  readonly id: string;
  readonly name: string;
  readonly category: readonly string[];
  readonly modelVersion: string;
}

/** The rollup document: ECS where ECS has a field, the trajectory under `vigil.*` (anomalies index mapping). */
export interface RollupDocument {
  '@timestamp': string;
  event: {
    kind: 'metric';
    module: 'vigil';
    dataset: 'vigil.rollup';
    category: string[];
    type: ['info'];
    start: string;
    end: string;
    risk_score: number;
  };
  rule: AnomalyDocument['rule'];
  user?: AnomalyDocument['user'];
  host?: AnomalyDocument['host'];
  source?: AnomalyDocument['source'];
  destination?: AnomalyDocument['destination'];
  vigil: {
    job_id: string;
    entity: { field: string; value: string };
    window: { start: string; end: string };
    score: number;
    severity: Severity;
    is_alert: boolean;
    top_feature: string;
    top_feature_actual?: number;
    top_feature_typical?: number;
    event_count: number;
    model_version: string;
    partition: number;
    rollup: {
      period: Exclude<RollupPeriod, 'none'>;
      windows: number;
      mean_score: number;
      max_score: number;
      alerts: number;
      max_window_start: string;
    };
  };
}

/** Deterministic: a re-run (or a flushed partial period completed later) overwrites the same document. */
export function rollupId(jobId: string, entityField: string, entityValue: string, periodStart: number): string {
  return createHash('sha256')
    .update(`rollup\u0000${jobId}\u0000${entityField}\u0000${entityValue}\u0000${periodStart}`)
    .digest('hex')
    .slice(0, 40);
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

export class RollupAccumulator {
  private readonly periodMs: number;
  private readonly open: Map<string, EntityRollupRecord>;

  constructor(
    readonly period: Exclude<RollupPeriod, 'none'>,
    private readonly job: RollupJob,
    state?: RollupState,
  ) {
    this.periodMs = ROLLUP_PERIOD_MS[period];
    this.open = new Map(state?.period === period ? Object.entries(state.open) : []);
  }

  /** Entities with an open period (the live rollup state). */
  get size(): number {
    return this.open.size;
  }

  toState(): RollupState {
    return { period: this.period, open: Object.fromEntries(this.open) };
  }

  /**
   * Adds one scored window of the job — every entity-window of every partition, written or not:
   * closing a period takes all of its entities — and answers the rollups of the periods this
   * window completes (`slideMs`: the next window starts at `window.start + slideMs`).
   */
  add(window: TimeWindow, slideMs: number, anomalies: readonly BuiltAnomaly[]): RollupDocument[] {
    const p = Math.floor(window.start / this.periodMs) * this.periodMs;
    for (const { doc } of anomalies) {
      const key = `${p}\u0000${doc.vigil.entity.field}\u0000${doc.vigil.entity.value}`;
      let r = this.open.get(key);
      if (!r) {
        r = {
          p,
          windows: 0,
          sum: 0,
          max: -1,
          alerts: 0,
          events: 0,
          maxAt: window.start,
          top: '',
          topActual: null,
          topTypical: null,
          ecs: ecsOf(doc),
          partition: doc.vigil.partition,
        };
        this.open.set(key, r);
      }
      r.windows++;
      r.sum += doc.vigil.score;
      r.events += doc.vigil.event_count;
      if (doc.vigil.is_alert) r.alerts++;
      if (doc.vigil.score > r.max) {
        r.max = doc.vigil.score;
        r.maxAt = window.start;
        r.top = doc.vigil.top_feature;
        r.topActual = doc.vigil.top_feature_actual ?? null;
        r.topTypical = doc.vigil.top_feature_typical ?? null;
      }
    }
    // Periods whose last window is done: this one when the next window starts beyond it, and any older one left open.
    const closedBefore = window.start + slideMs >= p + this.periodMs ? p + this.periodMs : p;
    return this.take((r) => r.p < closedBefore);
  }

  /** The rollups of every open period as they stand (kept open: a later window still completes them). */
  flush(): RollupDocument[] {
    return [...this.open.entries()].map(([key, r]) => this.document(key, r));
  }

  private take(done: (r: EntityRollupRecord) => boolean): RollupDocument[] {
    const out: RollupDocument[] = [];
    for (const [key, r] of this.open) {
      if (!done(r)) continue;
      out.push(this.document(key, r));
      this.open.delete(key);
    }
    return out;
  }

  private document(key: string, r: EntityRollupRecord): RollupDocument {
    // Field names hold no NUL; a hostile entity value might, so everything after the field is the value.
    const [, field, ...rest] = key.split('\u0000');
    const value = rest.join('\u0000');
    const start = new Date(r.p).toISOString();
    const end = new Date(r.p + this.periodMs).toISOString();
    const max = Math.max(0, r.max);
    return {
      '@timestamp': end,
      event: {
        kind: 'metric',
        module: 'vigil',
        dataset: 'vigil.rollup',
        category: [...this.job.category],
        type: ['info'],
        start,
        end,
        risk_score: Math.round(max),
      },
      rule: { id: this.job.id, name: this.job.name, version: this.job.modelVersion, ruleset: 'vigil' },
      ...(r.ecs as Pick<RollupDocument, 'user' | 'host' | 'source' | 'destination'>),
      vigil: {
        job_id: this.job.id,
        entity: { field, value },
        window: { start, end },
        score: max,
        severity: severityOf(max),
        is_alert: r.alerts > 0,
        top_feature: r.top,
        ...(r.topActual !== null ? { top_feature_actual: r.topActual } : {}),
        ...(r.topTypical !== null ? { top_feature_typical: r.topTypical } : {}),
        event_count: r.events,
        model_version: this.job.modelVersion,
        partition: r.partition,
        rollup: {
          period: this.period,
          windows: r.windows,
          mean_score: round2(r.sum / Math.max(1, r.windows)),
          max_score: max,
          alerts: r.alerts,
          max_window_start: new Date(r.maxAt).toISOString(),
        },
      },
    };
  }

  /** The write items of rollup documents, into the index of their period's start. */
  static items(docs: readonly RollupDocument[], anomalyIndex: (start: number) => string): WriteItem[] {
    return docs.map((d) => ({
      index: anomalyIndex(Date.parse(d.vigil.window.start)),
      id: rollupId(d.vigil.job_id, d.vigil.entity.field, d.vigil.entity.value, Date.parse(d.vigil.window.start)),
      doc: d as unknown as JsonObject,
    }));
  }
}

function ecsOf(doc: AnomalyDocument): JsonObject {
  const out: JsonObject = {};
  if (doc.user) out.user = { ...doc.user };
  if (doc.host) out.host = { ...doc.host };
  if (doc.source) out.source = { ...doc.source };
  if (doc.destination) out.destination = { ...doc.destination };
  return out;
}
