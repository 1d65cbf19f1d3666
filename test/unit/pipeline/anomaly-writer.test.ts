import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EngineUnavailableError } from '../../../src/engine/engine.js';
import { BulkWriter, type DeadLetterEntry, type WriteItem } from '../../../src/pipeline/anomaly-writer.js';
import { MemoryEngine } from './memory-engine.js';

function items(n: number): WriteItem[] {
  return Array.from({ length: n }, (_, i) => ({ index: 'vigil-anomalies', id: `id-${i}`, doc: { n: i } }));
}

function writer(
  engine: MemoryEngine,
  dead: DeadLetterEntry[],
  sleeps: number[],
  overrides: Partial<ConstructorParameters<typeof BulkWriter>[1]> = {},
): BulkWriter {
  return new BulkWriter(engine, {
    batchSize: 4,
    maxAttempts: 4,
    initialBackoffMs: 100,
    maxBackoffMs: 1_000,
    deadLetter: async (entries) => {
      dead.push(...entries);
    },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
}

describe('bulk writer', () => {
  it('writes in batches and reports counts', async () => {
    const engine = new MemoryEngine();
    const dead: DeadLetterEntry[] = [];
    const report = await writer(engine, dead, []).write(items(10));
    assert.deepEqual(report, { written: 10, retried: 0, deadLettered: 0, requests: 3 });
    assert.equal(engine.indices.get('vigil-anomalies')!.size, 10);
  });

  it('retries only the items answered 429 / 503, with growing backoff, until they are accepted', async () => {
    const engine = new MemoryEngine();
    // id-1 is rejected twice with 429, id-2 once with 503; everything else is accepted.
    engine.bulkStatus = (op, attempt) => (op.id === 'id-1' && attempt <= 2 ? 429 : op.id === 'id-2' && attempt === 1 ? 503 : 200);
    const dead: DeadLetterEntry[] = [];
    const sleeps: number[] = [];
    const report = await writer(engine, dead, sleeps).write(items(4));
    assert.deepEqual(report, { written: 4, retried: 3, deadLettered: 0, requests: 3 });
    assert.deepEqual(sleeps, [100, 200]); // 0.5 × 200, 0.5 × 400: full jitter around a doubling cap
    assert.equal(dead.length, 0);
  });

  it('sends items refused for good (mapping conflict) to the dead-letter sink at once, with the reason', async () => {
    const engine = new MemoryEngine();
    engine.bulkStatus = (op) => (op.id === 'id-3' ? 400 : 200);
    const dead: DeadLetterEntry[] = [];
    const report = await writer(engine, dead, []).write(items(4));
    assert.deepEqual(report, { written: 3, retried: 0, deadLettered: 1, requests: 1 });
    assert.equal(dead[0].item.id, 'id-3');
    assert.equal(dead[0].status, 400);
    assert.equal(dead[0].errorType, 'document_parsing_exception');
    assert.match(dead[0].reason, /scripted 400/);
    assert.equal(dead[0].attempts, 1);
  });

  it('dead-letters items still failing after maxAttempts', async () => {
    const engine = new MemoryEngine();
    engine.bulkStatus = (op) => (op.id === 'id-0' ? 503 : 200);
    const dead: DeadLetterEntry[] = [];
    const report = await writer(engine, dead, []).write(items(2));
    assert.equal(report.written, 1);
    assert.equal(report.deadLettered, 1);
    assert.equal(report.retried, 3);
    assert.equal(dead[0].attempts, 4);
  });

  it('retries whole-request failures (503, cluster unreachable) and gives up by throwing, not dead-lettering', async () => {
    const engine = new MemoryEngine();
    engine.bulkRequestFailures = [503, 502];
    const dead: DeadLetterEntry[] = [];
    const sleeps: number[] = [];
    const ok = await writer(engine, dead, sleeps).write(items(3));
    assert.equal(ok.written, 3);
    assert.equal(ok.requests, 3);
    assert.equal(sleeps.length, 2);

    engine.down = true;
    await assert.rejects(writer(engine, dead, []).write(items(3)), EngineUnavailableError);
    assert.equal(dead.length, 0);
  });

  it('does not retry a whole-request 400', async () => {
    const engine = new MemoryEngine();
    engine.bulkRequestFailures = [400];
    await assert.rejects(writer(engine, [], []).write(items(2)), /400/);
    assert.equal(engine.bulkCalls, 1);
  });

  it('splits a batch the cluster finds too large (413)', async () => {
    const engine = new MemoryEngine();
    engine.bulkRequestFailures = [413];
    const report = await writer(engine, [], []).write(items(4));
    assert.equal(report.written, 4);
    assert.equal(engine.bulkCalls, 3);
  });

  it('a dead-letter sink that cannot write makes the whole write fail (so the window is not checkpointed)', async () => {
    const engine = new MemoryEngine();
    engine.bulkStatus = () => 400;
    const w = writer(engine, [], [], {
      deadLetter: async () => {
        throw new EngineUnavailableError('memory://', 'down');
      },
    });
    await assert.rejects(w.write(items(2)), EngineUnavailableError);
  });
});
