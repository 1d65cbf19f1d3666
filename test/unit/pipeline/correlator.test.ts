/**
 * The relational correlator on an in-memory engine: a password-spray-like time window (one source
 * IP loud in the per-IP job, each victim account nearly silent in the per-user job) — the victims'
 * documents are lifted with vigil.relational, the unrelated ones stay byte-identical, one alert per
 * incident goes out, and a second pass writes nothing and changes nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnomalyDocument } from '../../../src/anomaly/document.js';
import { configSchema } from '../../../src/config/schema.js';
import type { JsonObject, StreamHit, StreamRequest } from '../../../src/engine/engine.js';
import { log } from '../../../src/log.js';
import type { ScoredObservation } from '../../../src/models/ensemble.js';
import { buildAnomaly } from '../../../src/pipeline/anomaly-builder.js';
import { BulkWriter } from '../../../src/pipeline/anomaly-writer.js';
import { Correlator } from '../../../src/pipeline/correlator.js';
import { Lease } from '../../../src/pipeline/lease.js';
import { RunLoop } from '../../../src/pipeline/run-loop.js';
import type { AlertDispatcher } from '../../../src/pipeline/job-runner.js';
import { StateStore } from '../../../src/pipeline/state-store.js';
import { MemoryEngine } from './memory-engine.js';

const H = 3_600_000;
const START = Date.parse('2026-03-02T10:00:00Z');
const ATTACKER = '203.0.113.7';
const VICTIMS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const BYSTANDERS = ['frank', 'grace'];
const CALIBRATION = { a: 1.5, b: -4.5, source: 'default' as const }; // 50% at the threshold 3
const quiet = log.child({});
quiet.level = 'silent';

/** The memory engine plus the two reads the correlator needs: a range stream and an ids search. */
class CorrelatorEngine extends MemoryEngine {
  override async *stream(req?: StreamRequest): AsyncIterable<readonly StreamHit[]> {
    const request = req!;
    const filter = ((request.query?.bool as JsonObject).filter as JsonObject[])[0];
    const range = (filter.range as JsonObject)['vigil.window.start'] as { gte: number; lt: number };
    const hits: StreamHit[] = [];
    for (const [id, stored] of this.indices.get(request.index) ?? new Map()) {
      const doc = stored.doc as unknown as AnomalyDocument;
      const start = Date.parse(doc.vigil.window.start);
      if (start >= range.gte && start < range.lt) hits.push({ id, index: request.index, source: project(stored.doc, request.fields) });
    }
    hits.sort((a, b) => startOf(a) - startOf(b) || (a.id < b.id ? -1 : 1));
    for (let i = 0; i < hits.length; i += request.pageSize) yield hits.slice(i, i + request.pageSize);
  }

  override async search(index: string, body: JsonObject): Promise<JsonObject> {
    const ids = ((body.query as JsonObject | undefined)?.ids as JsonObject | undefined)?.values as string[] | undefined;
    if (!ids) return super.search(index, body);
    const docs = this.indices.get(index) ?? new Map();
    return { hits: { hits: ids.filter((id) => docs.has(id)).map((id) => ({ _id: id, _source: structuredClone(docs.get(id)!.doc) })) } };
  }
}

function startOf(hit: StreamHit): number {
  return Date.parse(((hit.source.vigil as JsonObject).window as JsonObject).start as string);
}

/** `_source` filtering: only the requested paths (and everything under them). */
function project(doc: JsonObject, fields: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const field of fields) {
    const parts = field.split('.');
    let from: unknown = doc;
    for (const p of parts) from = from && typeof from === 'object' ? (from as JsonObject)[p] : undefined;
    if (from === undefined) continue;
    let to = out;
    parts.slice(0, -1).forEach((p) => (to = (to[p] ??= {}) as JsonObject));
    to[parts.at(-1)!] = structuredClone(from) as JsonObject;
  }
  return out;
}

function scored(fused: number): ScoredObservation {
  const probability = 1 / (1 + Math.exp(-(CALIBRATION.a * fused + CALIBRATION.b)));
  return { score: 100 * probability, probability, fused, threshold: 3, isAlert: fused > 3, models: { zscore: fused }, raw: {}, fired: [], contributions: [{ name: 'failed_logins', actual: 1, typical: 0, contribution: 1 }], narrative: `fused ${fused}`, coldStart: false };
}

function anomaly(job: string, field: string, value: string, start: number, fused: number, related: { ip?: string[]; user?: string[] }): { id: string; doc: AnomalyDocument } {
  const info = { id: job, name: job, category: ['authentication'], modelVersion: '0.1.0+test' };
  return buildAnomaly({ entity: { fields: [field], value }, entityValues: { [field]: value }, start, end: start + H, eventCount: 3, related }, scored(fused), info, 0);
}

/** Window 1: the spray. Window 2: ordinary activity, nothing linked to anything loud. */
function documents(attackerFused = 8): { id: string; doc: AnomalyDocument }[] {
  const w1 = START;
  const w2 = START + H;
  return [
    anomaly('auth-ip', 'source.ip', ATTACKER, w1, attackerFused, { user: VICTIMS }),
    ...VICTIMS.map((u) => anomaly('auth-users', 'user.name', u, w1, 0.5, { ip: [ATTACKER] })),
    ...BYSTANDERS.map((u, i) => anomaly('auth-users', 'user.name', u, w1, 0.4, { ip: [`10.0.0.${i + 1}`] })),
    anomaly('auth-ip', 'source.ip', '10.0.0.9', w2, 0.3, { user: ['frank'] }),
    ...[...VICTIMS, ...BYSTANDERS].map((u) => anomaly('auth-users', 'user.name', u, w2, -0.2, { ip: ['10.0.0.50'] })),
  ];
}

async function setUp(): Promise<{ engine: CorrelatorEngine; config: ReturnType<typeof configSchema.parse>; alerts: { id: string; doc: AnomalyDocument }[]; correlator: () => Correlator }> {
  const engine = new CorrelatorEngine();
  const config = configSchema.parse({
    cluster: { urls: ['http://127.0.0.1:1'] },
    jobs: [
      { id: 'auth-ip', preset: 'auth_by_source_ip', index: 'events' },
      { id: 'auth-users', preset: 'auth_by_user', index: 'events' },
    ],
    output: { anomaly_index: 'anomalies', state_index: 'state', dead_letter_index: 'dead', status_index: 'status' },
  });
  await write(engine, documents());
  // Both jobs have checkpointed past the two windows, with their fitted calibration.
  const store = new StateStore(engine, 'state', { chunkBytes: 20_000, writer: 'test' });
  for (const job of ['auth-ip', 'auth-users']) {
    const checkpoint = { nextWindowStart: START + 2 * H, scoreFrom: START, fitted: true, configHash: 'x', modelVersion: '0.1.0+test', partitions: 1, windowsScored: 2 };
    await store.commit(job, 0, checkpoint, { version: 1, ensemble: { calibration: CALIBRATION }, first_seen: {} }, null);
  }
  const alerts: { id: string; doc: AnomalyDocument }[] = [];
  const dispatcher: AlertDispatcher = {
    enqueue: async (a) => void alerts.push(...a),
    takeCounts: () => ({ delivered: 0, retried: 0, deadLettered: 0, suppressed: 0, pending: 0 }),
    drain: async () => ({ delivered: alerts.length, retried: 0, deadLettered: 0, suppressed: 0, pending: 0 }),
  };
  const sink = new BulkWriter(engine, { batchSize: 100, maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 2, deadLetter: async () => undefined });
  return { engine, config, alerts, correlator: () => new Correlator({ engine, config, log: quiet, holder: 'test', sink, dispatcher }) };
}

async function write(engine: MemoryEngine, docs: readonly { id: string; doc: AnomalyDocument }[]): Promise<void> {
  await engine.bulk(docs.map((d) => ({ action: 'index', index: 'anomalies', id: d.id, document: d.doc as unknown as JsonObject })));
}

function snapshot(engine: MemoryEngine): Map<string, AnomalyDocument> {
  return new Map([...(engine.indices.get('anomalies') ?? new Map()).entries()].map(([id, s]) => [id, structuredClone(s.doc) as unknown as AnomalyDocument]));
}

describe('relational correlator', () => {
  it('lifts the spray victims from the attacking IP, leaves the rest, sends one alert per incident, and is idempotent', async () => {
    const { engine, alerts, correlator } = await setUp();
    const before = snapshot(engine);
    const docs = documents();
    const attacker = docs[0].id;
    const victims = docs.slice(1, 1 + VICTIMS.length).map((d) => d.id);

    const report = await correlator().runPass();
    assert.equal(report.status, 'done');
    assert.equal(report.windows, 2);
    assert.equal(report.documents, before.size);
    assert.equal(report.lifted, VICTIMS.length);
    assert.equal(report.written, VICTIMS.length);
    const after = snapshot(engine);
    assert.equal(after.size, before.size, 'no document added or removed');

    for (const id of victims) {
      const v = after.get(id)!.vigil;
      // (own + 0.9·8)/√(1 + 0.81) beats 0.7·8 and the second hop 0.5·8.
      const expected = Math.round(((0.5 + 0.9 * 8) / Math.sqrt(1.81)) * 1e4) / 1e4;
      assert.equal(v.fused_score, expected);
      assert.equal(v.own_fused_score, 0.5);
      assert.deepEqual({ ...v.relational, clause: undefined }, { lift: Math.round((expected - 0.5) * 1e4) / 1e4, source_key: attacker, source_entity: ATTACKER, source_job: 'auth-ip', via: 'ip', root: attacker, clause: undefined });
      // The verdict follows the job's calibration and threshold: σ(1.5·5.72 − 4.5) ≈ 98.3.
      const p = 1 / (1 + Math.exp(-(1.5 * v.fused_score - 4.5)));
      assert.ok(Math.abs(v.probability - p) < 1e-4, `probability ${v.probability} vs ${p}`);
      assert.equal(v.score, Math.round(100 * p * 100) / 100);
      assert.equal(v.is_alert, true);
      assert.equal(v.severity, 'critical');
      assert.equal(after.get(id)!.event.risk_score, Math.round(v.score));
      assert.equal(after.get(id)!.event.severity, 99);
      assert.match(v.explanation, /^fused 0\.5; risk from related source IP 203\.0\.113\.7 \(auth-ip, z 8\)$/);
      assert.equal(after.get(id)!.event.reason, v.explanation);
    }
    // The attacker and everything not linked to it are byte-identical.
    for (const [id, doc] of before) if (!victims.includes(id)) assert.deepEqual(after.get(id), doc, id);
    // Five newly alerting victims, one incident (root: the attacker's window): one alert.
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].doc.vigil.relational?.root, attacker);
    assert.equal(alerts[0].id, [...victims].sort()[0]);

    // A second pass: nothing to do after the checkpoint; a forced one over the range writes nothing.
    const bulkCalls = engine.bulkCalls;
    assert.equal((await correlator().runPass()).status, 'nothing_to_do');
    const forced = await correlator().backfillPass({ from: START, to: START + 2 * H, restart: true, leaseWaitMs: 1_000 });
    assert.equal(forced.windows, 2);
    assert.equal(forced.lifted, 0);
    assert.equal(forced.unchanged, before.size);
    assert.equal(engine.bulkCalls, bulkCalls, 'an already-correlated range is not rewritten');
    assert.deepEqual(snapshot(engine), after);
    assert.equal(alerts.length, 1, 'no alert re-sent');
    // The same range again without --restart: already done.
    assert.equal((await correlator().backfillPass({ from: START, to: START + 2 * H, restart: false, leaseWaitMs: 1_000 })).status, 'already_done');
  });

  it('recomputes from the own scores: a re-scored job window without the attack restores the victims', async () => {
    const { engine, correlator } = await setUp();
    const original = snapshot(engine);
    await correlator().runPass();
    // The per-IP job redoes the window (e.g. backfill --restart) and no longer finds the IP anomalous.
    await write(engine, [documents(0.1)[0]]);
    const report = await correlator().backfillPass({ from: START, to: START + 2 * H, restart: true, leaseWaitMs: 1_000 });
    assert.equal(report.restored, VICTIMS.length);
    const restored = snapshot(engine);
    for (const [id, doc] of original) {
      if (id === documents(0.1)[0].id) continue;
      assert.deepEqual(restored.get(id), doc, `${id} back to the job's own document`);
    }
  });

  it('stands by while another runner holds its lease, and waits for it in a backfill', async () => {
    const { engine, config } = await setUp();
    const sink = new BulkWriter(engine, { batchSize: 100, maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1, deadLetter: async () => undefined });
    // Another runner ("other") holds the correlator lease.
    const lease = new Lease(engine, 'state', { jobId: '_correlator', partition: 0, holder: 'other', ttlMs: 60_000 });
    assert.equal((await lease.tryAcquire()).held, true);
    const mine = new Correlator({ engine, config, log: quiet, holder: 'me', sink, sleep: async () => undefined });
    const report = await mine.runPass();
    assert.deepEqual({ status: report.status, holder: report.holder }, { status: 'standby', holder: 'other' });
    await assert.rejects(mine.backfillPass({ from: START, to: START + 2 * H, restart: false, leaseWaitMs: 0 }), /leased by other/);
    await lease.release();
    assert.equal((await mine.runPass()).status, 'done');
  });

  it('vigil run: the correlator pass follows every cycle, and its failure does not fail the cycle', async () => {
    const { engine, config } = await setUp();
    const passes: string[] = [];
    const correlator = new Correlator({ engine, config, log: quiet, holder: 'runner' });
    let fail = true;
    const loop = new RunLoop({
      workers: [],
      log: quiet,
      maxWindowsPerTick: 1,
      maxBackoffMs: 10,
      abort: new AbortController(),
      afterCycle: async () => {
        if (fail) {
          fail = false;
          throw new Error('boom');
        }
        passes.push((await correlator.runPass()).status);
      },
    });
    assert.equal((await loop.cycle())?.windows, 0);
    await loop.cycle();
    await loop.cycle();
    assert.deepEqual(passes, ['done', 'nothing_to_do']);
  });
});
