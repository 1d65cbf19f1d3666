import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../../src/log.js';
import { configSchema } from '../../../src/config/schema.js';
import type { FeatureExecutor, WindowRequest } from '../../../src/features/executor.js';
import { MemoryExecutor } from '../../../src/features/memory-executor.js';
import type { LeaseDocument } from '../../../src/pipeline/lease.js';
import { createWorkers } from '../../../src/pipeline/pipeline.js';
import { RunLoop } from '../../../src/pipeline/run-loop.js';
import { StateStore } from '../../../src/pipeline/state-store.js';
import { H, START, events } from './worker-fixture.js';
import { MemoryEngine } from './memory-engine.js';

const config = configSchema.parse({
  cluster: { urls: ['http://127.0.0.1:9'] },
  jobs: [{ id: 'auth', preset: 'auth_by_user', index: 'events', slide: '1h', warmup: '12h' }],
  pipeline: { lease_ttl: '30s' },
});

function capture(): { logger: Logger; messages: () => string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), messages: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

describe('run loop', () => {
  it('logs an outage once, backs off exponentially (capped), and catches up when the cluster returns', async () => {
    const engine = new MemoryEngine();
    const clock = { t: START + 20 * H + 5 * 60_000 };
    const { logger, messages } = capture();
    const abort = new AbortController();
    const set = createWorkers({
      config,
      engine,
      log: logger,
      holder: 'A',
      mode: 'run',
      bounds: { kind: 'run' },
      executor: new MemoryExecutor(events),
      now: () => clock.t,
      abort: abort.signal,
    });
    const sleeps: number[] = [];
    const loop = new RunLoop({
      workers: set.workers,
      log: logger,
      maxWindowsPerTick: 4,
      maxBackoffMs: 8_000,
      abort,
      random: () => 0.999,
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length === 6) engine.down = false;
      },
    });
    engine.down = true;
    const report = await loop.cycle()!;
    assert.equal(report.outageRetries, 6);
    assert.deepEqual(sleeps, [999, 1998, 3996, 7992, 7992, 7992]);
    assert.equal(report.windows, 12 + 1); // warm-up + the newest complete window
    const msgs = messages();
    assert.equal(msgs.filter((m) => m.startsWith('cluster unreachable')).length, 1);
    assert.equal(msgs.filter((m) => m === 'cluster still unreachable').length, 5);
    assert.ok(msgs.includes('cluster reachable again: catching up from the checkpoints'));

    // Down again for a while; ten windows complete meanwhile; back up: caught up in rounds of 4, no gap.
    clock.t += 10 * H;
    engine.down = true;
    sleeps.length = 0;
    const again = await loop.cycle()!;
    assert.equal(again.windows, 10);
    const state = await new StateStore(engine, config.output.state_index, { chunkBytes: 1e6, writer: 't' }).load('auth', 0);
    assert.equal(state!.checkpoint.nextWindowStart, START + 30 * H);
    assert.equal(state!.checkpoint.windowsScored, 11);
    await loop.stop(1_000);
  });

  it('a window still running when the grace period ends is abandoned: nothing committed, lease released', async () => {
    const engine = new MemoryEngine();
    const clock = { t: START + 20 * H + 5 * 60_000 };
    const { logger, messages } = capture();
    const memory = new MemoryExecutor(events);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let hang = false;
    const executor: FeatureExecutor = {
      computeWindow: async (req: WindowRequest) => {
        if (hang && req.start === START + 21 * H) await gate;
        return memory.computeWindow(req);
      },
    };
    const abort = new AbortController();
    const set = createWorkers({
      config,
      engine,
      log: logger,
      holder: 'A',
      mode: 'run',
      bounds: { kind: 'run' },
      executor,
      now: () => clock.t,
      abort: abort.signal,
    });
    const loop = new RunLoop({ workers: set.workers, log: logger, maxWindowsPerTick: 4, maxBackoffMs: 1_000, abort });
    await loop.cycle();
    const store = new StateStore(engine, config.output.state_index, { chunkBytes: 1e6, writer: 't' });
    assert.equal((await store.load('auth', 0))!.checkpoint.nextWindowStart, START + 20 * H);

    clock.t += 2 * H; // 20:00 and 21:00 complete; 21:00 hangs
    hang = true;
    const cycle = loop.cycle()!;
    await new Promise((r) => setTimeout(r, 300));
    const finished = await loop.stop(200);
    assert.equal(finished, false);
    release();
    await cycle;
    // 20:00 was committed before the stop; 21:00 was abandoned.
    assert.equal((await store.load('auth', 0))!.checkpoint.nextWindowStart, START + 21 * H);
    const lease = (await engine.getState<LeaseDocument>(config.output.state_index, 'lease:auth:p0'))!.doc;
    assert.ok(lease.expires_at <= clock.t, 'lease released');
    assert.ok(messages().some((m) => m.startsWith('grace period over')));
  });
});
