import type { Command } from 'commander';
import cron from 'node-cron';
import { loadConfig } from '../../config/load.js';
import { connectEngine } from '../../engine/connect.js';
import type { Engine } from '../../engine/engine.js';
import { log } from '../../log.js';
import { durationMs } from '../../config/duration.js';
import { parseIntList } from '../../pipeline/cluster-session.js';
import { defaultHolderId } from '../../pipeline/lease.js';
import { createWorkers, selectJobs } from '../../pipeline/pipeline.js';
import { preflight } from '../../pipeline/preflight.js';
import { RunLoop } from '../../pipeline/run-loop.js';
import { RunSummary } from '../../pipeline/run-summary.js';
import { UsageError } from '../errors.js';

interface RunFlags {
  config: string;
  job?: string[];
  partitions?: string;
  once?: boolean;
  holder?: string;
}

/**
 * The engine connection is retried here too: a runner started while the cluster is down waits for
 * it (logging the outage) instead of exiting, like a runner whose cluster goes away later.
 */
async function connectWithRetry(connect: () => Promise<Engine>, maxBackoffMs: number, stopped: () => boolean): Promise<Engine | undefined> {
  let delay = 1_000;
  for (let attempt = 1; !stopped(); attempt++) {
    try {
      return await connect();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt === 1) log.error({ err: message }, 'cluster unreachable at start-up: retrying with backoff');
      else log.warn({ attempt, retryInMs: delay, err: message }, 'cluster still unreachable');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(maxBackoffMs, delay * 2);
    }
  }
  return undefined;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('score every complete window of every job on the config schedule (node-cron), with leases, catch-up and graceful shutdown')
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON)')
    .option('-j, --job <id...>', 'only these jobs (default: all)')
    .option('-p, --partitions <list>', 'only these partitions of each job, e.g. 0,1 (default: all; other runners take the rest)')
    .option('--once', 'run one cycle (catch up to now) and exit instead of following the schedule')
    .option('--holder <id>', 'lease holder id of this runner (default host:pid:random)')
    .addHelpText(
      'after',
      '\nExamples:\n  vigil run --config vigil.yml                 # follow schedule.cron until SIGTERM\n  vigil run --config vigil.yml --partitions 0   # share a partitioned job between machines\n  vigil run --config vigil.yml --once           # catch up once, e.g. from an external scheduler',
    )
    .action(async (flags: RunFlags) => {
      const config = await loadConfig(flags.config);
      if (!cron.validate(config.schedule.cron)) throw new UsageError(`schedule.cron "${config.schedule.cron}" is not a valid cron expression (e.g. */5 * * * *)`);
      const partitions = flags.partitions ? parseIntList(flags.partitions, '--partitions') : undefined;
      const holder = flags.holder ?? defaultHolderId();
      const graceMs = durationMs(config.pipeline.grace_period);

      let stopping = false;
      let loop: RunLoop | undefined;
      let stopped: Promise<boolean> | undefined;
      const stopLoop = (): Promise<boolean> => (stopped ??= loop ? loop.stop(graceMs) : Promise.resolve(true));
      let task: ReturnType<typeof cron.schedule> | undefined;
      let wakeIdle: (() => void) | undefined;
      const onSignal = (signal: string): void => {
        if (stopping) {
          log.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        log.info({ signal, graceMs }, 'shutting down: finishing the window in progress');
        void task?.stop();
        wakeIdle?.();
        if (loop) void stopLoop();
      };
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));

      const engine = await connectWithRetry(() => connectEngine(config.cluster), durationMs(config.pipeline.outage_max_backoff), () => stopping);
      if (!engine) return;
      const abort = new AbortController();
      const summary = new RunSummary();
      // Install done and every source index pattern matching something, before any checkpoint moves.
      let checked;
      try {
        checked = await preflight(engine, config, selectJobs(config, flags.job), flags.config);
      } catch (error) {
        await engine.close().catch(() => undefined);
        throw error;
      }
      summary.countBadTime([...checked.future.values()].reduce((a, b) => a + b, 0), 0);
      for (const [job, n] of checked.future) if (n > 0) log.warn({ job, events: n }, 'events dated after now + future_skew are ignored as bad');
      const set = createWorkers({
        config,
        engine,
        log,
        holder,
        mode: 'run',
        bounds: { kind: 'run' },
        jobIds: flags.job,
        partitions,
        abort: abort.signal,
        stopRequested: () => stopping,
        onWindow: (worker, outcome) => summary.add(outcome, worker.options.plan.job.id),
        onWritten: (scores, outcome) => {
          summary.addWrites(outcome);
          log.info(
            {
              job: scores.job,
              partition: scores.partition,
              window: new Date(outcome.window.start).toISOString(),
              entities: outcome.entities,
              written: outcome.anomaliesWritten,
              alerts: outcome.alerts,
              ms: Math.round(outcome.durationMs),
            },
            'window scored',
          );
        },
      });
      // After each round over the partitions: the slice pass decides and writes what every job has scored.
      loop = new RunLoop({
        workers: set.workers,
        log,
        maxWindowsPerTick: config.pipeline.max_windows_per_tick,
        maxBackoffMs: durationMs(config.pipeline.outage_max_backoff),
        abort,
        afterPass: async () => {
          const report = await set.slices.runPass();
          if (report.status === 'standby') log.debug({ holder: report.holder }, 'slice pass: another runner holds its lease');
          else summary.addIncidents(report);
        },
      });
      log.info({ holder, jobs: set.plans.map((p) => p.job.id), partitions: set.workers.length, cron: config.schedule.cron }, 'vigil run started');

      const runCycle = async (): Promise<void> => {
        try {
          await loop?.cycle();
        } catch (error) {
          log.error({ err: error instanceof Error ? error.message : String(error) }, 'cycle failed; retrying at the next tick');
        }
      };

      if (flags.once) {
        await runCycle();
      } else {
        // A first cycle right away (catch-up after downtime), then on the schedule.
        await runCycle();
        task = cron.schedule(config.schedule.cron, runCycle, { noOverlap: true, name: 'vigil-run' });
        await new Promise<void>((resolve) => {
          wakeIdle = resolve;
          if (stopping) resolve();
        });
      }
      stopping = true;
      await task?.stop();
      await stopLoop();
      // `--once` waits for its alerts like backfill; the service leaves the rest to its next start.
      const delivery = flags.once ? await set.drainAlerts() : set.dispatcher?.takeCounts();
      if (delivery) summary.addDelivery(delivery);
      await set.close();
      await engine.close().catch(() => undefined);
      const totals = summary.toJSON();
      log.info({ ...totals, field_issues: Object.keys(totals.field_issues).length ? totals.field_issues : undefined }, 'vigil run stopped');
      if (!flags.once) process.exit(0);
      console.log(summary.format());
    });
}
