/**
 * The Prometheus metrics of `vigil run`, through prom-client (the de-facto Node.js Prometheus
 * client: text exposition format, histograms, process/heap/event-loop default metrics, maintained
 * by the siimon/prom-client project). One registry per runner, never the global one, so tests and
 * a config reload cannot register a metric twice.
 *
 * Counters move when a window is committed (the pipeline's onWindow callback), so a scrape never
 * counts a window that will be redone. Lag and lease gauges are computed at scrape time from the
 * partitions the runner currently has (`PartitionView`), which survive a config reload.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WindowOutcome } from '../pipeline/job-runner.js';
import type { PartitionWorker } from '../pipeline/partition-worker.js';

/** What the metrics and `/readyz` read from one (job, partition) of the runner. */
export interface PartitionView {
  readonly job: string;
  readonly partition: number;
  readonly leaseHeld: boolean;
  readonly paused: boolean;
  /** Seconds the oldest due, unprocessed window has been waiting (0 = caught up); undefined before the state is loaded. */
  lagSeconds(now: number): number | undefined;
}

export const ALERT_OUTCOMES = ['raised', 'delivered', 'retried', 'dead_lettered', 'suppressed'] as const;
export type AlertOutcome = (typeof ALERT_OUTCOMES)[number];

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly windows: Counter<'job' | 'phase'>;
  private readonly events: Counter<'job'>;
  private readonly entityWindows: Counter<'job'>;
  private readonly entities: Gauge<'job' | 'partition'>;
  private readonly anomalies: Counter<'job'>;
  private readonly rejected: Counter<'job'>;
  private readonly alerts: Counter<'job' | 'outcome'>;
  private readonly windowSeconds: Histogram<'job'>;
  readonly deliverySeconds: Histogram;
  readonly engineErrors: Counter<'operation' | 'kind'>;
  readonly engineUp: Gauge;
  readonly cycles: Counter<'result'>;
  readonly reloads: Counter<'result'>;

  constructor(views: () => readonly PartitionView[], now: () => number = Date.now) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.windows = new Counter({
      name: 'vigil_windows_total',
      help: 'Windows committed, by phase (warmup: model fitting only; scored: anomalies written).',
      labelNames: ['job', 'phase'],
      registers,
    });
    this.events = new Counter({ name: 'vigil_events_total', help: 'Events read in committed windows.', labelNames: ['job'], registers });
    this.entityWindows = new Counter({
      name: 'vigil_entity_windows_scored_total',
      help: 'Entity-windows scored.',
      labelNames: ['job'],
      registers,
    });
    this.entities = new Gauge({
      name: 'vigil_entities',
      help: 'Entities in the last scored window of the partition.',
      labelNames: ['job', 'partition'],
      registers,
    });
    this.anomalies = new Counter({
      name: 'vigil_anomalies_written_total',
      help: 'Anomaly documents written.',
      labelNames: ['job'],
      registers,
    });
    this.rejected = new Counter({
      name: 'vigil_documents_rejected_total',
      help: 'Documents the cluster refused (parked in the dead-letter index).',
      labelNames: ['job'],
      registers,
    });
    this.alerts = new Counter({
      name: 'vigil_alerts_total',
      help: 'Alerts by outcome: raised (score over the threshold), delivered, retried, dead_lettered, suppressed (realert).',
      labelNames: ['job', 'outcome'],
      registers,
    });
    this.windowSeconds = new Histogram({
      name: 'vigil_window_duration_seconds',
      help: 'Time to compute, score and write one window.',
      labelNames: ['job'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.deliverySeconds = new Histogram({
      name: 'vigil_alert_delivery_seconds',
      help: "Time from handing a window's alerts to the dispatcher until all were delivered, dead-lettered or left pending.",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.engineErrors = new Counter({
      name: 'vigil_engine_errors_total',
      help: 'Failed cluster requests by engine operation and kind (unavailable, throttled, server, client, conflict, other).',
      labelNames: ['operation', 'kind'],
      registers,
    });
    this.engineUp = new Gauge({
      name: 'vigil_engine_up',
      help: 'Whether the last cluster probe (readiness check) answered: 1 yes, 0 no.',
      registers,
    });
    this.cycles = new Counter({
      name: 'vigil_cycles_total',
      help: 'Scheduler cycles, by result (ok, failed).',
      labelNames: ['result'],
      registers,
    });
    this.reloads = new Counter({
      name: 'vigil_config_reloads_total',
      help: 'SIGHUP configuration reloads, by result (applied, rejected).',
      labelNames: ['result'],
      registers,
    });
    new Gauge({
      name: 'vigil_lag_seconds',
      help: 'Seconds the oldest due but unprocessed window of a held partition has been waiting (0 = caught up).',
      labelNames: ['job', 'partition'],
      registers,
      collect() {
        this.reset();
        const t = now();
        for (const v of views()) {
          const lag = v.leaseHeld ? v.lagSeconds(t) : undefined;
          if (lag !== undefined) this.set({ job: v.job, partition: String(v.partition) }, lag);
        }
      },
    });
    new Gauge({
      name: 'vigil_lease_held',
      help: 'Whether this runner holds the partition lease (1) or stands by (0).',
      labelNames: ['job', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const v of views()) this.set({ job: v.job, partition: String(v.partition) }, v.leaseHeld ? 1 : 0);
      },
    });
    new Gauge({
      name: 'vigil_job_paused',
      help: 'Whether the job is paused (vigil jobs pause).',
      labelNames: ['job'],
      registers,
      collect() {
        this.reset();
        for (const v of views()) this.set({ job: v.job }, v.paused ? 1 : 0);
      },
    });
  }

  /** Counts one committed window (the pipeline's onWindow callback). */
  recordWindow(job: string, partition: number, o: WindowOutcome): void {
    this.windows.inc({ job, phase: o.phase });
    this.events.inc({ job }, o.events);
    this.windowSeconds.observe({ job }, o.durationMs / 1000);
    if (o.phase !== 'scored') return;
    this.entityWindows.inc({ job }, o.entities);
    this.entities.set({ job, partition: String(partition) }, o.entities);
    this.anomalies.inc({ job }, o.anomaliesWritten);
    this.rejected.inc({ job }, o.rejected);
    const byOutcome: Record<AlertOutcome, number> = {
      raised: o.alerts,
      delivered: o.delivery.delivered,
      retried: o.delivery.retried,
      dead_lettered: o.delivery.deadLettered,
      suppressed: o.delivery.suppressed,
    };
    for (const outcome of ALERT_OUTCOMES) this.alerts.inc({ job, outcome }, byOutcome[outcome]);
  }

  /** Prometheus text exposition format. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The view of a pipeline partition worker (lease, checkpoint) that metrics and readiness read. */
export function partitionView(worker: PartitionWorker, isPaused: (job: string) => boolean): PartitionView {
  const { plan, partition, lease } = worker.options;
  const { spec } = plan;
  return {
    job: plan.job.id,
    partition: partition.index,
    get leaseHeld() {
      return lease.held;
    },
    get paused() {
      return isPaused(plan.job.id);
    },
    lagSeconds(now: number): number | undefined {
      const cp = worker.checkpoint;
      if (!cp) return undefined;
      // Before the fit, the warm-up is due once its last window is; after it, the next window to score.
      const start = cp.fitted ? cp.nextWindowStart : cp.scoreFrom - spec.slideMs;
      const due = start + spec.windowMs + spec.delayMs;
      return Math.max(0, (now - due) / 1000);
    },
  };
}
