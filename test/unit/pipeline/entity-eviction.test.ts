/** Idle-entity eviction through the real partition worker: a capped live set writes the same documents as an uncapped one, across a restart. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveEntityCap, LiveSet, MemoryColdStore, StateIndexColdStore } from '../../../src/pipeline/entity-eviction.js';
import type { PartitionPayload, WorkerBounds } from '../../../src/pipeline/partition-worker.js';
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
