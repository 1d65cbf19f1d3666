/**
 * Leases and partitions on both real engines, with `vigil run`'s loop in process and a clock the
 * test moves: of two runners on one job only one works, the other stands by and takes over when
 * the holder dies (after the lease expires) or stops (at once); a partitioned job is shared by
 * two runners without overlap, and the slices both partitions scored are written once; a job split
 * into 3 partitions and shared by 3 runners scores every window exactly once and writes the same
 * documents as one runner holding all 3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, type VigilConfig } from '../../src/config/schema.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { log } from '../../src/log.js';
import { install } from '../../src/pipeline/installer.js';
import { createWorkers, type WorkerSet } from '../../src/pipeline/pipeline.js';
import { RunLoop } from '../../src/pipeline/run-loop.js';
import { testEngines, uniquePrefix } from './engines.js';
import { H, START, allDocuments, engineFor, indexEvents, outputNames } from './pipeline-support.js';

const engines = await testEngines();
const quiet = log.child({});
quiet.level = 'silent';

interface Runner {
  readonly set: WorkerSet;
  readonly loop: RunLoop;
}

function runner(engine: Engine, config: VigilConfig, holder: string, clock: { t: number }, partitions?: number[]): Runner {
  const abort = new AbortController();
  const set = createWorkers({
    config,
    engine,
    log: quiet,
    holder,
    mode: 'run',
    bounds: { kind: 'run' },
    partitions,
    now: () => clock.t,
    abort: abort.signal,
  });
  const loop = new RunLoop({
    workers: set.workers,
    log: quiet,
    maxWindowsPerTick: 50,
    maxBackoffMs: 1_000,
    abort,
    afterPass: async () => {
      await set.slices.runPass();
    },
  });
  return { set, loop };
}

function statusWindows(docs: Map<string, JsonObject>): number[] {
  return [...docs.values()]
    .map((d) => (Date.parse(String(((d.vigil as JsonObject).status as JsonObject).window_start)) - START) / H)
    .sort((a, b) => a - b);
}

describe('pipeline leases and partitions', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`leases on ${e.label}`, () => {
      const prefix = uniquePrefix('pipeline-lease');
      let engine: Engine;

      before(async () => {
        engine = await engineFor(e);
        await indexEvents(engine, prefix, { hours: 30, users: 12 });
      });

      after(async () => {
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
      });

      function config(out: string, partitions = 1): VigilConfig {
        return configSchema.parse({
          cluster: { urls: [e.url], flavour: e.flavour },
          jobs: [{ id: 'auth-users', preset: 'auth_by_user', index: `${prefix}-events`, slide: '1h', warmup: '12h', partitions }],
          output: outputNames(`${prefix}-${out}`),
          // Every entity-window written (full detail): the assertions count them.
          pipeline: { lease_ttl: '3s', write_min_score: 0, rollup: 'none' },
        });
      }

      it('two runners on one job: one works, the standby takes over after the holder dies (TTL) or stops (at once)', async () => {
        const cfg = config('ha');
        await install(engine, cfg);
        const clock = { t: START + 20 * H + 5 * 60_000 };
        const a = runner(engine, cfg, 'runner-A', clock);
        const b = runner(engine, cfg, 'runner-B', clock);
        const [ra, rb] = await Promise.all([a.loop.cycle()!, b.loop.cycle()!]);
        // Exactly one of them warmed up (08:00 … 19:00) and scored the newest complete window, 19:00.
        assert.deepEqual(
          [ra.windows, rb.windows].sort((x, y) => x - y),
          [0, 12 + 1],
        );
        const [holder, standby] = ra.windows > 0 ? [a, b] : [b, a];
        assert.equal((ra.windows > 0 ? rb : ra).standby, 1);
        const status = engine.refresh(cfg.output.status_index).then(() => allDocuments(engine, cfg.output.status_index));
        assert.deepEqual(statusWindows(await status), [19]);

        // The holder dies (stops renewing, never releases). Within the TTL the standby waits.
        for (const w of holder.set.workers) w.options.lease.stopAutoRenew();
        clock.t += 2_000;
        assert.equal((await standby.loop.cycle()!).windows, 0);
        // Three more windows complete and the dead holder's lease has run out: the standby takes over
        // from the checkpoint — no gap, nothing twice.
        clock.t = START + 23 * H + 5 * 60_000;
        const takeover = await standby.loop.cycle()!;
        assert.equal(takeover.windows, 3);
        assert.equal(takeover.held, 1);
        assert.deepEqual(statusWindows(await allDocuments(engine, cfg.output.status_index)), [19, 20, 21, 22]);

        // Graceful stop releases the lease: a third runner takes over immediately, without waiting for the TTL.
        await standby.loop.stop(1_000);
        const c = runner(engine, cfg, 'runner-C', clock);
        clock.t = START + 24 * H + 5 * 60_000;
        const third = await c.loop.cycle()!;
        assert.equal(third.held, 1);
        assert.equal(third.windows, 1);
        await c.loop.stop(1_000);
        // One anomaly document per entity-window of the 5 scored windows, whoever scored them.
        const statuses = [...(await allDocuments(engine, cfg.output.status_index)).values()].map(
          (d) => (d.vigil as JsonObject).status as JsonObject,
        );
        assert.deepEqual(statusWindows(await allDocuments(engine, cfg.output.status_index)), [19, 20, 21, 22, 23]);
        const entityWindows = statuses.reduce((n, st) => n + Number(st.entities), 0);
        assert.equal((await allDocuments(engine, cfg.output.anomaly_index)).size, entityWindows);
      });

      it('a job split into 2 partitions is shared by two runners without overlap', async () => {
        const cfg = config('parts', 2);
        await install(engine, cfg);
        const clock = { t: START + 13 * H + 5 * 60_000 };
        const a = runner(engine, cfg, 'runner-A', clock, [0]);
        const b = runner(engine, cfg, 'runner-B', clock, [1]);
        let [ra, rb] = await Promise.all([a.loop.cycle()!, b.loop.cycle()!]);
        assert.deepEqual([ra.windows, rb.windows], [12 + 1, 12 + 1]);
        clock.t += 3 * H; // windows 13:00, 14:00, 15:00 complete
        [ra, rb] = await Promise.all([a.loop.cycle()!, b.loop.cycle()!]);
        assert.deepEqual([ra.windows, rb.windows], [3, 3]);
        // Each runner's slice pass decides what every partition has scored by then; a slice the other
        // runner completed while this one's pass ran is decided at the next round.
        await a.set.slices.runPass();
        await Promise.all([a.loop.stop(1_000), b.loop.stop(1_000)]);
        const statuses = statusWindows(await allDocuments(engine, cfg.output.status_index));
        assert.deepEqual(statuses, [12, 12, 13, 13, 14, 14, 15, 15]);
        const docs = [...(await allDocuments(engine, cfg.output.anomaly_index)).values()].map((d) => d.vigil as JsonObject);
        const byPartition = [0, 1].map((p) => new Set(docs.filter((v) => v.partition === p).map((v) => (v.entity as JsonObject).value)));
        assert.ok(byPartition[0].size > 0 && byPartition[1].size > 0, 'both partitions have entities');
        for (const entity of byPartition[0]) assert.ok(!byPartition[1].has(entity), `${String(entity)} scored in both partitions`);
        assert.equal(byPartition[0].size + byPartition[1].size, 12); // every user, exactly once
      });

      it('three runners on a job of 3 partitions: every window scored exactly once, the same documents as one runner', async () => {
        /** Warm-up + 13:00, then 13:00–15:00 complete; the slice passes run until nothing is left to decide. */
        async function play(
          out: string,
          holders: { name: string; partitions: number[] }[],
        ): Promise<{ status: number[]; docs: Map<string, JsonObject> }> {
          const cfg = config(out, 3);
          await install(engine, cfg);
          const clock = { t: START + 13 * H + 5 * 60_000 };
          const runners = holders.map((h) => runner(engine, cfg, h.name, clock, h.partitions));
          await Promise.all(runners.map((r) => r.loop.cycle()!));
          clock.t += 3 * H;
          await Promise.all(runners.map((r) => r.loop.cycle()!));
          // A slice the last runner completed while another's pass ran is decided at the next pass.
          for (const r of runners) await r.set.slices.runPass();
          await Promise.all(runners.map((r) => r.loop.stop(1_000)));
          return {
            status: statusWindows(await allDocuments(engine, cfg.output.status_index)),
            docs: await allDocuments(engine, cfg.output.anomaly_index),
          };
        }
        const three = await play(
          'three',
          [0, 1, 2].map((p) => ({ name: `runner-${p}`, partitions: [p] })),
        );
        const one = await play('one', [{ name: 'runner-all', partitions: [0, 1, 2] }]);
        // Windows 12:00–15:00, once per partition, whoever scored them.
        assert.deepEqual(three.status, [12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15]);
        assert.deepEqual(one.status, three.status);
        const entities = [...three.docs.values()].map((d) => d.vigil as JsonObject);
        assert.equal(
          new Set(entities.map((v) => `${String((v.entity as JsonObject).value)}@${String((v.window as JsonObject).start)}`)).size,
          three.docs.size,
          'no entity-window twice',
        );
        assert.equal(new Set(entities.map((v) => (v.entity as JsonObject).value)).size, 12);
        assert.deepEqual(new Set([...three.docs.keys()]), new Set([...one.docs.keys()]));
        for (const [id, doc] of one.docs) assert.deepEqual(three.docs.get(id), doc, `document ${id}`);
      });
    });
  }
});
