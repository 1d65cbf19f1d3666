import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../../config/load.js';
import { jobSchema, type JobConfig } from '../../config/job.js';
import { PRESETS } from '../../features/presets.js';
import { log } from '../../log.js';
import { detect, loadEvents, NdjsonSink } from '../../pipeline/detect.js';
import { durationMs } from '../../config/duration.js';
import { planJob } from '../../pipeline/job-plan.js';
import type { IncidentOptionsInput } from '../../incidents/index.js';
import { incidentOptionsOf, selectJobs } from '../../pipeline/pipeline.js';
import { RunSummary } from '../../pipeline/run-summary.js';
import { parseTimeArg } from '../../pipeline/time-arg.js';
import { UsageError } from '../errors.js';

interface DetectFlags {
  events: string;
  out: string;
  config?: string;
  preset?: string;
  job?: string[];
  window?: string;
  slide?: string;
  warmup?: string;
  timeField?: string;
  minScore?: string;
  from?: string;
  to?: string;
  json?: boolean;
}

/** Command-line overrides of a job, validated by the job schema itself so errors name the flag's field. */
function withOverrides(job: JobConfig, flags: DetectFlags): JobConfig {
  const patch: Record<string, unknown> = {};
  if (flags.window) patch.window = flags.window;
  if (flags.slide) patch.slide = flags.slide;
  else if (flags.window) patch.slide = flags.window;
  if (flags.warmup) patch.warmup = flags.warmup;
  if (flags.timeField) patch.time_field = flags.timeField;
  const parsed = jobSchema.safeParse({ ...job, ...patch });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--${String(issue.path[0] ?? '').replace(/_/g, '-')}: ${issue.message}`);
  }
  return parsed.data;
}

async function jobsFor(flags: DetectFlags): Promise<{ jobs: JobConfig[]; writeMinScore: number; incidents?: IncidentOptionsInput }> {
  if (flags.config && flags.preset) throw new UsageError('give either --config or --preset, not both');
  if (flags.preset) {
    if (!(flags.preset in PRESETS))
      throw new UsageError(`--preset must be one of ${Object.keys(PRESETS).join(', ')} (got "${flags.preset}")`);
    const job = jobSchema.parse({ id: flags.preset.replace(/_/g, '-'), preset: flags.preset, index: 'ndjson' });
    return { jobs: [withOverrides(job, flags)], writeMinScore: 0 };
  }
  if (!flags.config) throw new UsageError('give --config FILE (its jobs run over the file) or --preset NAME');
  const config = await loadConfig(flags.config);
  let jobs: JobConfig[];
  try {
    jobs = selectJobs(config, flags.job);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    jobs: jobs.map((j) => withOverrides(j, flags)),
    writeMinScore: config.pipeline.write_min_score,
    incidents: incidentOptionsOf(config),
  };
}

export function register(program: Command): void {
  program
    .command('detect')
    .description('score an NDJSON file of events without a cluster and write the anomaly documents as NDJSON')
    .requiredOption('-e, --events <file>', 'events, one ECS JSON object per line')
    .requiredOption('-o, --out <file>', 'where to write the anomaly documents (NDJSON)')
    .option('-c, --config <file>', 'run the jobs of this configuration (cluster settings are ignored)')
    .option('--preset <name>', `run one preset job: ${Object.keys(PRESETS).join(', ')}`)
    .option('-j, --job <id...>', 'with --config: only these jobs')
    .option('--window <duration>', 'window length, e.g. 1h (overrides the job)')
    .option('--slide <duration>', 'slide between windows (default: the window)')
    .option('--warmup <duration>', 'history learned before scoring, e.g. 1d or 0s')
    .option('--time-field <field>', 'event time field (default @timestamp)')
    .option('--min-score <n>', 'write only entity-windows scoring at least this (alerts always); default writes all')
    .option('--from <time>', 'only windows from this time (ISO date, epoch ms)')
    .option('--to <time>', 'only windows ending by this time')
    .option('--json', 'print the summary as JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  vigil detect --events events.ndjson --preset auth_by_user --out anomalies.ndjson\n  vigil detect --events events.ndjson --config vigil.yml --warmup 2d --out anomalies.ndjson',
    )
    .action(async (flags: DetectFlags) => {
      const { jobs, writeMinScore: configured, incidents } = await jobsFor(flags);
      let writeMinScore = configured;
      if (flags.minScore !== undefined) {
        const parsed = z.coerce.number().min(0).max(100).safeParse(flags.minScore);
        if (!parsed.success) throw new UsageError(`--min-score expects a number from 0 to 100 (got "${flags.minScore}")`);
        writeMinScore = parsed.data;
      }
      let from: number | undefined;
      let to: number | undefined;
      try {
        from = flags.from ? parseTimeArg(flags.from) : undefined;
        to = flags.to ? parseTimeArg(flags.to) : undefined;
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const plans = jobs.map((job) => {
        try {
          return planJob(job);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
      });

      const sink = new NdjsonSink(createWriteStream(flags.out));
      const total = new RunSummary();
      const perJob: { job: string; windows_warmup: number; windows_scored: number; from: string; to: string }[] = [];
      try {
        for (const plan of plans) {
          const bounds = {
            notAfter: Date.now() + durationMs(plan.job.future_skew),
            ...(from !== undefined ? { from } : {}),
            ...(to !== undefined ? { to } : {}),
          };
          const events = await loadEvents(flags.events, plan.job.time_field, plan.spec.slideMs, bounds);
          if (events.outOfRange.future > 0) {
            log.warn(
              { job: plan.job.id, events: events.outOfRange.future, future_skew: plan.job.future_skew },
              'events dated after now + future_skew were ignored as bad',
            );
          }
          if (events.tally.badLines > 0) {
            log.warn(
              { badLines: events.tally.badLines, samples: events.tally.badLineSamples.slice(0, 3) },
              'lines that are not JSON objects were skipped',
            );
          }
          const result = await detect({ plan, events, sink, writeMinScore, from, to, ...(incidents ? { incidents } : {}) });
          total.merge(result.summary);
          perJob.push({
            job: plan.job.id,
            windows_warmup: result.windows.warmup,
            windows_scored: result.windows.scored,
            from: result.range.from ? new Date(result.range.from).toISOString() : '',
            to: result.range.to ? new Date(result.range.to).toISOString() : '',
          });
        }
      } finally {
        await sink.close();
      }
      if (flags.json) {
        console.log(JSON.stringify({ out: flags.out, documents: sink.written, jobs: perJob, summary: total.toJSON() }, null, 2));
      } else {
        for (const j of perJob)
          console.log(`${j.job}: ${j.windows_scored} window(s) scored after ${j.windows_warmup} warm-up, ${j.from} → ${j.to}`);
        console.log(total.format());
        console.log(`${sink.written} anomaly document(s) written to ${flags.out}`);
      }
    });
}
