/**
 * `vigil eval --cluster URL` and `vigil demo`: the evaluation through the real pipeline. The
 * events go into an index of the cluster, Vigil installs its templates and backfills every job
 * (warm-up, then score-then-learn, features pushed down to the engine as aggregations, anomaly
 * documents written with deterministic ids, alerts through the dispatcher when connectors are
 * configured), and the anomaly index is read back. The static rules, which need no model, are
 * computed beside it in memory over the same windows.
 */
import { randomBytes } from 'node:crypto';
import type { AnomalyDocument } from '../anomaly/document.js';
import type { z } from 'zod';
import type { alertingSchema } from '../config/alerting.js';
import type { JobConfig } from '../config/job.js';
import { configSchema, type VigilConfig } from '../config/schema.js';
import type { Engine, JsonObject } from '../engine/engine.js';
import { log } from '../log.js';
import { runBackfill } from '../pipeline/backfill.js';
import { install } from '../pipeline/installer.js';
import { defaultHolderId } from '../pipeline/lease.js';
import { createWorkers } from '../pipeline/pipeline.js';
import { alignDown, alignUp } from '../pipeline/window-planner.js';
import type { SimEvent } from '../simulate/events.js';
import { ClusterSink, type SinkReport } from '../simulate/sinks.js';
import { connectByUrl } from './cluster-url.js';
import { readLines, type BucketSummary } from './event-tape.js';
import type { ClusterIndices, ClusterRunResult, ScoringInput } from './events-evaluation.js';
import { rulesInMemory } from './memory-run.js';
import { byWindowOrder, scoredWindowOf, windowKey, type ScoredWindow } from './scored-window.js';

/** The `alerting:` section as written in a config file (defaults filled in by the schema). */
export type AlertingInput = z.input<typeof alertingSchema>;

export interface ClusterRunOptions {
  /** Reuse a connected engine (the demo); otherwise `url` is connected and closed here. */
  readonly engine?: Engine;
  readonly url: string;
  /** Index names start with this (default vigil-eval-<random>). */
  readonly prefix?: string;
  /** The events are already in this index: skip loading them. */
  readonly eventsIndex?: string;
  /** Alert connectors for the backfill (the demo's receiver); none by default. */
  readonly alerting?: AlertingInput;
  /** Leave the indices in place (the demo shows them); by default they are deleted at the end. */
  readonly keepIndices?: boolean;
  readonly onWindow?: (done: number, total: number) => void;
}

export function clusterIndices(prefix: string, eventsIndex?: string): ClusterIndices {
  return {
    events: eventsIndex ?? `${prefix}-events`,
    anomalies: `${prefix}-anomalies`,
    state: `${prefix}-state`,
    status: `${prefix}-status`,
    deadLetter: `${prefix}-dead-letter`,
  };
}

/** Loads an NDJSON file into an index through the bulk API (batched, failures counted per type). */
export async function loadEventsFile(engine: Engine, path: string, index: string): Promise<SinkReport> {
  const sink = await ClusterSink.create({ engine, index, idPrefix: 'ev' });
  let batch: SimEvent[] = [];
  for await (const line of readLines(path)) {
    if (!line.trim()) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      continue; // counted as a bad line by the tape already
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) continue;
    batch.push({ ts: 0, doc: doc as JsonObject });
    if (batch.length >= 5000) {
      await sink.write(batch);
      batch = [];
    }
  }
  await sink.write(batch);
  return sink.close();
}

export function evalConfig(
  url: string,
  jobs: readonly JobConfig[],
  indices: ClusterIndices,
  warmupMs: number,
  alerting?: AlertingInput,
): VigilConfig {
  return configSchema.parse({
    cluster: { urls: [url] },
    jobs: jobs.map((j) => ({ ...j, index: indices.events, warmup: `${Math.round(warmupMs / 60_000)}m` })),
    output: {
      anomaly_index: indices.anomalies,
      state_index: indices.state,
      dead_letter_index: indices.deadLetter,
      status_index: indices.status,
    },
    pipeline: { write_min_score: 0, rollup: 'none', checkpoint_every: 24, max_windows_per_tick: 10_000 },
    ...(alerting ? { alerting } : {}),
  });
}

/** Every anomaly document of the index, as scored windows (rule scores joined by job, entity and window). */
export async function readAnomalies(engine: Engine, index: string, ruleScores: ReadonlyMap<string, number>): Promise<ScoredWindow[]> {
  const out: ScoredWindow[] = [];
  for await (const page of engine.stream({
    index: `${index}*`,
    fields: ['vigil', 'related', 'event.reason'],
    sort: ['vigil.window.start'],
    pageSize: 5000,
  })) {
    for (const hit of page) {
      const doc = hit.source as unknown as AnomalyDocument;
      const key = windowKey(doc.vigil.job_id, doc.vigil.entity.value, Date.parse(doc.vigil.window.start));
      out.push(scoredWindowOf(doc, ruleScores.get(key) ?? 0));
    }
  }
  return out.sort(byWindowOrder);
}

export async function runInCluster(input: ScoringInput, buckets: BucketSummary, options: ClusterRunOptions): Promise<ClusterRunResult> {
  const engine = options.engine ?? (await connectByUrl(options.url));
  const prefix = options.prefix ?? `vigil-eval-${randomBytes(4).toString('hex')}`;
  const indices = clusterIndices(prefix, options.eventsIndex);
  try {
    let load: SinkReport | undefined;
    if (!options.eventsIndex) {
      log.info({ index: indices.events }, 'loading the events into the cluster');
      load = await loadEventsFile(engine, input.eventsPath, indices.events);
      if (load.failed > 0) log.warn({ failed: load.failed, errors: load.errors }, 'some events were refused by the cluster');
    }
    const slide = Math.max(...input.plans.map((p) => p.spec.slideMs));
    const from = alignDown(buckets.minTime, slide);
    const to = alignUp(buckets.maxTime + 1, slide);
    const config = evalConfig(options.url, input.jobs, indices, input.scoreFrom - from, options.alerting);
    await install(engine, config, { skipAlertingDefinitions: true });
    const processingMs: number[] = [];
    const alerts = { delivered: 0, retried: 0, deadLettered: 0, suppressed: 0 };
    const addDelivery = (d: { delivered: number; retried: number; deadLettered: number; suppressed: number }): void => {
      alerts.delivered += d.delivered;
      alerts.retried += d.retried;
      alerts.deadLettered += d.deadLettered;
      alerts.suppressed += d.suppressed;
    };
    let done = 0;
    let total = 0;
    const set = createWorkers({
      config,
      engine,
      log,
      holder: defaultHolderId(),
      mode: 'backfill',
      bounds: { kind: 'backfill', from, to },
      alerts: Boolean(options.alerting?.connectors?.length),
      onWindow: (_worker, outcome) => {
        done++;
        if (outcome.phase === 'scored') processingMs.push(outcome.durationMs);
        options.onWindow?.(done, total);
      },
      // The slice pass hands over what the outbox delivered since the previous slice.
      onWritten: (_scores, outcome) => addDelivery(outcome.delivery),
    });
    try {
      await runBackfill({
        workers: set.workers,
        slices: set.slices,
        range: { from, to },
        log,
        restart: true,
        leaseWaitMs: 120_000,
        onPlan: (t) => (total = t),
      });
      const delivery = await set.drainAlerts();
      if (delivery) addDelivery(delivery);
    } finally {
      await set.close();
    }
    await engine.refresh(`${indices.anomalies}*`);
    const ruleScores = await rulesInMemory({ plans: input.plans, buckets, timeField: input.timeField, scoreFrom: input.scoreFrom });
    const windows = await readAnomalies(engine, indices.anomalies, ruleScores);
    return {
      windows,
      processingMs,
      rules: input.rules,
      fieldIssues: {},
      anomalyIndex: indices.anomalies,
      indices,
      ...(load ? { load } : {}),
      alerts,
      anomalyCount: windows.length,
    };
  } finally {
    if (!options.keepIndices) await engine.deleteIndex(`${prefix}-*`).catch(() => undefined);
    if (!options.engine) await engine.close();
  }
}
