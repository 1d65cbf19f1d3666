/**
 * `vigil run` as a service on both real engines: it serves Prometheus `/metrics` whose counters
 * move with every window scored, and `/readyz` turns unready when the cluster cannot be reached
 * (a TCP proxy in front of the shared engine is cut — the engine itself is never stopped) and
 * ready again once it is back. The same run also shows a rejected and an applied SIGHUP reload,
 * and `vigil jobs pause|resume` releasing and re-taking the job's lease.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { eventsIndexTemplate } from '../fixtures/pipeline-events.js';
import { testEngines, uniquePrefix, type TestEngine } from './engines.js';
import { engineFor, liveJob, outputNames, runCli, sleep, startCli } from './pipeline-support.js';

const engines = await testEngines();

/** A TCP proxy in front of an engine that the test can cut (refusing connections) and restore. */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Login events every 500 ms for four users: every 5-second window has events. */
function liveEvents(from: number, to: number): JsonObject[] {
  const events: JsonObject[] = [];
  for (let t = from, i = 0; t < to; t += 500, i++) {
    events.push({
      '@timestamp': new Date(t).toISOString(),
      event: { category: ['authentication'], type: ['start'], action: 'logon', outcome: i % 13 === 0 ? 'failure' : 'success' },
      user: { name: `user${i % 4}` },
      source: { ip: `10.9.0.${(i % 4) + 1}` },
      host: { name: `ws-${i % 4}` },
    });
  }
  return events;
}

/** One sample of a metric (summing every series whose labels include `labels`). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(300);
  }
}

interface ReadyBody {
  ready: boolean;
  checks: Record<'engine' | 'lease' | 'lag', { ok: boolean; detail: string }>;
}

async function getReady(base: string): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

describe('vigil run service endpoints', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`on ${e.label}`, { concurrency: 1 }, () => {
      const prefix = uniquePrefix('i15-service');
      const dir = mkdtempSync(join(tmpdir(), 'vigil-i15-service-'));
      const proxy = new CuttableProxy(new URL(e.url));
      let engine: Engine;

      before(async () => {
        engine = await engineFor(e);
        await proxy.open();
      });

      after(async () => {
        await proxy.cut();
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
      });

      function writeConfig(through: TestEngine, extra: JsonObject = {}): string {
        const path = join(dir, 'vigil.json');
        const config = {
          cluster: { urls: [through.url], flavour: through.flavour },
          jobs: [liveJob(`${prefix}-events`)],
          output: outputNames(prefix),
          schedule: { cron: '* * * * * *' },
          pipeline: { lease_ttl: '4s', outage_max_backoff: '2s', grace_period: '5s' },
          service: { port: 0, max_lag: '20s', engine_probe_timeout: '2s' },
          ...extra,
        };
        writeFileSync(path, JSON.stringify(config, null, 2));
        return path;
      }

      it('counts scored windows in /metrics, goes unready while the cluster is cut off and ready when it is back, reloads on SIGHUP', async () => {
        const now = Date.now();
        const index = `${prefix}-events`;
        await engine.putIndexTemplate(index, eventsIndexTemplate(index));
        const bulk = await engine.bulk(
          liveEvents(now - 30_000, now + 240_000).map((document) => ({ action: 'index' as const, index, document })),
          { refresh: true },
        );
        assert.equal(bulk.failed, 0);
        const viaProxy: TestEngine = { ...e, url: `http://127.0.0.1:${proxy.port}` };
        const config = writeConfig(viaProxy);
        await runCli(['install', '--config', config]);

        const runner = startCli(['run', '--config', config], { VIGIL_LOG_LEVEL: 'info' });
        let stderr = '';
        runner.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        const logLines = (): { msg: string; url?: string }[] =>
          stderr
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as { msg: string; url?: string });
        try {
          const base = await waitFor(
            'the service endpoints',
            120_000,
            async () => logLines().find((l) => l.msg === 'service endpoints listening')?.url,
          );
          assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/, 'loopback by default');
          assert.deepEqual(await (await fetch(`${base}/healthz`)).json().then((b) => (b as { status: string }).status), 'ok');

          // Counters move with the windows scored.
          const metrics = async (): Promise<string> => (await fetch(`${base}/metrics`)).text();
          const first = await waitFor('two scored windows', 60_000, async () => {
            const text = await metrics();
            const scored = sample(text, 'vigil_windows_total', { job: 'live', phase: 'scored' }) ?? 0;
            return scored >= 2 ? { text, scored } : undefined;
          });
          // A warm-up of 10 s is two 5-second windows (counted as computed: a warm-up redone after a failed commit counts again).
          assert.ok((sample(first.text, 'vigil_windows_total', { job: 'live', phase: 'warmup' }) ?? 0) >= 2, 'warm-up windows counted');
          assert.equal(sample(first.text, 'vigil_lease_held', { job: 'live', partition: '0' }), 1);
          assert.equal(sample(first.text, 'vigil_entities', { job: 'live', partition: '0' }), 4, 'four users in the last window');
          assert.ok((sample(first.text, 'vigil_events_total', { job: 'live' }) ?? 0) >= 40, 'about 10 events per window');
          assert.ok((sample(first.text, 'process_resident_memory_bytes') ?? 0) > 10_000_000, 'memory is exported');
          assert.ok(
            sample(first.text, 'vigil_alerts_total', { job: 'live', outcome: 'delivered' }) !== undefined,
            'alerts by outcome are exported',
          );
          const later = await waitFor('two more scored windows', 30_000, async () => {
            const text = await metrics();
            const scored = sample(text, 'vigil_windows_total', { job: 'live', phase: 'scored' }) ?? 0;
            return scored >= first.scored + 2 ? { text, scored } : undefined;
          });
          const entityWindows = sample(later.text, 'vigil_entity_windows_scored_total', { job: 'live' }) ?? 0;
          assert.equal(entityWindows, later.scored * 4, 'four entity-windows per scored window');
          assert.ok(
            (sample(later.text, 'vigil_lag_seconds', { job: 'live', partition: '0' }) ?? 99) < 5,
            'caught up: lag under one window',
          );

          const ready = await waitFor('ready', 20_000, async () => {
            const r = await getReady(base);
            return r.status === 200 ? r : undefined;
          });
          assert.deepEqual([ready.body.checks.engine.ok, ready.body.checks.lease.ok, ready.body.checks.lag.ok], [true, true, true]);

          // The cluster goes away (the proxy refuses connections): unready, engine errors counted.
          await proxy.cut();
          const down = await waitFor('unready', 20_000, async () => {
            const r = await getReady(base);
            return r.status === 503 && !r.body.checks.engine.ok ? r : undefined;
          });
          assert.equal(down.body.ready, false);
          const outage = await metrics();
          assert.ok((sample(outage, 'vigil_engine_errors_total', { kind: 'unavailable' }) ?? 0) >= 1, 'unreachable requests are counted');
          assert.equal(sample(outage, 'vigil_engine_up'), 0);
          await sleep(6_000); // a window completes while the cluster is away

          // Back: ready again once the runner has caught up.
          await proxy.open();
          const back = await waitFor('ready again', 45_000, async () => {
            const r = await getReady(base);
            return r.status === 200 ? r : undefined;
          });
          assert.equal(back.body.checks.engine.ok, true);
          assert.equal(sample(await metrics(), 'vigil_engine_up'), 1);
          await waitFor('scoring to resume', 30_000, async () =>
            (sample(await metrics(), 'vigil_windows_total', { job: 'live', phase: 'scored' }) ?? 0) >= later.scored + 2 ? true : undefined,
          );

          // SIGHUP: an invalid file is rejected (the run goes on), a valid one is applied.
          writeFileSync(config, '{"cluster": {"urls": ["not a url"]}}');
          runner.child.kill('SIGHUP');
          await waitFor('the rejected reload', 15_000, async () =>
            logLines().some((l) => l.msg === 'config reload rejected: keeping the running configuration') ? true : undefined,
          );
          writeConfig(viaProxy, { schedule: { cron: '*/2 * * * * *' } });
          runner.child.kill('SIGHUP');
          await waitFor('the applied reload', 20_000, async () => (logLines().some((l) => l.msg === 'config reloaded') ? true : undefined));
          const reloads = await metrics();
          assert.equal(sample(reloads, 'vigil_config_reloads_total', { result: 'rejected' }), 1);
          assert.equal(sample(reloads, 'vigil_config_reloads_total', { result: 'applied' }), 1);

          // vigil jobs pause: the runner releases the lease; resume: it takes it again.
          const direct = writeConfigFile(dir, e, prefix);
          const paused = await runCli(['jobs', 'pause', 'live', '--config', direct, '--reason', 'test']);
          assert.match(paused.stdout, /live: paused/);
          await waitFor('the lease released', 20_000, async () => {
            const text = await metrics();
            return sample(text, 'vigil_job_paused', { job: 'live' }) === 1 &&
              sample(text, 'vigil_lease_held', { job: 'live', partition: '0' }) === 0
              ? true
              : undefined;
          });
          const list = JSON.parse((await runCli(['jobs', 'list', '--config', direct, '--json'])).stdout) as {
            jobs: { job: string; paused: boolean; partitions: { fitted: boolean; windowsScored: number }[] }[];
          };
          assert.equal(list.jobs[0].job, 'live');
          assert.equal(list.jobs[0].paused, true);
          assert.equal(list.jobs[0].partitions[0].fitted, true);
          assert.ok(list.jobs[0].partitions[0].windowsScored >= later.scored);
          await runCli(['jobs', 'resume', 'live', '--config', direct]);
          await waitFor('the lease taken again', 20_000, async () =>
            sample(await metrics(), 'vigil_lease_held', { job: 'live', partition: '0' }) === 1 ? true : undefined,
          );
        } finally {
          runner.child.kill('SIGTERM');
        }
        const result = await runner.done;
        assert.equal(result.code, 0, stderr.slice(-3000));
        assert.ok(!/^\S*\[WARN\]/m.test(result.stdout + stderr), 'no plain-text node-cron lines');
        for (const line of stderr.split('\n').filter(Boolean)) assert.ok(line.startsWith('{'), `not a JSON log line: ${line}`);
      });
    });
  }
});

/** The same job, straight to the engine (for `vigil jobs`, which does not go through the proxy). */
function writeConfigFile(dir: string, e: TestEngine, prefix: string): string {
  const path = join(dir, 'direct.json');
  writeFileSync(
    path,
    JSON.stringify({
      cluster: { urls: [e.url], flavour: e.flavour },
      jobs: [
        {
          id: 'live',
          index: `${prefix}-events`,
          entity_fields: ['user.name'],
          features: [{ kind: 'count', name: 'logins' }],
          window: '5s',
          slide: '5s',
          delay: '1s',
          warmup: '10s',
        },
      ],
      output: outputNames(prefix),
    }),
  );
  return path;
}
