import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { configSchema } from '../../../src/config/schema.js';
import type { Engine, StreamHit, StreamRequest } from '../../../src/engine/engine.js';
import type { WriteItem, WriteReport } from '../../../src/pipeline/anomaly-writer.js';
import { segmentingSinkFor } from '../../../src/pipeline/segment-sink.js';
import { lookupTokeniser } from '../../../src/privacy/index.js';

class Capture {
  items: WriteItem[] = [];
  async write(items: readonly WriteItem[]): Promise<WriteReport> {
    this.items.push(...items);
    return { written: items.length, retried: 0, deadLettered: 0, requests: 1 };
  }
}

const doc = (field: string, value: string, isAlert: boolean, users: string[] = []): WriteItem => ({
  index: 'vigil-anomalies',
  id: `${field}=${value}`,
  doc: { related: { ip: [], user: users, hosts: [] }, vigil: { entity: { field, value }, is_alert: isAlert, score: 90 } },
});

const LOOKUP = [
  { field: 'user.name', value: 'alice', attributes: { department: 'finance', country: 'US' } },
  { field: 'user.name', value: 'bob', attributes: { department: 'sales', country: 'DE' } },
]
  .map((r) => JSON.stringify(r))
  .join('\n');

describe('vigil.segment on anomaly documents (fairness:)', () => {
  it("adds the entity's attribute and alerted 1/0, via a related user for an IP, (none) when unknown; status records pass untouched", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-s14e-seg-'));
    try {
      await writeFile(join(dir, 'directory.ndjson'), LOOKUP);
      const inner = new Capture();
      const sink = segmentingSinkFor(inner, { by: 'department', lookup: join(dir, 'directory.ndjson') });
      const status: WriteItem = { index: 'vigil-status', id: 's', doc: { vigil: { status: { job_id: 'auth' } } } };
      await sink.write([
        doc('user.name', 'alice', true),
        doc('source.ip', '10.0.0.9', false, ['bob']),
        doc('user.name', 'carol', false),
        status,
      ]);
      const segs = inner.items.map((i) => (i.doc.vigil as { segment?: unknown }).segment);
      assert.deepEqual(segs, [
        { by: 'department', value: 'finance', alerted: 1 },
        { by: 'department', value: 'sales', alerted: 0 },
        { by: 'department', value: '(none)', alerted: 0 },
        undefined,
      ]);
      assert.equal((inner.items[0].doc.vigil as { score: number }).score, 90);
      // Without fairness: the sink itself, nothing added.
      assert.equal(segmentingSinkFor(inner, undefined), inner);
      assert.throws(
        () => segmentingSinkFor(inner, { by: 'department', lookup: join(dir, 'missing.ndjson') }),
        /fairness\.lookup: cannot read .*missing\.ndjson/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('joins on the pseudonymised tokens when user.name is pseudonymised', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-s14e-seg-'));
    try {
      await writeFile(join(dir, 'directory.ndjson'), LOOKUP);
      const privacy = { pseudonymise: ['user.name'], minimise: false, vault_index: 'v', key: 'k'.repeat(40) };
      const tokenise = lookupTokeniser(privacy);
      assert.ok(tokenise);
      const token = tokenise('user.name', 'alice');
      assert.notEqual(token, 'alice');
      const inner = new Capture();
      await segmentingSinkFor(inner, { by: 'country', lookup: join(dir, 'directory.ndjson') }, tokenise).write([
        doc('user.name', token, false),
        doc('user.name', 'alice', false),
      ]);
      assert.deepEqual(
        inner.items.map((i) => (i.doc.vigil as { segment: { value: string } }).segment.value),
        ['US', '(none)'],
      );
      assert.equal(lookupTokeniser({ pseudonymise: [], minimise: false, vault_index: 'v' }), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the config takes fairness: { by, lookup | lookup_index }, optional, and refuses unknown keys', () => {
    const schema = configSchema.shape.fairness;
    assert.deepEqual(schema.parse({ by: 'department', lookup: 'dir.ndjson' }), {
      by: 'department',
      lookup: 'dir.ndjson',
      lookup_refresh: '1h',
    });
    assert.deepEqual(schema.parse({ by: 'country', lookup_index: 'identities', lookup_refresh: '15m' }), {
      by: 'country',
      lookup_index: 'identities',
      lookup_refresh: '15m',
    });
    assert.equal(schema.parse(undefined), undefined);
    assert.throws(() => schema.parse({ by: 'department', lookup: 'x', segment: 1 }), /segment/);
    assert.throws(() => schema.parse({ by: '', lookup: 'x' }), /by/);
    for (const both of [{ by: 'd' }, { by: 'd', lookup: 'x', lookup_index: 'y' }])
      assert.throws(() => schema.parse(both), /set exactly one of lookup \(an NDJSON file\) and lookup_index/);
  });

  it('a lookup index: read at the first write and after lookup_refresh; while unreadable, documents go without a segment and it is said', async () => {
    const rows = [{ field: 'user.name', value: 'alice', attributes: { department: 'finance' } }];
    let down = true;
    let reads = 0;
    const engine = {
      async *stream(request: StreamRequest): AsyncIterable<readonly StreamHit[]> {
        reads++;
        if (down) throw new Error('index_not_found_exception: no such index [identities]');
        yield rows.map((source, i) => ({ id: String(i), index: request.index, source }));
      },
    } as unknown as Engine;
    const lines: { level: number; msg: string }[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string });
          done();
        },
      }),
    );
    const clock = { t: 0 };
    const inner = new Capture();
    const sink = segmentingSinkFor(inner, { by: 'department', lookup_index: 'identities', lookup_refresh: '1h' }, undefined, {
      engine,
      log,
      now: () => clock.t,
    });
    const segment = (): unknown => (inner.items.at(-1)?.doc.vigil as { segment?: { value: string } }).segment?.value;
    await sink.write([doc('user.name', 'alice', true)]);
    assert.equal(segment(), undefined, 'no lookup yet: written without a segment');
    assert.deepEqual(
      lines.filter((l) => l.level === 50).map((l) => l.msg),
      ['fairness lookup index unreadable: documents are written without a segment until it can be read'],
    );
    down = false;
    clock.t = 30_000; // tried again only after a minute
    await sink.write([doc('user.name', 'alice', true)]);
    assert.equal(reads, 1);
    clock.t = 61_000;
    await sink.write([doc('user.name', 'alice', true)]);
    assert.equal(segment(), 'finance');
    rows[0].attributes.department = 'audit';
    clock.t = 61_000 + 3_599_000; // within the hour: the rows read stay
    await sink.write([doc('user.name', 'alice', true)]);
    assert.equal(segment(), 'finance');
    clock.t = 61_000 + 3_600_000;
    await sink.write([doc('user.name', 'alice', true)]);
    assert.equal(segment(), 'audit');
    assert.equal(reads, 3);
    assert.throws(
      () => segmentingSinkFor(inner, { by: 'department', lookup_index: 'identities' }),
      /fairness\.lookup_index: identities is read from the cluster; this command has none/,
    );
  });
});
