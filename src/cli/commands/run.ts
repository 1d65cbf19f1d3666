import type { Command } from 'commander';
import cron from 'node-cron';
import { loadConfig } from '../../config/load.js';
import type { VigilConfig } from '../../config/schema.js';
import { connectEngine } from '../../engine/connect.js';
import type { Engine } from '../../engine/engine.js';
import { log } from '../../log.js';
import { createDispatcher } from '../../alerting/dispatcher.js';
import { durationMs } from '../../config/duration.js';
import { parseIntList } from '../../pipeline/cluster-session.js';
import { defaultHolderId } from '../../pipeline/lease.js';
import { createWorkers, selectJobs, type WorkerSet } from '../../pipeline/pipeline.js';
import { preflight } from '../../pipeline/preflight.js';
import { RunLoop } from '../../pipeline/run-loop.js';
import { RunSummary } from '../../pipeline/run-summary.js';
import { FeedbackStore } from '../../feedback/store.js';
import { cronLogger } from '../../service/cron-logger.js';
import { feedbackRoute, FeedbackUnavailableError } from '../../service/feedback-route.js';
import { readiness, type Readiness } from '../../service/health.js';
import { startServiceServer, type ServiceServer } from '../../service/http.js';
import { instrumentDispatcher, instrumentEngine } from '../../service/instrument.js';
import { pausedJobs } from '../../service/job-control.js';
import { ServiceMetrics, partitionView, type PartitionView } from '../../service/metrics.js';
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

function checkCron(config: VigilConfig): void {
  if (!cron.validate(config.schedule.cron))
    throw new UsageError(`schedule.cron "${config.schedule.cron}" is not a valid cron expression (e.g. */5 * * * *)`);
}

/** What one configuration runs: workers, their loop, the correlator. Rebuilt on a SIGHUP reload. */
interface Runtime {
  readonly config: VigilConfig;
  readonly engine: Engine;
  readonly set: WorkerSet;
  readonly loop: RunLoop;
  readonly views: readonly PartitionView[];
  readonly closeDispatcher: () => Promise<void>;
  readonly summary: RunSummary;
  readonly drainOnStop: boolean;
  stopped?: Promise<boolean>;
}

interface RuntimeContext {
  readonly flags: RunFlags;
  readonly holder: string;
  readonly partitions: number[] | undefined;
  readonly metrics: ServiceMetrics;
  readonly summary: RunSummary;
  readonly paused: () => ReadonlySet<string>;
  readonly stopping: () => boolean;
}

function buildRuntime(config: VigilConfig, engine: Engine, ctx: RuntimeContext): Runtime {
  const abort = new AbortController();
  const jobIds = selectJobs(config, ctx.flags.job).map((j) => j.id);
  const raw =
    config.alerting.connectors.length > 0
      ? createDispatcher({
          config: config.alerting,
          engine,
          deadLetterIndex: config.output.dead_letter_index,
          stateIndex: config.output.state_index,
        })
      : undefined;
  const set = createWorkers({
    config,
    engine,
    log,
    holder: ctx.holder,
    mode: 'run',
    bounds: { kind: 'run' },
    jobIds,
    partitions: ctx.partitions,
    abort: abort.signal,
    stopRequested: ctx.stopping,
    ...(raw ? { dispatcher: instrumentDispatcher(raw, ctx.metrics) } : {}),
    onWindow: (worker, outcome) => {
      ctx.summary.add(outcome, worker.options.plan.job.id);
      ctx.metrics.recordWindow(worker.options.plan.job.id, worker.options.partition.index, outcome);
    },
    onWritten: (scores, outcome) => {
      ctx.summary.addWrites(outcome);
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
  const isPaused = (job: string): boolean => ctx.paused().has(job);
  const loop = new RunLoop({
    workers: set.workers,
    log,
    maxWindowsPerTick: config.pipeline.max_windows_per_tick,
    maxBackoffMs: durationMs(config.pipeline.outage_max_backoff),
    abort,
    paused: (worker) => isPaused(worker.options.plan.job.id),
    // After each round over the partitions: the slice pass decides and writes what every job has scored.
    afterPass: async () => {
      const report = await set.slices.runPass();
      if (report.status === 'standby') log.debug({ holder: report.holder }, 'slice pass: another runner holds its lease');
      else ctx.summary.addIncidents(report);
    },
  });
  return {
    config,
    engine,
    set,
    loop,
    views: set.workers.map((w) => partitionView(w, isPaused)),
    closeDispatcher: async () => raw?.close(),
    summary: ctx.summary,
    drainOnStop: ctx.flags.once === true,
  };
}

/** Lets the window in progress finish (within the grace period), releases the leases, closes the dispatcher. */
function stopRuntime(rt: Runtime): Promise<boolean> {
  rt.stopped ??= (async () => {
    const finished = await rt.loop.stop(durationMs(rt.config.pipeline.grace_period));
    // `--once` waits for its alerts like backfill; the service leaves the rest pending for its next start.
    const delivery = rt.drainOnStop ? await rt.set.drainAlerts() : rt.set.dispatcher?.takeCounts();
    if (delivery) rt.summary.addDelivery(delivery);
    await rt.set.close();
    await rt.closeDispatcher();
    return finished;
  })();
  return rt.stopped;
}

/** Keys whose change a reload cannot apply in place (the HTTP listener is bound once). */
function restartOnlyChanges(from: VigilConfig, to: VigilConfig): string[] {
  return JSON.stringify(from.service) === JSON.stringify(to.service) ? [] : ['service'];
}

export function register(program: Command): void {
  program
    .command('run')
    .description(
      'score every complete window of every job on the config schedule (node-cron), with leases, catch-up, graceful shutdown, /metrics and SIGHUP reload',
    )
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON)')
    .option('-j, --job <id...>', 'only these jobs (default: all)')
    .option('-p, --partitions <list>', 'only these partitions of each job, e.g. 0,1 (default: all; other runners take the rest)')
    .option('--once', 'run one cycle (catch up to now) and exit instead of following the schedule (no HTTP endpoints)')
    .option('--holder <id>', 'lease holder id of this runner (default host:pid:random)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  vigil run --config vigil.yml                 # follow schedule.cron until SIGTERM',
        '  vigil run --config vigil.yml --partitions 0   # share a partitioned job between machines',
        '  vigil run --config vigil.yml --once           # catch up once, e.g. from an external scheduler',
        '',
        'While running: GET http://127.0.0.1:9477/metrics, /healthz, /readyz (service.* in the config);',
        'kill -HUP <pid> re-reads and re-validates the config file and applies it between windows.',
      ].join('\n'),
    )
    .action(async (flags: RunFlags) => {
      let config = await loadConfig(flags.config);
      checkCron(config);
      selectJobs(config, flags.job);
      const partitions = flags.partitions ? parseIntList(flags.partitions, '--partitions') : undefined;
      const holder = flags.holder ?? defaultHolderId();

      let stopping = false;
      let runtime: Runtime | undefined;
      let engine: Engine | undefined;
      let paused: ReadonlySet<string> = new Set();
      let task: ReturnType<typeof cron.schedule> | undefined;
      let wakeIdle: (() => void) | undefined;
      let reloading: Promise<void> = Promise.resolve();
      const summary = new RunSummary();
      const metrics = new ServiceMetrics(() => runtime?.views ?? []);
      const ctx: RuntimeContext = { flags, holder, partitions, metrics, summary, paused: () => paused, stopping: () => stopping };

      const onSignal = (signal: string): void => {
        if (stopping) {
          log.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        log.info({ signal, graceMs: durationMs(config.pipeline.grace_period) }, 'shutting down: finishing the window in progress');
        void task?.stop();
        wakeIdle?.();
        if (runtime) void stopRuntime(runtime);
      };
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));

      let server: ServiceServer | undefined;
      if (config.service.enabled && !flags.once) {
        const notConnected: Readiness = {
          ready: false,
          checks: {
            engine: { ok: false, detail: 'not connected yet' },
            lease: { ok: false, detail: 'no partition started yet' },
            lag: { ok: true, detail: 'no held partition has a due window' },
          },
        };
        try {
          server = await startServiceServer({
            host: config.service.host,
            port: config.service.port,
            metrics,
            readiness: () =>
              runtime
                ? readiness({
                    engine: runtime.engine,
                    stateIndex: runtime.config.output.state_index,
                    service: config.service,
                    views: runtime.views,
                    now: Date.now(),
                  })
                : Promise.resolve(notConnected),
            onReadiness: (r) => metrics.engineUp.set(r.checks.engine.ok ? 1 : 0),
            ...(config.feedback.enabled && config.feedback.callback
              ? {
                  feedback: feedbackRoute({
                    secret: config.feedback.callback.secret,
                    record: (target, request) => {
                      if (!runtime) throw new FeedbackUnavailableError('not connected to the cluster yet: retry in a moment');
                      const c = runtime.config;
                      const store = new FeedbackStore(runtime.engine, c.feedback.index, c.output.anomaly_index);
                      return store.record(target.kind === 'incident' ? { incidentId: target.id } : { anomalyId: target.id }, request);
                    },
                  }),
                }
              : {}),
          });
          log.info(
            { url: server.url, endpoints: ['/metrics', '/healthz', '/readyz', ...(config.feedback.callback ? ['/feedback'] : [])] },
            'service endpoints listening',
          );
        } catch (error) {
          // Scoring matters more than its monitoring: run on, loudly, without the endpoints.
          const message = error instanceof Error ? error.message : String(error);
          log.error(
            { host: config.service.host, port: config.service.port, err: message },
            'service endpoints not served (set service.port to a free port, or 0 for any)',
          );
        }
      }

      const connected = await connectWithRetry(
        () => connectEngine(config.cluster),
        durationMs(config.pipeline.outage_max_backoff),
        () => stopping,
      );
      if (!connected) {
        await server?.close();
        return;
      }
      engine = instrumentEngine(connected, metrics);
      // Install done and every source index pattern matching something, before any checkpoint moves.
      let checked;
      try {
        checked = await preflight(engine, config, selectJobs(config, flags.job), flags.config);
      } catch (error) {
        await engine.close().catch(() => undefined);
        await server?.close();
        throw error;
      }
      summary.countBadTime(
        [...checked.future.values()].reduce((a, b) => a + b, 0),
        0,
      );
      for (const [job, n] of checked.future)
        if (n > 0) log.warn({ job, events: n }, 'events dated after now + future_skew are ignored as bad');
      runtime = buildRuntime(config, engine, ctx);
      log.info(
        { holder, jobs: runtime.set.plans.map((p) => p.job.id), partitions: runtime.set.workers.length, cron: config.schedule.cron },
        'vigil run started',
      );

      const refreshPaused = async (rt: Runtime): Promise<void> => {
        try {
          const next = await pausedJobs(
            rt.engine,
            rt.config.output.state_index,
            rt.set.plans.map((p) => p.job.id),
          );
          const changed = [...next].filter((j) => !paused.has(j)).concat([...paused].filter((j) => !next.has(j)));
          if (changed.length > 0) log.info({ paused: [...next] }, 'paused jobs changed');
          paused = next;
        } catch (error) {
          log.debug(
            { err: error instanceof Error ? error.message : String(error) },
            'could not read the paused jobs; keeping the last known set',
          );
        }
      };

      const runCycle = async (): Promise<void> => {
        const rt = runtime;
        if (!rt || stopping) return;
        try {
          await refreshPaused(rt);
          await rt.loop.cycle();
          metrics.cycles.inc({ result: 'ok' });
        } catch (error) {
          metrics.cycles.inc({ result: 'failed' });
          log.error({ err: error instanceof Error ? error.message : String(error) }, 'cycle failed; retrying at the next tick');
        }
      };
      const schedule = (expression: string): void => {
        task = cron.schedule(expression, runCycle, { noOverlap: true, name: 'vigil-run', logger: cronLogger(log) });
      };

      /**
       * SIGHUP: re-read and re-validate the file; a config that fails validation (or names a
       * cluster that cannot be reached) is rejected and the running one kept. A valid one replaces
       * the runtime between windows: the window in progress finishes and commits, leases are
       * released and re-acquired by the new workers, checkpoints carry on.
       */
      const reload = async (): Promise<void> => {
        const current = runtime;
        if (stopping || !current) return;
        let next: VigilConfig;
        let nextEngine = current.engine;
        try {
          next = await loadConfig(flags.config);
          checkCron(next);
          selectJobs(next, flags.job);
          if (JSON.stringify(next.cluster) !== JSON.stringify(current.config.cluster))
            nextEngine = instrumentEngine(await connectEngine(next.cluster), metrics);
        } catch (error) {
          metrics.reloads.inc({ result: 'rejected' });
          log.error(
            { err: error instanceof Error ? error.message : String(error) },
            'config reload rejected: keeping the running configuration',
          );
          return;
        }
        const ignored = restartOnlyChanges(current.config, next);
        if (ignored.length > 0) log.warn({ keys: ignored }, 'config reload: these settings take effect only after a restart');
        await task?.stop();
        await stopRuntime(current);
        if (nextEngine !== current.engine) await current.engine.close().catch(() => undefined);
        if (stopping) return;
        next = { ...next, service: current.config.service };
        config = next;
        engine = nextEngine;
        runtime = buildRuntime(next, nextEngine, ctx);
        metrics.reloads.inc({ result: 'applied' });
        log.info(
          { jobs: runtime.set.plans.map((p) => p.job.id), partitions: runtime.set.workers.length, cron: next.schedule.cron },
          'config reloaded',
        );
        if (!flags.once) {
          schedule(next.schedule.cron);
          void runCycle();
        }
      };
      process.on('SIGHUP', () => {
        log.info({ config: flags.config }, 'SIGHUP: reloading the configuration');
        reloading = reloading.then(reload, reload);
      });

      if (flags.once) {
        await runCycle();
      } else {
        // A first cycle right away (catch-up after downtime), then on the schedule.
        await runCycle();
        if (!stopping) schedule(config.schedule.cron);
        await new Promise<void>((resolve) => {
          wakeIdle = resolve;
          if (stopping) resolve();
        });
      }
      stopping = true;
      await reloading;
      await task?.stop();
      await stopRuntime(runtime);
      await engine.close().catch(() => undefined);
      await server?.close();
      const totals = summary.toJSON();
      log.info({ ...totals, field_issues: Object.keys(totals.field_issues).length ? totals.field_issues : undefined }, 'vigil run stopped');
      if (!flags.once) process.exit(0);
      console.log(summary.format());
    });
}
