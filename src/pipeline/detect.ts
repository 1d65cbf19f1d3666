/**
 * `vigil detect`: the whole pipeline over an NDJSON file of events, without a cluster. The file is
 * read once; events are kept in memory grouped by slide, and every window is computed by the
 * in-memory executor (the same feature code the cluster path is parity-tested against). The
 * first `warmup` of the events' time span only trains; every later window is scored, decided by
 * the incident pass (slice-decider.ts, as the cluster's slice pass does for all jobs together) and
 * each scored entity-window becomes one anomaly document, written as one NDJSON line.
 */
import type { WriteStream } from 'node:fs';
import type { JsonObject } from '../engine/engine.js';
import { fieldPath, readEnvelope } from '../features/event.js';
import { FieldIssues } from '../features/field-issues.js';
import { MemoryExecutor } from '../features/memory-executor.js';
import type { FeatureExecutor } from '../features/executor.js';
import { newTally, readNdjson, type NdjsonTally } from '../features/ndjson.js';
import { emptyReport, type WriteItem, type WriteReport } from './anomaly-writer.js';
import { FirstSeenStore } from './first-seen-store.js';
import type { JobPlan } from './job-plan.js';
import { JobRunner, scoredOutcome, type DocumentSink, type PartitionState, type WindowOutcome } from './job-runner.js';
import type { IncidentOptionsInput } from '../incidents/index.js';
import { SliceDecider } from './slice-decider.js';
import { RunSummary } from './run-summary.js';
import { alignDown, windowsInRange, type TimeWindow } from './window-planner.js';

/** Writes documents as NDJSON lines (status documents are not written: there is no status index). */
export class NdjsonSink implements DocumentSink {
  private lines = 0;

  constructor(private readonly stream: WriteStream) {}

  get written(): number {
    return this.lines;
  }

  async write(items: readonly WriteItem[]): Promise<WriteReport> {
    const report = emptyReport();
    for (const item of items) {
      const ok = this.stream.write(`${JSON.stringify(item.doc)}\n`);
      if (!ok) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
      report.written++;
      this.lines++;
    }
    return report;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

export interface LoadedEvents {
  /** Events per slide bucket (bucket start → events). */
  readonly buckets: Map<number, JsonObject[]>;
  readonly minTime: number;
  readonly maxTime: number;
  readonly events: number;
  readonly tally: NdjsonTally;
  /** Events without a usable time (counted per field; they belong to no window). */
  readonly timeIssues: FieldIssues;
  /** Events dated after `now + future skew`, and before `from` (counted, ignored). */
  readonly outOfRange: { readonly future: number; readonly beforeRange: number; readonly afterRange: number };
}

/** Which event times are believable: not after `notAfter` (now + the job's future_skew), within [from, to) when given. */
export interface TimeBounds {
  readonly notAfter: number;
  readonly from?: number;
  readonly to?: number;
}

/**
 * Reads the file once, grouping events by `slideMs` bucket of their time. Events beyond the
 * bounds are counted and dropped here, so one event dated 2099 or 9999 neither stretches the
 * planned windows over decades nor costs memory.
 */
export async function loadEvents(
  path: string,
  timeField: string,
  slideMs: number,
  bounds: TimeBounds = { notAfter: Infinity },
): Promise<LoadedEvents> {
  const outOfRange = { future: 0, beforeRange: 0, afterRange: 0 };
  const tally = newTally();
  const time = fieldPath(timeField);
  const buckets = new Map<number, JsonObject[]>();
  const timeIssues = new FieldIssues();
  let minTime = Infinity;
  let maxTime = -Infinity;
  let events = 0;
  for await (const doc of readNdjson(path, tally)) {
    const env = readEnvelope(doc, time);
    if (!env.ok) {
      if (env.problem === 'missing_time') timeIssues.missing(timeField);
      else timeIssues.mistyped(timeField, env.value);
      continue;
    }
    if (env.time > bounds.notAfter) {
      outOfRange.future++;
      continue;
    }
    if (bounds.from !== undefined && env.time < bounds.from) {
      outOfRange.beforeRange++;
      continue;
    }
    if (bounds.to !== undefined && env.time >= bounds.to) {
      outOfRange.afterRange++;
      continue;
    }
    const bucket = alignDown(env.time, slideMs);
    let list = buckets.get(bucket);
    if (!list) {
      list = [];
      buckets.set(bucket, list);
    }
    list.push(doc);
    events++;
    if (env.time < minTime) minTime = env.time;
    if (env.time > maxTime) maxTime = env.time;
  }
  return { buckets, minTime, maxTime, events, tally, timeIssues, outOfRange };
}

export interface DetectOptions {
  readonly plan: JobPlan;
  readonly events: LoadedEvents;
  readonly sink: DocumentSink;
  readonly writeMinScore: number;
  /** The incident pass's budget and settings (default: 10 incidents a day). */
  readonly incidents?: IncidentOptionsInput;
  /** Restrict to [from, to) (default: the events' whole span). */
  readonly from?: number;
  readonly to?: number;
  readonly onPlan?: (total: number) => void;
  readonly onWindow?: (outcome: WindowOutcome) => void;
}

export interface DetectResult {
  readonly summary: RunSummary;
  readonly windows: { readonly warmup: number; readonly scored: number };
  readonly range: { readonly from: number; readonly to: number };
}

export async function detect(options: DetectOptions): Promise<DetectResult> {
  const { plan, events } = options;
  const { spec } = plan;
  const summary = new RunSummary();
  summary.fieldIssues.merge(events.timeIssues);
  summary.countBadTime(events.outOfRange.future, events.outOfRange.beforeRange + events.outOfRange.afterRange);
  if (events.events === 0) return { summary, windows: { warmup: 0, scored: 0 }, range: { from: 0, to: 0 } };

  // Windows over the data actually in range (events beyond now + future_skew or outside --from /
  // --to were dropped while reading): from the first window holding the first event to the last one
  // holding the last event. An explicit --from / --to is the range asked for and is kept as given.
  const from = options.from ?? alignDown(events.minTime, spec.slideMs) - (spec.windowMs - spec.slideMs);
  const to = options.to ?? alignDown(events.maxTime, spec.slideMs) + spec.windowMs;
  const all = windowsInRange(spec, from, to);
  const warm = all.slice(0, plan.warmupWindows);
  const scored = all.slice(plan.warmupWindows);
  if (scored.length === 0) {
    throw new Error(
      `the events span ${all.length} window(s) of ${plan.job.window} and the warm-up takes ${plan.warmupWindows}: nothing would be scored; lower --warmup (e.g. --warmup 0s) or give more events`,
    );
  }
  options.onPlan?.(all.length);

  // The memory executor scans exactly the events of the window being computed: the wrapper
  // points the event source at each requested window before delegating.
  let current: TimeWindow = all[0];
  const source = function* (): Iterable<JsonObject> {
    for (let b = alignDown(current.start, spec.slideMs); b < current.end; b += spec.slideMs) {
      const list = events.buckets.get(b);
      if (list) yield* list;
    }
  };
  const memory = new MemoryExecutor(source);
  const executor: FeatureExecutor = {
    computeWindow: (req) => {
      current = { start: req.start, end: req.end };
      return memory.computeWindow(req);
    },
  };
  const runner = new JobRunner({
    plan,
    partition: { index: 0, count: 1 },
    executor,
    sink: options.sink,
    anomalyIndex: () => 'ndjson',
    mode: 'detect',
    writeMinScore: options.writeMinScore,
    neighbours: true,
  });
  const state: PartitionState = { ensemble: null, firstSeen: new FirstSeenStore() };
  const track = (o: WindowOutcome): void => {
    summary.add(o, plan.job.id);
    options.onWindow?.(o);
  };
  // With no warm-up the ensemble starts unfitted (cold start: entities compared with their peers).
  const warmOutcomes = await runner.warmup(warm, state, track);
  const decider = new SliceDecider(options.incidents ?? {});
  for (const w of scored) {
    const scores = await runner.score(w, state);
    const [decided] = decider.decide(w.end, [scores]).windows;
    const keep = decided.anomalies.filter(
      (b) => b.doc.vigil.is_alert || b.doc.vigil.incident !== undefined || b.doc.vigil.score >= options.writeMinScore,
    );
    const report = await options.sink.write(keep.map((b) => ({ index: 'ndjson', id: b.id, doc: b.doc as unknown as JsonObject })));
    const maxScore = decided.anomalies.reduce((m, b) => Math.max(m, b.doc.vigil.score), 0);
    track(
      scoredOutcome(scores, {
        written: report.written,
        alerts: decided.alerts,
        rejected: report.deadLettered,
        retried: report.retried,
        maxScore,
      }),
    );
  }
  return { summary, windows: { warmup: warmOutcomes.length, scored: scored.length }, range: { from: all[0].start, to: all.at(-1)!.end } };
}
