/**
 * `vigil eval --events FILE --labels FILE`: the ensemble and its baselines on labelled events.
 *
 * In memory (default): the events file is replayed in time order through the pipeline's own job
 * runner for every job (presets on hourly windows unless --config), warm-up first, then
 * score-then-learn. With --cluster: the events are loaded into the cluster, Vigil installs and
 * backfills through the real pipeline, and the anomaly index is read back (cluster-eval.ts).
 * Either way the same evaluate() computes the figures, and the same table / JSON / HTML report
 * presents them.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { JobConfig } from '../config/job.js';
import { durationMs } from '../config/duration.js';
import { planJob } from '../pipeline/job-plan.js';
import { UsageError } from '../usage-error.js';
import { log } from '../log.js';
import { renderReport } from './report/html.js';
import { bucketByDay, removeBuckets } from './event-tape.js';
import { evaluate } from './evaluate.js';
import { formatEventsEvaluation } from './format.js';
import { configEvalJobs, defaultEvalJobs, defaultWarmupMs } from './jobs.js';
import { readLabels, type Label } from './labels.js';
import { runInMemory } from './memory-run.js';
import { rulesForJob } from './rules.js';
import { incidentPass } from './incident-pass.js';
import { analystFigures } from './analyst.js';
import type { ClusterRunOptions } from './cluster-eval.js';
import type { EventsEvaluation, ScoringInput, ScoringOutput } from './events-evaluation.js';

export type { EventsEvaluation } from './events-evaluation.js';

export interface EventsEvalOptions {
  readonly events: string;
  readonly labels: string;
  readonly config?: string;
  readonly cluster?: string;
  readonly report?: string;
  readonly json: boolean;
  /** Alerts per day the SOC can triage (default 10). */
  readonly budget?: number;
  /** k of precision@k (default 100). */
  readonly k?: number;
  readonly warmupDays?: number;
  /** Bootstrap resamples (default 200). */
  readonly resamples?: number;
  readonly seed?: number;
  /** Index prefix used in --cluster mode (default vigil-eval-<random>). */
  readonly clusterPrefix?: string;
  readonly keepIndices?: boolean;
  /** Return the scored windows too (after the relational pass), e.g. for analyst-level counts in bench:peers. */
  readonly keepWindows?: boolean;
  /**
   * Slide of the default jobs' hourly windows (default: the window, 1 h). `15m` is how the presets
   * run in the pipeline; without --config only.
   */
  readonly slide?: string;
}

function commonTimeField(jobs: readonly JobConfig[]): string {
  const fields = [...new Set(jobs.map((j) => j.time_field))];
  if (fields.length > 1) throw new Error(`the jobs use different time fields (${fields.join(', ')}); evaluate them in separate runs`);
  return fields[0] ?? '@timestamp';
}

/** Extra settings for a cluster run that only code (the demo, tests) can give: a live engine, alert connectors, index names. */
export type ClusterRunExtras = Omit<ClusterRunOptions, 'url'>;

export async function evaluateEvents(
  options: EventsEvalOptions,
  labelsIn?: readonly Label[],
  clusterExtras?: ClusterRunExtras,
): Promise<EventsEvaluation> {
  const started = Date.now();
  for (const [flag, path] of [
    ['--events', options.events],
    ['--labels', options.labels],
  ] as const) {
    if (!existsSync(path)) throw new UsageError(`${flag}: no such file ${path}`);
  }
  const labels = labelsIn ?? (await readLabels(options.labels));
  if (labels.length === 0)
    log.warn({ labels: options.labels }, 'no labels: every window counts as benign, so recall-based figures are undefined');
  let jobs = options.config ? await configEvalJobs(options.config) : defaultEvalJobs('events', 0);
  const timeField = commonTimeField(jobs);
  log.info({ events: options.events }, 'reading events');
  const buckets = await bucketByDay(options.events, timeField);
  try {
    if (buckets.events === 0)
      throw new Error(
        `${options.events}: no events with a usable ${timeField}${buckets.badLines ? ` (${buckets.badLines} bad lines, e.g. line ${buckets.badLineSamples[0]?.line}: ${buckets.badLineSamples[0]?.error})` : ''}`,
      );
    if (buckets.badLines > 0)
      log.warn(
        { badLines: buckets.badLines, samples: buckets.badLineSamples.slice(0, 3) },
        'lines skipped (not JSON objects or without a usable time)',
      );
    const span = buckets.maxTime - buckets.minTime;
    const warmupMs =
      options.warmupDays !== undefined
        ? Math.round(options.warmupDays * 86_400_000)
        : options.config
          ? Math.max(...jobs.map((j) => durationMs(j.warmup)))
          : defaultWarmupMs(span);
    if (!options.config) jobs = defaultEvalJobs('events', warmupMs, ...(options.slide ? [options.slide] : []));
    const plans = jobs.map((j) => planJob(j));
    const slide = Math.max(...plans.map((p) => p.spec.slideMs));
    const scoreFrom = Math.ceil((Math.floor(buckets.minTime / slide) * slide + warmupMs) / slide) * slide;
    if (scoreFrom >= buckets.maxTime)
      throw new Error(
        `the events span ${(span / 3_600_000).toFixed(1)} h, not more than the ${(warmupMs / 3_600_000).toFixed(1)} h warm-up: nothing left to score (lower --warmup-days)`,
      );
    const rules = new Map(jobs.map((j) => [j.id, rulesForJob(j)]));
    const input: ScoringInput = { eventsPath: options.events, jobs, plans, rules, scoreFrom, timeField };
    let output: ScoringOutput;
    let cluster: EventsEvaluation['cluster'];
    if (options.cluster) {
      const { runInCluster } = await import('./cluster-eval.js');
      const run = await runInCluster(input, buckets, {
        url: options.cluster,
        ...(options.clusterPrefix ? { prefix: options.clusterPrefix } : {}),
        ...(options.keepIndices ? { keepIndices: true } : {}),
        ...clusterExtras,
      });
      output = run;
      cluster = { indices: run.indices, alerts: run.alerts, anomalyCount: run.anomalyCount, ...(run.load ? { load: run.load } : {}) };
    } else {
      const mem = await runInMemory({
        plans,
        rules,
        buckets,
        timeField,
        scoreFrom,
        onProgress: (done, total) => {
          if (done % 500 === 0 || done === total) log.debug({ done, total }, 'windows');
        },
      });
      output = { windows: mem.windows, processingMs: mem.stepLatencyMs, rules: mem.rules, fieldIssues: mem.fieldIssues.toJSON() };
    }
    const delayMs = Math.max(...plans.map((p) => p.spec.delayMs));
    // The incident pass, as the pipeline runs it (one pass per slice, all jobs), then the figures.
    const pass = incidentPass(
      output.windows.filter((w) => w.start >= scoreFrom),
      { alertsPerDay: options.budget ?? 10 },
    );
    const processingP50 = [...output.processingMs].sort((a, b) => a - b)[output.processingMs.length >> 1] ?? 0;
    const analyst = analystFigures({
      windows: pass.windows,
      labels,
      alerts: pass.alerts,
      scoreFrom,
      scoreTo: buckets.maxTime + 1,
      latencyMs: delayMs + processingP50,
    });
    const result = evaluate({
      windows: pass.windows,
      labels,
      scoreFrom,
      scoreTo: buckets.maxTime + 1,
      budgetPerDay: options.budget ?? 10,
      k: options.k ?? 100,
      recallTarget: 0.95,
      resamples: options.resamples ?? 200,
      seed: options.seed ?? 1,
      processingMs: output.processingMs,
      delayMs,
    });
    return {
      result,
      analyst,
      jobs: plans.map((p) => ({
        id: p.job.id,
        ...(p.job.preset ? { preset: p.job.preset } : {}),
        window: p.job.window,
        slide: p.job.slide,
        entity: p.resolved.entityFields.join(','),
        features: p.resolved.features.length,
      })),
      rules: Object.fromEntries(
        [...output.rules].map(([id, list]) => [
          id,
          list.map((r) => ({ name: r.name, type: r.type, threshold: r.threshold, description: r.description })),
        ]),
      ),
      events: buckets.events,
      badLines: buckets.badLines,
      warmupMs,
      mode: options.cluster ? 'cluster' : 'memory',
      elapsedMs: Date.now() - started,
      fieldIssues: output.fieldIssues,
      ...(output.anomalyIndex ? { anomalyIndex: output.anomalyIndex } : {}),
      ...(cluster ? { cluster } : {}),
      ...(options.keepWindows ? { scored: { windows: pass.windows, scoreFrom, scoreTo: buckets.maxTime + 1 } } : {}),
    };
  } finally {
    await removeBuckets(buckets);
  }
}

/** The JSON printed by --json: models and scenarios first (the published shape), plots left out. */
export function evaluationJson(e: EventsEvaluation): Record<string, unknown> {
  const { plots: _plots, ...rest } = e.result;
  return {
    models: rest.models,
    scenarios: rest.scenarios,
    components: rest.components,
    dataset: { ...rest.dataset, events: e.events, bad_lines: e.badLines, warmup_hours: e.warmupMs / 3_600_000 },
    latency: rest.latency,
    ensemble_alerts: rest.ensemble_alerts,
    analyst: e.analyst,
    method: {
      mode: e.mode,
      jobs: e.jobs,
      rules: e.rules,
      positives:
        'an entity-window is positive when its entity value, or one of its related.* values of the same kind (ip, user, hosts), equals a label value and the window overlaps the label interval',
      ordering: 'time-ordered: warm-up windows fit the models; every later window is scored, then learned',
      confidence_intervals: 'block bootstrap over days, 95% percentile intervals',
    },
    field_issues: e.fieldIssues,
    elapsed_ms: e.elapsedMs,
  };
}

/** --budget, --warmup-days, --resamples as numbers; a bad value is a usage error naming the flag. */
export function numericEventsFlags(flags: {
  budget?: string;
  warmupDays?: string;
  resamples?: string;
}): Pick<EventsEvalOptions, 'budget' | 'warmupDays' | 'resamples'> {
  const num = (flag: string, value: string | undefined, ok: (n: number) => boolean, what: string): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`--${flag} must be ${what}, got "${value}"`);
    return n;
  };
  const budget = num('budget', flags.budget, (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1');
  const warmupDays = num('warmup-days', flags.warmupDays, (n) => n >= 0, 'a number of days ≥ 0');
  const resamples = num('resamples', flags.resamples, (n) => Number.isInteger(n) && n >= 0 && n <= 10_000, 'a whole number 0–10000');
  return {
    ...(budget !== undefined ? { budget } : {}),
    ...(warmupDays !== undefined ? { warmupDays } : {}),
    ...(resamples !== undefined ? { resamples } : {}),
  };
}

export async function runEventsEval(options: EventsEvalOptions): Promise<void> {
  const evaluation = await evaluateEvents(options);
  if (options.report) {
    await writeFile(options.report, renderReport(evaluation));
    log.info({ report: options.report }, 'HTML report written');
  }
  if (options.json) console.log(JSON.stringify(evaluationJson(evaluation)));
  else {
    console.log(formatEventsEvaluation(evaluation.analyst, evaluation.result));
    if (options.report) console.log(`\nreport: ${options.report}`);
  }
}
