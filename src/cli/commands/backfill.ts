import type { Command } from 'commander';
import type { JobConfig } from '../../config/job.js';
import cliProgress from 'cli-progress';
import { log } from '../../log.js';
import { runBackfill } from '../../pipeline/backfill.js';
import { parseIntList, withCluster } from '../../pipeline/cluster-session.js';
import { durationMs } from '../../config/duration.js';
import { defaultHolderId } from '../../pipeline/lease.js';
import { createWorkers, selectJobs } from '../../pipeline/pipeline.js';
import { planJob } from '../../pipeline/job-plan.js';
import { preflight } from '../../pipeline/preflight.js';
import { windowsInRange } from '../../pipeline/window-planner.js';
import { RunSummary } from '../../pipeline/run-summary.js';
import type { SlicePassReport } from '../../pipeline/slice-pass.js';
import { parseTimeArg } from '../../pipeline/time-arg.js';
import { UsageError } from '../errors.js';

interface BackfillFlags {
  config: string;
  from: string;
  to: string;
  job?: string[];
  partitions?: string;
  restart?: boolean;
  alerts: boolean;
  leaseWait?: string;
  progress: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('backfill')
    .description('score a past range with the real-time code: warm-up first (learn only), then every window; resumable')
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON)')
    .requiredOption('--from <time>', 'range start: ISO date, epoch ms, now or now-<duration> (e.g. now-14d)')
    .requiredOption('--to <time>', 'range end (exclusive), same forms (e.g. now)')
    .option('-j, --job <id...>', 'only these jobs (default: all)')
    .option('-p, --partitions <list>', 'only these partitions, e.g. 0,1 (default: all)')
    .option('--restart', 'forget the saved progress and model of the selected jobs and start over at --from')
    .option('--no-alerts', 'do not send alerts to the connectors (documents are still written)')
    .option('--lease-wait <duration>', 'how long to wait for a partition leased by another runner (default: twice pipeline.lease_ttl)')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print the summary as JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  vigil backfill --config vigil.yml --from now-14d --to now\n  vigil backfill --config vigil.yml --from 2026-03-01 --to 2026-03-08 --job auth_users --restart',
    )
    .action(async (flags: BackfillFlags) => {
      const now = Date.now();
      let from: number;
      let to: number;
      try {
        from = parseTimeArg(flags.from, now);
        to = parseTimeArg(flags.to, now);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      if (to <= from) throw new UsageError(`--to (${new Date(to).toISOString()}) must be after --from (${new Date(from).toISOString()})`);
      let partitions: number[] | undefined;
      try {
        partitions = flags.partitions ? parseIntList(flags.partitions, '--partitions') : undefined;
      } catch (error) {
        throw new UsageError((error as Error).message);
      }

      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) process.exit(1);
        stopping = true;
        log.info({ signal }, 'stopping after the window in progress; run the same command again to resume');
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));

      const summary = new RunSummary();
      const started = Date.now();
      const bar = flags.progress
        ? new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: 'backfill |{bar}| {percentage}% {value}/{total} windows | ETA {eta_formatted} | {job} {window}',
              hideCursor: true,
              etaBuffer: 20,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;

      let incidents: SlicePassReport | undefined;
      const nothingToScore: string[] = [];
      const results = await withCluster(flags.config, async (config, engine) => {
        let leaseWaitMs = 2 * durationMs(config.pipeline.lease_ttl);
        if (flags.leaseWait) {
          try {
            leaseWaitMs = durationMs(flags.leaseWait);
          } catch (error) {
            throw new UsageError(`--lease-wait: ${(error as Error).message}`);
          }
        }
        let jobs: JobConfig[];
        try {
          jobs = selectJobs(config, flags.job);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        const latest = now + Math.min(...jobs.map((j) => durationMs(j.future_skew)));
        if (to > latest) {
          throw new UsageError(
            `--to ${new Date(to).toISOString()} is in the future: windows past now are incomplete, and their checkpoint would skip the events still to come; use --to now (vigil run continues from there)`,
          );
        }
        // A job whose range is all warm-up has nothing to score: say so, and leave its state alone.
        const scoring = jobs.filter((job) => {
          const plan = planJob(job);
          const windows = windowsInRange(plan.spec, from, to).length;
          if (windows > plan.warmupWindows) return true;
          nothingToScore.push(
            `job ${job.id}: nothing to score — the range holds ${windows} window(s) of ${job.window}, all needed for the warm-up (${plan.warmupWindows}); extend --from / --to or lower jobs[].warmup`,
          );
          return false;
        });
        if (scoring.length === 0) return [];
        jobs = scoring;
        // Install done, sources exist, future-dated events counted — before any checkpoint moves.
        const checked = await preflight(engine, config, jobs, flags.config, now);
        summary.countBadTime(
          [...checked.future.values()].reduce((a, b) => a + b, 0),
          0,
        );
        for (const [job, n] of checked.future)
          if (n > 0) log.warn({ job, events: n }, 'events dated after now + future_skew are ignored as bad');
        const holder = defaultHolderId();
        const set = createWorkers({
          config,
          engine,
          log,
          holder,
          mode: 'backfill',
          bounds: { kind: 'backfill', from, to },
          jobIds: jobs.map((j) => j.id),
          partitions,
          alerts: flags.alerts,
          stopRequested: () => stopping,
          onWindow: (worker, outcome) => {
            summary.add(outcome, worker.options.plan.job.id);
            bar?.increment(1, { job: worker.options.plan.job.id, window: new Date(outcome.window.start).toISOString().slice(0, 16) });
          },
          onWritten: (_scores, outcome) => summary.addWrites(outcome),
        });
        try {
          const done = await runBackfill({
            workers: set.workers,
            slices: set.slices,
            range: { from, to },
            log,
            restart: flags.restart ?? false,
            leaseWaitMs,
            stopRequested: () => stopping,
            onPlan: (total) => bar?.start(total, 0, { job: '', window: '' }),
          });
          bar?.stop();
          incidents = done.slices;
          summary.addIncidents(done.slices);
          // Scoring is done; give the outbox worker up to alerting.drain_timeout to finish delivery.
          const delivery = stopping ? set.dispatcher?.takeCounts() : await set.drainAlerts();
          if (delivery) summary.addDelivery(delivery);
          return done.partitions;
        } finally {
          bar?.stop();
          await set.close();
        }
      });

      const elapsed = (Date.now() - started) / 1000;
      if (flags.json) {
        const extra = {
          ...(incidents ? { slices: incidents } : {}),
          ...(nothingToScore.length > 0 ? { nothing_to_score: nothingToScore } : {}),
        };
        console.log(
          JSON.stringify(
            {
              from: new Date(from).toISOString(),
              to: new Date(to).toISOString(),
              interrupted: stopping,
              seconds: elapsed,
              partitions: results,
              summary: summary.toJSON(),
              ...extra,
            },
            null,
            2,
          ),
        );
      } else {
        for (const line of nothingToScore) console.log(line);
        for (const r of results)
          console.log(
            `${r.job} partition ${r.partition}: ${r.alreadyDone ? 'already done' : `${r.windows} window(s)`}, next window ${r.nextWindowStart}`,
          );
        console.log(summary.format());
        if (incidents) {
          console.log(
            incidents.status === 'already_done'
              ? 'slices: range already decided'
              : `slices: ${incidents.slices} decided, ${incidents.incidents} incident(s) alerted, ${incidents.updates} update(s)${incidents.missing ? `, ${incidents.missing} window(s) without scores` : ''}`,
          );
        }
        console.log(`${stopping ? 'interrupted' : 'done'} in ${elapsed.toFixed(1)} s`);
      }
      if (stopping) process.exitCode = 130;
    });
}
