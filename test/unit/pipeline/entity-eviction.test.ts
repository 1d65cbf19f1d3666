/** Idle-entity eviction through the real partition worker: a capped live set writes the same documents as an uncapped one, across a restart. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipelineSchema } from '../../../src/config/pipeline.js';
import { liveEntityCap, LiveSet, MemoryColdStore, StateIndexColdStore, SWEEP_EVERY_MS } from '../../../src/pipeline/entity-eviction.js';
import type { WindowOutcome } from '../../../src/pipeline/job-runner.js';
import type { PartitionPayload, WorkerBounds } from '../../../src/pipeline/partition-worker.js';
import { RunSummary } from '../../../src/pipeline/run-summary.js';
import { H, START, anomalies, drive, plan, worker } from './worker-fixture.js';
import { MemoryEngine } from './memory-engine.js';

const backfill: WorkerBounds = { kind: 'backfill', from: START, to: START + 36 * H };

describe('idle-entity eviction', () => {
  it('with 3 live entities of 10, the documents equal an uncapped run, entities go cold and come back, and a restart mid-way changes nothing', async () => {
    const clock = { t: START + 100 * H };
    const free = new MemoryEngine();
    const w0 = worker(free, plan(), 'A', clock, backfill);
    await w0.options.lease.tryAcquire();
    await drive(w0);

    const capped = new MemoryEngine();
    const store = new StateIndexColdStore(capped, 'state', 'auth', 0);
    let restored = 0;
    const counting = {
      put: store.put.bind(store),
      get: async (keys: Parameters<typeof store.get>[0]) => ((restored += keys.length), store.get(keys)),
      sweep: store.sweep.bind(store),
    };
    const w1 = worker(capped, plan(), 'A', clock, backfill, undefined, undefined, { eviction: { cap: 3, store: counting } });
    await w1.options.lease.tryAcquire();
    await drive(w1, 2); // 12 warm-up windows + 5 scored, committed
    // A new runner (restart) takes over from the committed state.
    const w2 = worker(capped, plan(), 'B', clock, backfill, undefined, undefined, { eviction: { cap: 3, store: counting } });
    await w1.options.lease.release();
    await w2.options.lease.tryAcquire();
    await drive(w2);

    assert.deepEqual(anomalies(capped), anomalies(free));
    assert.ok(anomalies(free).size > 100);
    assert.ok(restored > 20, `entities restored from the cold store: ${restored}`);
    const cold = [...(capped.indices.get('state') ?? new Map<string, unknown>()).keys()].filter((id) => id.includes(':cold:'));
    assert.ok(cold.length > 20, `cold documents: ${cold.length}`);
    const payload = (await w2.options.store.load<PartitionPayload>('auth', 0))!.payload;
    assert.ok(payload.live && payload.live.live.length <= 3);
    assert.equal(payload.live.live.length + payload.live.cold.length, 10);
    assert.equal(Object.keys((payload.ensemble!.detectors.zscore as { baseline: { entities: object } }).baseline.entities).length, 3);
    // Restores are one multi-get per window (batch), never one get per entity.
    assert.equal(capped.getCalls > 0, true); // state heads, leases, records
    assert.ok(capped.mgetCalls > 0 && capped.mgetCalls <= 24, `multi-gets: ${capped.mgetCalls} for ${restored} restores`);
  });

  it('restores through one _mget and evicts through one bulk request per batch', async () => {
    const engine = new MemoryEngine();
    const store = new StateIndexColdStore(engine, 'state', 'auth', 0, 4);
    const items = Array.from({ length: 10 }, (_, i) => ({ entity: `user.name=u${i}`, evictedAt: START, state: { ensemble: undefined } }));
    await store.put(items);
    assert.equal(engine.bulkCalls, 3);
    const getsBefore = engine.getCalls;
    const got = await store.get(items.map(({ entity, evictedAt }) => ({ entity, evictedAt })));
    assert.equal(got.size, 10);
    assert.equal(engine.mgetCalls, 3);
    assert.equal(engine.getCalls, getsBefore);
    await assert.rejects(store.get([{ entity: 'user.name=u1', evictedAt: START + H }]), /cold entity user\.name=u1 .* missing from state/);
  });

  it("sweeps only the partition's cold documents evicted before the cut-off", async () => {
    const engine = new MemoryEngine();
    const mine = new StateIndexColdStore(engine, 'state', 'auth', 0);
    const otherPartition = new StateIndexColdStore(engine, 'state', 'auth', 1);
    const otherJob = new StateIndexColdStore(engine, 'state', 'dns', 0);
    const state = { ensemble: undefined };
    for (const s of [mine, otherPartition, otherJob])
      await s.put([
        { entity: 'a', evictedAt: START, state },
        { entity: 'b', evictedAt: START + 2 * H, state },
      ]);
    await engine.putState('state', 'lease:auth:p0', { kind: 'lease', job_id: 'auth', partition: 0 }, { kind: 'none' });
    assert.equal(await mine.sweep(START + H), 1);
    assert.equal(await mine.sweep(START + H), 0);
    const ids = [...engine.indices.get('state')!.keys()];
    assert.equal(ids.length, 6);
    assert.ok(!ids.includes(`job:auth:p0:cold:${START}:a`));
    const memory = new MemoryColdStore();
    await memory.put([
      { entity: 'a', evictedAt: START, state },
      { entity: 'b', evictedAt: START + 2 * H, state },
    ]);
    assert.equal(await memory.sweep(START + H), 1);
    assert.deepEqual([...(await memory.get([{ entity: 'b', evictedAt: START + 2 * H }])).keys()], ['b']);
  });

  it('forgets cold entities past the retention at most once a day of window time, across a restart', () => {
    const live = LiveSet.fromJSON(
      {
        live: [['c', START + 40 * H]],
        cold: [
          ['a', START],
          ['b', START + 30 * H],
        ],
      },
      5,
    );
    assert.deepEqual(live.forgetExpired(START + 48 * H, 24 * H), { before: START + 24 * H, forgotten: 1 });
    assert.equal(live.coldCount, 1);
    // Within a day of the last sweep: nothing is due, even after a restart.
    const restarted = LiveSet.fromJSON(JSON.parse(JSON.stringify(live.toJSON())) as ReturnType<LiveSet['toJSON']>, 5);
    assert.equal(restarted.forgetExpired(START + 48 * H + SWEEP_EVERY_MS - 1, 24 * H), undefined);
    assert.deepEqual(restarted.forgetExpired(START + 48 * H + SWEEP_EVERY_MS, 24 * H), { before: START + 48 * H, forgotten: 1 });
    assert.equal(restarted.coldCount, 0);
    assert.equal(restarted.liveCount, 1);
  });

  it('through the worker: the expired cold entities are forgotten, their documents swept after the commit and counted in the run summary', async () => {
    const clock = { t: START + 100 * H };
    const engine = new MemoryEngine();
    const store = new StateIndexColdStore(engine, 'state', 'auth', 0);
    const summary = new RunSummary();
    const outcomes: WindowOutcome[] = [];
    const onWindow = (o: WindowOutcome): void => {
      outcomes.push(o);
      summary.add(o, 'auth');
    };
    // Retention 0: every entity cold at the first scored window is forgotten (and returns afresh).
    const w = worker(engine, plan(), 'A', clock, backfill, onWindow, undefined, { eviction: { cap: 3, store, retentionMs: 0 } });
    await w.options.lease.tryAcquire();
    await drive(w);
    const sweeps = outcomes.filter((o) => o.coldSwept !== undefined);
    // 24 scored windows of 1 h: a sweep at the first one, the next would be due a day of windows later.
    assert.equal(sweeps.length, 1);
    assert.equal(sweeps[0].window.start, outcomes.find((o) => o.phase === 'scored')!.window.start);
    assert.equal(summary.toJSON().cold_documents_swept, sweeps[0].coldSwept);
    assert.ok(summary.toJSON().cold_documents_swept >= 7, `swept ${summary.toJSON().cold_documents_swept}`);
    const payload = (await w.options.store.load<PartitionPayload>('auth', 0))!.payload;
    const cutoff = payload.live!.swept_at!;
    const cold = [...engine.indices.get('state')!.values()].filter((s) => s.doc.kind === 'cold_entity');
    assert.ok(cold.every((s) => (s.doc.evicted_at as number) >= cutoff));
    assert.ok(payload.live!.cold.every(([, t]) => t >= cutoff));
    assert.match(summary.format(), /cold-entity documents swept \(idle past pipeline.cold_entity_retention\): \d+/);
  });

  it('validates pipeline.cold_entity_retention: 30d by default, at least a day', () => {
    assert.equal(pipelineSchema.parse({}).cold_entity_retention, '30d');
    assert.equal(pipelineSchema.parse({ cold_entity_retention: '7d' }).cold_entity_retention, '7d');
    const short = pipelineSchema.safeParse({ cold_entity_retention: '12h' });
    assert.ok(!short.success);
    assert.deepEqual(short.error.issues[0].path, ['cold_entity_retention']);
    assert.match(short.error.issues[0].message, /at least 1d/);
    assert.ok(!pipelineSchema.safeParse({ cold_entity_retention: '30 days' }).success);
  });

  it('turns a memory budget into a cap per job partition, and refuses a missing cold entity by name', async () => {
    assert.equal(liveEntityCap(400, 4), 8_533);
    assert.equal(liveEntityCap(0, 4), 0);
    const live = LiveSet.fromJSON({ live: [], cold: [['user.name=ghost', START]] }, 5);
    await assert.rejects(
      live.arrive(['user.name=ghost'], START + H, { ensemble: null }, new MemoryColdStore()),
      /cold entity user\.name=ghost .* missing/,
    );
  });
});
