/**
 * `/healthz` and `/readyz` of `vigil run`.
 *
 * - Liveness (`/healthz`): the process answers. A runner whose cluster is down is still alive — it
 *   retries with backoff and catches up — so liveness never depends on the cluster (restarting it
 *   would not help and would drop the catch-up position held in memory).
 * - Readiness (`/readyz`): the runner is doing its job now. Three checks, each reported by name:
 *   `engine` (the cluster answered a probe within `service.engine_probe_timeout`), `lease` (this
 *   runner holds at least one partition lease, or stands by with `ready_when_standby`), and `lag`
 *   (no held partition's oldest due window has waited longer than `service.max_lag`).
 */
import type { Engine } from '../engine/engine.js';
import type { ServiceConfig } from '../config/service.js';
import { durationMs } from '../config/duration.js';
import { isOutage } from '../pipeline/run-loop.js';
import type { PartitionView } from './metrics.js';

export interface Check {
  readonly ok: boolean;
  readonly detail: string;
}

export interface Readiness {
  readonly ready: boolean;
  readonly checks: { readonly engine: Check; readonly lease: Check; readonly lag: Check };
}

/**
 * Whether the cluster answers. Any answer counts, even an error status below 500 (a missing index
 * is a reachable cluster); a refused connection, a 5xx/429 or no answer within `timeoutMs` do not.
 */
export async function probeEngine(engine: Engine, index: string, timeoutMs: number): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  const probe = engine.count(index).then(
    (): Check => ({ ok: true, detail: 'cluster answered' }),
    (error: unknown): Check => {
      const message = error instanceof Error ? error.message : String(error);
      return isOutage(error) ? { ok: false, detail: message } : { ok: true, detail: 'cluster answered' };
    },
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function leaseCheck(views: readonly PartitionView[], readyWhenStandby: boolean): Check {
  const active = views.filter((v) => !v.paused);
  const held = active.filter((v) => v.leaseHeld).length;
  if (active.length === 0)
    return { ok: views.length > 0, detail: views.length > 0 ? 'every job is paused' : 'no job partitions configured' };
  if (held > 0) return { ok: true, detail: `holds ${held} of ${active.length} partition lease(s)` };
  return { ok: readyWhenStandby, detail: `holds none of ${active.length} partition lease(s) (standby or not yet acquired)` };
}

export function lagCheck(views: readonly PartitionView[], maxLagSeconds: number, now: number): Check {
  let worst: { view: PartitionView; lag: number } | undefined;
  for (const view of views) {
    if (!view.leaseHeld || view.paused) continue;
    const lag = view.lagSeconds(now);
    if (lag !== undefined && (!worst || lag > worst.lag)) worst = { view, lag };
  }
  if (!worst) return { ok: true, detail: 'no held partition has a due window' };
  const where = `${worst.view.job} partition ${worst.view.partition}`;
  const ok = worst.lag <= maxLagSeconds;
  return { ok, detail: `largest lag ${Math.round(worst.lag)} s (${where}); bound ${maxLagSeconds} s` };
}

export async function readiness(options: {
  readonly engine: Engine;
  readonly stateIndex: string;
  readonly service: ServiceConfig;
  readonly views: readonly PartitionView[];
  readonly now: number;
}): Promise<Readiness> {
  const engine = await probeEngine(options.engine, options.stateIndex, durationMs(options.service.engine_probe_timeout));
  const lease = leaseCheck(options.views, options.service.ready_when_standby);
  const lag = lagCheck(options.views, durationMs(options.service.max_lag) / 1000, options.now);
  return { ready: engine.ok && lease.ok && lag.ok, checks: { engine, lease, lag } };
}
