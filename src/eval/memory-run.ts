/**
 * Scores every entity-window of every job in process, with the pipeline's own JobRunner (the same
 * code `vigil detect` and `vigil backfill` use), time-ordered: each job warms up on the first
 * windows (baselines and first-seen values learned, nothing scored), then scores each later window
 * and only afterwards learns from it — the models never see the future.
 *
 * All jobs read one event tape in lockstep (event-tape.ts). The static rules (the ElastAlert2 rule
 * pack, rules.ts) run first in one pass over the same events and score the same entity-windows.
 */
import type { AnomalyDocument } from '../anomaly/document.js';
import type { FeatureExecutor, WindowRequest, WindowResult } from '../features/executor.js';
import { fieldPath, parseEventTime } from '../features/event.js';
import { FieldIssues } from '../features/field-issues.js';
import { WindowAccumulator } from '../features/memory-executor.js';
import type { WriteItem, WriteReport } from '../pipeline/anomaly-writer.js';
import { FirstSeenStore } from '../pipeline/first-seen-store.js';
import type { JobPlan } from '../pipeline/job-plan.js';
import { JobRunner, type DocumentSink, type PartitionState } from '../pipeline/job-runner.js';
import { alignDown, alignUp, windowsInRange, type TimeWindow } from '../pipeline/window-planner.js';
import { SharedTape, type BucketSummary, type TapeStep } from './event-tape.js';
import type { PackRule } from './rule-pack.js';
import { RulePackRunner, ruleJobLink, ruleWindowScores, shippedRulePack, type StaticRule } from './rules.js';
import { byWindowOrder, scoredWindowOf, windowKey, type ScoredWindow } from './scored-window.js';

const HOUR_MS = 3_600_000;

export interface MemoryRunOptions {
  readonly plans: readonly JobPlan[];
  readonly rules: ReadonlyMap<string, StaticRule[]>;
  /** The rule pack of the `rules` baseline (default: the shipped rules/elastalert2). */
  readonly pack?: readonly PackRule[];
  readonly buckets: BucketSummary;
  readonly timeField: string;
  /** Windows starting before this instant are warm-up. */
  readonly scoreFrom: number;
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Keep each window's explanation text (default true). The suite counts incidents and never reads
   * them; at 3,000 users (millions of entity-windows) they would be most of the memory.
   */
  readonly narratives?: boolean;
}

export interface MemoryRunResult {
  readonly windows: ScoredWindow[];
  /** Processing time per window step (all jobs), ms: from the window's events being complete to every job having scored it. */
  readonly stepLatencyMs: number[];
  readonly fieldIssues: FieldIssues;
  /** The pack's rules that can fire on each job's windows (for reports). */
  readonly rules: ReadonlyMap<string, StaticRule[]>;
  readonly entityWindowsWarmup: number;
}

/**
 * Turns the anomaly documents the runner would have written into scored windows as they come
 * (the documents themselves are not kept: 100,000 of them would take a gigabyte).
 */
class CaptureSink implements DocumentSink {
  readonly windows: ScoredWindow[] = [];

  constructor(
    private readonly ruleScores: ReadonlyMap<string, number>,
    private readonly narratives = true,
  ) {}

  async write(items: readonly WriteItem[]): Promise<WriteReport> {
    for (const item of items) {
      const doc = item.doc as unknown as AnomalyDocument;
      const key = windowKey(doc.vigil.job_id, doc.vigil.entity.value, Date.parse(doc.vigil.window.start));
      const w = scoredWindowOf(doc, this.ruleScores.get(key) ?? 0);
      this.windows.push(this.narratives ? w : { ...w, narrative: '' });
    }
    return { written: items.length, retried: 0, deadLettered: 0, requests: 1 };
  }
}

/** A job's executor on the shared tape. */
class TapeJobExecutor implements FeatureExecutor {
  readonly issues = new FieldIssues();

  constructor(private readonly tape: SharedTape) {}

  async computeWindow(req: WindowRequest): Promise<WindowResult> {
    const events = await this.tape.request(req.start, req.end);
    const acc = new WindowAccumulator(req);
    for (const e of events) acc.add(e);
    await req.baselineReady;
    const result = acc.result();
    this.issues.merge(result.fieldIssues);
    return result;
  }
}

/** Windows of a job covering the events (slide-aligned, the last one possibly past the data). */
export function jobWindows(plan: JobPlan, minTime: number, maxTime: number): TimeWindow[] {
  return windowsInRange(plan.spec, alignDown(minTime, plan.spec.slideMs), alignUp(maxTime + 1, plan.spec.slideMs));
}

/**
 * The rule pack's score of every entity-window (rules.ts): one pass over the events in time order,
 * as `elastalert --start scoreFrom` reads them, history before scoreFrom for new_term rules.
 */
export async function rulesInMemory(
  options: Pick<MemoryRunOptions, 'plans' | 'buckets' | 'timeField' | 'scoreFrom' | 'pack'>,
): Promise<Map<string, number>> {
  const pack = options.pack ?? shippedRulePack();
  const end = options.buckets.maxTime + 1;
  const runner = new RulePackRunner(pack, options.scoreFrom);
  const tape = new SharedTape(options.buckets, options.timeField, 1);
  const time = fieldPath(options.timeField);
  try {
    for (let s = alignDown(options.buckets.minTime, HOUR_MS); s < end; s += HOUR_MS) {
      for (const doc of await tape.request(s, s + HOUR_MS)) {
        const ts = parseEventTime(time.read(doc));
        if (ts !== undefined) runner.add(doc, ts);
      }
    }
  } finally {
    tape.leave();
  }
  return ruleWindowScores(runner.finish(end), pack, options.plans.map(ruleJobLink));
}

export async function runInMemory(options: MemoryRunOptions): Promise<MemoryRunResult> {
  const { plans, buckets } = options;
  const ruleScores = await rulesInMemory(options);
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
    const executor = new TapeJobExecutor(tape);
    const sink = new CaptureSink(ruleScores, options.narratives ?? true);
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
  executors.forEach((executor, i) => {
    fieldIssues.merge(executor.issues);
    for (const w of sinks[i].windows) windows.push(w);
  });
  windows.sort(byWindowOrder);
  return { windows, stepLatencyMs, fieldIssues, rules: options.rules, entityWindowsWarmup: warmupEntityWindows };
}
