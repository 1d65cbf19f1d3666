import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VersionConflictError } from '../../../src/engine/engine.js';
import { StateStore, decodePayload, encodePayload, stateHeadId, type JobCheckpoint } from '../../../src/pipeline/state-store.js';
import { MemoryEngine } from './memory-engine.js';

const INDEX = 'vigil-state';
const checkpoint = (next: number): JobCheckpoint => ({
  nextWindowStart: next,
  scoreFrom: 0,
  fitted: true,
  configHash: 'abc',
  modelVersion: 'v1',
  partitions: 1,
  windowsScored: 3,
});

function bigPayload(n: number): { entities: Record<string, number[]> } {
  const entities: Record<string, number[]> = {};
  // Pseudo-random so gzip cannot shrink it to nothing.
  let x = 7;
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < 8; j++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      row.push(x / 2147483648);
    }
    entities[`user-${i}`] = row;
  }
  return { entities };
}

describe('state store', () => {
  it('encodes payloads losslessly across chunks', () => {
    const payload = bigPayload(500);
    const { chunks } = encodePayload(payload, 10_000);
    assert.ok(chunks.length > 3, `expected several chunks, got ${chunks.length}`);
    assert.deepEqual(decodePayload(chunks), payload);
  });

  it('commits and loads checkpoint + a payload chunked over several documents', async () => {
    const engine = new MemoryEngine();
    const store = new StateStore(engine, INDEX, { chunkBytes: 10_000, writer: 'A' });
    assert.equal(await store.load('auth', 0), null);
    const payload = bigPayload(500);
    const handle = await store.commit('auth', 0, checkpoint(3_600_000), payload, null);
    assert.ok(handle.chunks > 3);
    const loaded = await store.load<typeof payload>('auth', 0);
    assert.ok(loaded);
    assert.deepEqual(loaded.payload, payload);
    assert.equal(loaded.checkpoint.nextWindowStart, 3_600_000);
    assert.equal(loaded.checkpoint.windowsScored, 3);
    assert.equal(loaded.head.next_window_start_iso, '1970-01-01T01:00:00.000Z');
    // head + chunks, nothing else
    assert.equal(engine.indices.get(INDEX)!.size, 1 + handle.chunks);
  });

  it('a second commit replaces the generation and deletes the old chunks', async () => {
    const engine = new MemoryEngine();
    const store = new StateStore(engine, INDEX, { chunkBytes: 10_000, writer: 'A' });
    const h1 = await store.commit('auth', 0, checkpoint(1), bigPayload(300), null);
    const h2 = await store.commit('auth', 0, checkpoint(2), bigPayload(200), h1);
    assert.notEqual(h1.generation, h2.generation);
    assert.equal(engine.indices.get(INDEX)!.size, 1 + h2.chunks);
    assert.equal((await store.load('auth', 0))!.checkpoint.nextWindowStart, 2);
  });

  it('a writer that lost the race gets VersionConflictError, leaves nothing behind, and the winner is intact', async () => {
    const engine = new MemoryEngine();
    const a = new StateStore(engine, INDEX, { chunkBytes: 10_000, writer: 'A' });
    const b = new StateStore(engine, INDEX, { chunkBytes: 10_000, writer: 'B' });
    const base = await a.commit('auth', 0, checkpoint(1), bigPayload(50), null);
    const loadedByB = (await b.load('auth', 0))!;
    const winner = await a.commit('auth', 0, checkpoint(2), { who: 'A' }, base);
    await assert.rejects(b.commit('auth', 0, checkpoint(2), { who: 'B' }, loadedByB.handle), VersionConflictError);
    const final = (await a.load<{ who: string }>('auth', 0))!;
    assert.deepEqual(final.payload, { who: 'A' });
    assert.equal(engine.indices.get(INDEX)!.size, 1 + winner.chunks);
  });

  it('two first commits: the second is refused instead of overwriting', async () => {
    const engine = new MemoryEngine();
    const a = new StateStore(engine, INDEX, { chunkBytes: 10_000, writer: 'A' });
    await a.commit('auth', 0, checkpoint(1), { who: 'A' }, null);
    await assert.rejects(a.commit('auth', 0, checkpoint(1), { who: 'B' }, null), VersionConflictError);
    assert.deepEqual((await a.load('auth', 0))!.payload, { who: 'A' });
  });

  it('reset forgets head and chunks; sweepOrphans removes old unreferenced chunks only', async () => {
    const engine = new MemoryEngine();
    const store = new StateStore(engine, INDEX, { chunkBytes: 10_000, writer: 'A' });
    const h = await store.commit('auth', 0, checkpoint(1), bigPayload(100), null);
    // An orphan from a crashed writer an hour ago and a fresh one from a commit in progress.
    const old = (Date.now() - 3_600_000).toString(36);
    const fresh = Date.now().toString(36);
    await engine.putState(
      INDEX,
      `${stateHeadId('auth', 0)}:g${old}-deadbeef:c0`,
      { kind: 'state_chunk', job_id: 'auth', partition: 0, generation: `${old}-deadbeef`, seq: 0, data: '' },
      { kind: 'none' },
    );
    await engine.putState(
      INDEX,
      `${stateHeadId('auth', 0)}:g${fresh}-cafebabe:c0`,
      { kind: 'state_chunk', job_id: 'auth', partition: 0, generation: `${fresh}-cafebabe`, seq: 0, data: '' },
      { kind: 'none' },
    );
    assert.equal(await store.sweepOrphans('auth', 0), 1);
    assert.equal(engine.indices.get(INDEX)!.size, 1 + h.chunks + 1);
    await store.reset('auth', 0);
    assert.equal(await store.load('auth', 0), null);
    assert.equal(engine.indices.get(INDEX)!.size, 1); // only the fresh in-progress chunk
  });
});
