import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Lease, leaseId, type LeaseDocument } from '../../../src/pipeline/lease.js';
import { MemoryEngine } from './memory-engine.js';

const INDEX = 'vigil-state';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('lease', () => {
  it('first runner acquires, the second waits as standby and is told who holds it until when', async () => {
    const engine = new MemoryEngine();
    const c = clock();
    const a = new Lease(engine, INDEX, { jobId: 'auth', partition: 0, holder: 'A', ttlMs: 10_000, now: c.now });
    const b = new Lease(engine, INDEX, { jobId: 'auth', partition: 0, holder: 'B', ttlMs: 10_000, now: c.now });
    assert.deepEqual(await a.tryAcquire(), { held: true, expiresAt: 1_010_000 });
    assert.deepEqual(await b.tryAcquire(), { held: false, holder: 'A', expiresAt: 1_010_000 });
    assert.equal(a.held, true);
    assert.equal(b.held, false);
  });

  it('renewal extends the expiry; the standby takes over only after the holder stops renewing', async () => {
    const engine = new MemoryEngine();
    const c = clock();
    const a = new Lease(engine, INDEX, { jobId: 'auth', partition: 0, holder: 'A', ttlMs: 10_000, now: c.now });
    const b = new Lease(engine, INDEX, { jobId: 'auth', partition: 0, holder: 'B', ttlMs: 10_000, now: c.now });
    await a.tryAcquire();
    c.advance(8_000);
    assert.equal(await a.renew(), true);
    c.advance(8_000); // 16 s after acquiring, 8 s after renewing: still A's
    assert.equal((await b.tryAcquire()).held, false);
    c.advance(2_001); // A stopped renewing: expired
    const takeover = await b.tryAcquire();
    assert.equal(takeover.held, true);
    assert.equal(takeover.held && takeover.takenOverFrom, 'A');
    // A wakes up: its renewal is conditioned on its own last version and fails.
    assert.equal(await a.renew(), false);
    assert.equal(a.held, false);
    const doc = (await engine.getState<LeaseDocument>(INDEX, leaseId('auth', 0)))!.doc;
    assert.equal(doc.holder, 'B');
  });

  it('two standbys racing for an expired lease: exactly one wins', async () => {
    const engine = new MemoryEngine();
    const c = clock();
    const a = new Lease(engine, INDEX, { jobId: 'j', partition: 1, holder: 'A', ttlMs: 1_000, now: c.now });
    await a.tryAcquire();
    c.advance(5_000);
    const contenders = ['B', 'C', 'D'].map(
      (h) => new Lease(engine, INDEX, { jobId: 'j', partition: 1, holder: h, ttlMs: 1_000, now: c.now }),
    );
    const results = await Promise.all(contenders.map((l) => l.tryAcquire()));
    assert.equal(results.filter((r) => r.held).length, 1);
    const winner = contenders.find((l) => l.held)!;
    for (const r of results) if (!r.held) assert.equal(r.holder, winner.options.holder);
  });

  it('release expires the lease at once so a standby takes over without waiting for the TTL', async () => {
    const engine = new MemoryEngine();
    const c = clock();
    const a = new Lease(engine, INDEX, { jobId: 'j', partition: 0, holder: 'A', ttlMs: 60_000, now: c.now });
    const b = new Lease(engine, INDEX, { jobId: 'j', partition: 0, holder: 'B', ttlMs: 60_000, now: c.now });
    await a.tryAcquire();
    assert.equal((await b.tryAcquire()).held, false);
    await a.release();
    c.advance(1);
    assert.equal((await b.tryAcquire()).held, true);
  });

  it('re-acquiring our own lease keeps it and its acquisition time', async () => {
    const engine = new MemoryEngine();
    const c = clock();
    const a = new Lease(engine, INDEX, { jobId: 'j', partition: 0, holder: 'A', ttlMs: 60_000, now: c.now });
    await a.tryAcquire();
    const first = (await engine.getState<LeaseDocument>(INDEX, leaseId('j', 0)))!.doc.acquired_at;
    c.advance(30_000);
    const again = await a.tryAcquire();
    assert.deepEqual(again, { held: true, expiresAt: 1_000_000 + 90_000 });
    assert.equal((await engine.getState<LeaseDocument>(INDEX, leaseId('j', 0)))!.doc.acquired_at, first);
  });

  it('partitions have independent leases', async () => {
    const engine = new MemoryEngine();
    const c = clock();
    const a0 = new Lease(engine, INDEX, { jobId: 'j', partition: 0, holder: 'A', ttlMs: 60_000, now: c.now });
    const b1 = new Lease(engine, INDEX, { jobId: 'j', partition: 1, holder: 'B', ttlMs: 60_000, now: c.now });
    assert.equal((await a0.tryAcquire()).held, true);
    assert.equal((await b1.tryAcquire()).held, true);
  });
});
