import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { lagCheck, leaseCheck } from '../../../src/service/health.js';
import { cronLogger } from '../../../src/service/cron-logger.js';
import { ServiceMetrics, type PartitionView } from '../../../src/service/metrics.js';
import { FieldIssues } from '../../../src/features/field-issues.js';
import type { WindowOutcome } from '../../../src/pipeline/job-runner.js';
import { serviceSchema } from '../../../src/config/service.js';

function view(job: string, partition: number, held: boolean, lag: number | undefined, paused = false): PartitionView {
  return { job, partition, leaseHeld: held, paused, lagSeconds: () => lag };
}

function outcome(phase: 'warmup' | 'scored', entities: number): WindowOutcome {
  return {
    window: { start: 0, end: 5_000 },
    phase,
    events: entities * 10,
    entities,
    anomaliesWritten: entities,
    alerts: 2,
    rejected: 0,
    retried: 0,
    delivery: { delivered: 1, retried: 3, deadLettered: 1, suppressed: 0, pending: 0 },
    skippedNoEntity: 0,
    maxScore: 90,
    durationMs: 120,
    fieldIssues: new FieldIssues(),
  };
}

/** Metric names a PromQL expression refers to (histogram series map to their base name). */
function metricNames(expr: string): string[] {
  const names = expr.match(/\b(?:vigil|process|nodejs)_[a-z_]+\b/g) ?? [];
  return names.map((n) => n.replace(/_(bucket|sum|count)$/, ''));
}

describe('service metrics', () => {
  it('counts windows, entity-windows and alerts by outcome; gauges come from the partition views', async () => {
    const metrics = new ServiceMetrics(() => [view('auth', 0, true, 12.5), view('auth', 1, false, 99)]);
    metrics.recordWindow('auth', 0, outcome('warmup', 4));
    metrics.recordWindow('auth', 0, outcome('scored', 4));
    metrics.recordWindow('auth', 0, outcome('scored', 3));
    const text = (await metrics.text()).body;
    assert.match(text, /^vigil_windows_total\{job="auth",phase="scored"\} 2$/m);
    assert.match(text, /^vigil_windows_total\{job="auth",phase="warmup"\} 1$/m);
    assert.match(text, /^vigil_entity_windows_scored_total\{job="auth"\} 7$/m);
    assert.match(text, /^vigil_entities\{job="auth",partition="0"\} 3$/m);
    assert.match(text, /^vigil_alerts_total\{job="auth",outcome="raised"\} 4$/m);
    assert.match(text, /^vigil_alerts_total\{job="auth",outcome="retried"\} 6$/m);
    assert.match(text, /^vigil_alerts_total\{job="auth",outcome="dead_lettered"\} 2$/m);
    // Lag only for held partitions; lease gauge for all.
    assert.match(text, /^vigil_lag_seconds\{job="auth",partition="0"\} 12.5$/m);
    assert.doesNotMatch(text, /^vigil_lag_seconds\{job="auth",partition="1"\}/m);
    assert.match(text, /^vigil_lease_held\{job="auth",partition="1"\} 0$/m);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
  });

  it('the Grafana dashboard and the Prometheus rules only use metrics the runner exports', async () => {
    const metrics = new ServiceMetrics(() => []);
    const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const dashboard = JSON.parse(readFileSync('deploy/grafana/vigil-dashboard.json', 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const rules = parse(readFileSync('deploy/prometheus/vigil-alerts.yml', 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ];
    assert.ok(dashboard.panels.length >= 10);
    for (const expr of exprs) for (const name of metricNames(expr)) assert.ok(exported.has(name), `${name} (in ${expr}) is not exported`);
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    assert.ok(alerts.includes('VigilLagging') && alerts.includes('VigilAlertDeliveryFailing'));
  });
});

describe('readiness checks', () => {
  it('lease: ready with one held lease, unready as a standby unless configured, paused jobs ignored', () => {
    assert.equal(leaseCheck([view('a', 0, true, 0), view('a', 1, false, 0)], false).ok, true);
    assert.equal(leaseCheck([view('a', 0, false, 0)], false).ok, false);
    assert.equal(leaseCheck([view('a', 0, false, 0)], true).ok, true);
    assert.deepEqual(leaseCheck([view('a', 0, false, 0, true)], false), { ok: true, detail: 'every job is paused' });
  });

  it('lag: the worst held partition against the bound', () => {
    const check = lagCheck([view('a', 0, true, 30), view('b', 0, true, 950), view('c', 0, false, 5_000)], 900, 0);
    assert.equal(check.ok, false);
    assert.equal(check.detail, 'largest lag 950 s (b partition 0); bound 900 s');
    assert.equal(lagCheck([view('a', 0, true, 30)], 900, 0).ok, true);
  });

  it('service config: loopback port 9477 by default; a host name is refused', () => {
    assert.deepEqual(serviceSchema.parse({}).host, '127.0.0.1');
    assert.equal(serviceSchema.parse({}).port, 9477);
    assert.equal(serviceSchema.safeParse({ host: 'localhost' }).success, false);
  });
});

describe('node-cron logger', () => {
  it('turns the overlap warning into a JSON debug line; nothing plain-text', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = cronLogger(pino({ level: 'debug' }, sink));
    logger.warn('task still running, new execution blocked by overlap prevention!');
    logger.warn('missed execution at 12:00');
    const parsed = lines.map((l) => JSON.parse(l) as { level: number; msg: string; source: string });
    assert.deepEqual(
      parsed.map((p) => [p.level, p.msg, p.source]),
      [
        [20, 'scheduler tick skipped: the previous cycle is still running', 'node-cron'],
        [40, 'missed execution at 12:00', 'node-cron'],
      ],
    );
  });
});
