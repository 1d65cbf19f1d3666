/**
 * Scores every entity-window of every job in process, with the pipeline's own JobRunner (the same
 * code `vigil detect` and `vigil backfill` use), time-ordered: each job warms up on the first
 * windows (baselines and first-seen values learned, nothing scored), then scores each later window
 * and only afterwards learns from it — the models never see the future.
 *
 * All jobs read one event tape in lockstep (event-tape.ts). The static rules are computed beside
 * the models' features by the same accumulator, over the same entity-windows.
 */
import type { AnomalyDocument } from '../anomaly/document.js';
import type { JsonObject } from '../engine/engine.js';
import type { FeatureExecutor, WindowRequest, WindowResult } from '../features/executor.js';
import { FieldIssues } from '../features/field-issues.js';
import { WindowAccumulator } from '../features/memory-executor.js';
import type { WriteItem, WriteReport } from '../pipeline/anomaly-writer.js';
import { FirstSeenStore } from '../pipeline/first-seen-store.js';
import type { JobPlan } from '../pipeline/job-plan.js';
import { JobRunner, type DocumentSink, type PartitionState } from '../pipeline/job-runner.js';
import { alignDown, alignUp, windowsInRange, type TimeWindow } from '../pipeline/window-planner.js';
import { SharedTape, type BucketSummary, type TapeStep } from './event-tape.js';
import { ruleScore, setWarmupThresholds, type StaticRule } from './rules.js';
import { byWindowOrder, scoredWindowOf, windowKey, type ScoredWindow } from './scored-window.js';

export interface MemoryRunOptions {
  readonly plans: readonly JobPlan[];
  readonly rules: ReadonlyMap<string, StaticRule[]>;
  readonly buckets: BucketSummary;
  readonly timeField: string;
  /** Windows starting before this instant are warm-up. */
  readonly scoreFrom: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface MemoryRunResult {
  readonly windows: ScoredWindow[];
  /** Processing time per window step (all jobs), ms: from the window's events being complete to every job having scored it. */
  readonly stepLatencyMs: number[];
  readonly fieldIssues: FieldIssues;
  /** Thresholds actually used by each job's rules (warm-up percentiles filled in). */
  readonly rules: ReadonlyMap<string, StaticRule[]>;
  readonly entityWindowsWarmup: number;
}

/**
 * Turns the anomaly documents the runner would have written into scored windows as they come
 * (the documents themselves are not kept: 100,000 of them would take a gigabyte).
 */
class CaptureSink implements DocumentSink {
  readonly windows: ScoredWindow[] = [];

  constructor(private readonly rules: RuleScorer) {}

  async write(items: readonly WriteItem[]): Promise<WriteReport> {
    for (const item of items) {
      const doc = item.doc as unknown as AnomalyDocument;
      const key = windowKey(doc.vigil.job_id, doc.vigil.entity.value, Date.parse(doc.vigil.window.start));
      this.windows.push(scoredWindowOf(doc, this.rules.scores.get(key) ?? 0));
      this.rules.scores.delete(key);
    }
    return { written: items.length, retried: 0, deadLettered: 0, requests: 1 };
  }
}

/**
 * The static rules of one job, computed over the same events and entity-windows as the job's
 * features (its own first-seen baseline for the new_term rules, warm-up percentiles for rules
 * without a fixed threshold). Keeps a score per scored window.
 */
export class RuleScorer {
  private readonly baseline = new FirstSeenStore();
  readonly scores = new Map<string, number>();
  private readonly warmupValues = new Map<string, number[]>();

  constructor(
    readonly jobId: string,
    private rules: StaticRule[],
    private readonly scoreFrom: number,
  ) {}

  get finalRules(): StaticRule[] {
    return this.rules;
  }

  score(req: Pick<WindowRequest, 'index' | 'timeField' | 'filter' | 'entityFields' | 'start' | 'end'>, events: readonly JsonObject[]): void {
    if (this.rules.length === 0) return;
    const ruleReq: WindowRequest = {
      index: req.index,
      timeField: req.timeField,
      ...(req.filter ? { filter: req.filter } : {}),
      entityFields: req.entityFields,
      start: req.start,
      end: req.end,
      features: this.rules.map((r) => r.spec),
      categoricalFields: [],
      relatedFields: { ip: [], user: [], hosts: [] },
      baseline: this.baseline,
    };
    const acc = new WindowAccumulator(ruleReq);
    for (const e of events) acc.add(e);
    const { windows } = acc.result();
    if (req.start < this.scoreFrom) {
      for (const w of windows) {
        for (const r of this.rules) {
          let list = this.warmupValues.get(r.name);
          if (!list) this.warmupValues.set(r.name, (list = []));
          list.push(w.features[r.name] ?? 0);
        }
      }
    } else {
      if (this.rules.some((r) => !Number.isFinite(r.threshold))) this.rules = setWarmupThresholds(this.rules, this.warmupValues);
      for (const w of windows) this.scores.set(windowKey(this.jobId, w.entity.value, req.start), ruleScore(this.rules, w.features));
    }
    this.baseline.update(windows, ruleReq.features);
  }
}

/** A job's executor on the shared tape; scores the job's rules on the same slice. */
class TapeJobExecutor implements FeatureExecutor {
  readonly issues = new FieldIssues();

  constructor(
    private readonly tape: SharedTape,
    readonly rules: RuleScorer,
  ) {}

  async computeWindow(req: WindowRequest): Promise<WindowResult> {
    const events = await this.tape.request(req.start, req.end);
    const acc = new WindowAccumulator(req);
    for (const e of events) acc.add(e);
    const result = acc.result();
    this.issues.merge(result.fieldIssues);
    this.rules.score(req, events);
    return result;
  }
}

/** Windows of a job covering the events (slide-aligned, the last one possibly past the data). */
export function jobWindows(plan: JobPlan, minTime: number, maxTime: number): TimeWindow[] {
  return windowsInRange(plan.spec, alignDown(minTime, plan.spec.slideMs), alignUp(maxTime + 1, plan.spec.slideMs));
}

/** Only the static rules, over the same windows (used beside a cluster run, whose models score in the cluster). */
export async function rulesInMemory(options: Omit<MemoryRunOptions, 'onProgress'>): Promise<Map<string, RuleScorer>> {
  const tape = new SharedTape(options.buckets, options.timeField, options.plans.length);
  const scorers = new Map<string, RuleScorer>();
  await Promise.all(
    options.plans.map(async (plan) => {
      const scorer = new RuleScorer(plan.job.id, [...(options.rules.get(plan.job.id) ?? [])], options.scoreFrom);
      scorers.set(plan.job.id, scorer);
      try {
        for (const w of jobWindows(plan, options.buckets.minTime, options.buckets.maxTime)) {
          const req = plan.request(w, { index: 0, count: 1 });
          scorer.score(req, await tape.request(w.start, w.end));
        }
      } finally {
        tape.leave();
      }
    }),
  );
  return scorers;
}

export async function runInMemory(options: MemoryRunOptions): Promise<MemoryRunResult> {
  const { plans, buckets } = options;
  const stepStarts = new Map<number, number>();
  const stepLatencyMs: number[] = [];
  let lastStep: TapeStep | undefined;
  const tape = new SharedTape(buckets, options.timeField, plans.length, (step) => {
    // A new step means every job finished the previous one: its latency is now known.
    if (lastStep) stepLatencyMs.push(step.readyAt - lastStep.readyAt);
    lastStep = step;
    stepStarts.set(step.end, step.readyAt);
  });
  const from = buckets.minTime;
  const to = buckets.maxTime + 1;
  const executors: TapeJobExecutor[] = [];
  const sinks: CaptureSink[] = [];
  let totalWindows = 0;
  const windowsOf = plans.map((plan) => {
    const windows = jobWindows(plan, from, to - 1);
    totalWindows += windows.length;
    return windows;
  });
  let done = 0;
  let warmupEntityWindows = 0;

  const runJob = async (plan: JobPlan, windows: readonly TimeWindow[]): Promise<void> => {
    const executor = new TapeJobExecutor(tape, new RuleScorer(plan.job.id, [...(options.rules.get(plan.job.id) ?? [])], options.scoreFrom));
    const sink = new CaptureSink(executor.rules);
    executors.push(executor);
    sinks.push(sink);
    const runner = new JobRunner({
      plan,
      partition: { index: 0, count: 1 },
      executor,
      sink,
      anomalyIndex: () => 'vigil-eval',
      mode: 'detect',
      writeMinScore: 0,
    });
    const state: PartitionState = { ensemble: null, firstSeen: new FirstSeenStore() };
    try {
      const warm = windows.filter((w) => w.start < options.scoreFrom);
      const scored = windows.filter((w) => w.start >= options.scoreFrom);
      const outcomes = await runner.warmup(warm, state, () => {
        done++;
        options.onProgress?.(done, totalWindows);
      });
      warmupEntityWindows += outcomes.reduce((n, o) => n + o.entities, 0);
      for (const w of scored) {
        await runner.scoreWindow(w, state);
        done++;
        options.onProgress?.(done, totalWindows);
      }
    } finally {
      tape.leave();
    }
  };

  await Promise.all(plans.map((plan, i) => runJob(plan, windowsOf[i])));

  const windows: ScoredWindow[] = [];
  const fieldIssues = new FieldIssues();
  const rules = new Map<string, StaticRule[]>();
  executors.forEach((executor, i) => {
    fieldIssues.merge(executor.issues);
    for (const w of sinks[i].windows) windows.push(w);
    rules.set(executor.rules.jobId, executor.rules.finalRules);
  });
  windows.sort(byWindowOrder);
  return { windows, stepLatencyMs, fieldIssues, rules, entityWindowsWarmup: warmupEntityWindows };
}
