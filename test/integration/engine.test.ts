/**
 * Every method of the Engine port, on both real engines.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterSchema, type ClusterConfig } from '../../src/config/cluster.js';
import { connectEngine } from '../../src/engine/connect.js';
import { ElasticsearchEngine } from '../../src/engine/elasticsearch.js';
import { OpenSearchEngine } from '../../src/engine/opensearch.js';
import {
  EngineUnavailableError,
  VersionConflictError,
  type BulkOperation,
  type CompositeKey,
  type Engine,
  type JsonObject,
  type StreamHit,
} from '../../src/engine/engine.js';
import { testEngines, uniquePrefix, type TestEngine } from './engines.js';

const engines = await testEngines();

/** The real adapters, recording the PIT ids they open so the test can check they were closed. */
class RecordingElasticsearch extends ElasticsearchEngine {
  readonly pits: string[] = [];
  protected override async openPit(index: string, keepAlive: string): Promise<string | undefined> {
    const id = await super.openPit(index, keepAlive);
    if (id) this.pits.push(id);
    return id;
  }
}
class RecordingOpenSearch extends OpenSearchEngine {
  readonly pits: string[] = [];
  protected override async openPit(index: string, keepAlive: string): Promise<string | undefined> {
    const id = await super.openPit(index, keepAlive);
    if (id) this.pits.push(id);
    return id;
  }
}

/** Direct HTTP for test set-up and for looking behind the adapter (never for the code under test). */
async function raw(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: JsonObject }> {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as JsonObject) : {} };
}

const T0 = Date.parse('2024-03-01T00:00:00Z');

for (const te of engines) {
  describe(`engine port on ${te.label}`, () => {
    const prefix = uniquePrefix(`engine-${te.flavour}`);
    const cluster: ClusterConfig = clusterSchema.parse({ urls: [te.url], flavour: te.flavour });
    let engine: RecordingElasticsearch | RecordingOpenSearch;
    const idx = (name: string) => `${prefix}-${name}`;
    const templates = { component: `${prefix}-ct`, index: `${prefix}-it` };

    before(async () => {
      engine = te.flavour === 'elasticsearch' ? new RecordingElasticsearch(cluster) : new RecordingOpenSearch(cluster);
      // One template for every index of this file: refresh only on demand, so refresh() is observable.
      await engine.putComponentTemplate(templates.component, {
        template: {
          mappings: {
            properties: {
              '@timestamp': { type: 'date' },
              user: { properties: { name: { type: 'keyword' } } },
              n: { type: 'long' },
              seq: { type: 'long' },
              label: { type: 'keyword' },
            },
          },
        },
      });
      await engine.putIndexTemplate(templates.index, {
        index_patterns: [`${prefix}-*`],
        priority: 900,
        composed_of: [templates.component],
        // The lifecycle setting is stripped by the adapter where ILM is missing (both minimal distributions).
        template: {
          settings: { number_of_shards: 2, number_of_replicas: 0, refresh_interval: '-1', 'index.lifecycle.name': 'vigil-test' },
        },
      });
    });

    after(async () => {
      await engine.deleteIndex(`${prefix}-*`);
      await raw(te.url, 'DELETE', `/_index_template/${templates.index}`);
      await raw(te.url, 'DELETE', `/_component_template/${templates.component}`);
      await engine.close();
    });

    it('connects with flavour auto and names the engine and version', async () => {
      const auto = await connectEngine(clusterSchema.parse({ urls: [te.url] }));
      try {
        assert.equal(auto.flavour, te.flavour);
        const info = await auto.info();
        assert.equal(info.flavour, te.flavour);
        assert.equal(info.version, te.version);
        assert.equal(info.major, Number(te.version.split('.')[0]));
        assert.equal(info.minor, Number(te.version.split('.')[1]));
        assert.match(info.clusterName, /^vigil-/);
        assert.deepEqual(info.capabilities, {
          ilm: false,
          ism: info.capabilities.ism,
          alerting: info.capabilities.alerting,
          notifications: info.capabilities.notifications,
        });
        assert.equal(await auto.info(), await auto.info(), 'info is cached');
      } finally {
        await auto.close();
      }
    });

    it('applies component + index templates: a new index gets the mapping and settings', async () => {
      const index = idx('tpl');
      const result = await engine.bulk(
        [{ action: 'index', index, id: 'a', document: { '@timestamp': T0, user: { name: 'alice' }, n: 1 } }],
        { refresh: true },
      );
      assert.equal(result.succeeded, 1);
      const caps = await engine.fieldCaps(index, ['user.name', 'n', '@timestamp', 'nope']);
      assert.deepEqual(caps, [
        { field: 'user.name', types: ['keyword'] },
        { field: 'n', types: ['long'] },
        { field: '@timestamp', types: ['date'] },
        { field: 'nope', types: [] },
      ]);
      const settings = await raw(te.url, 'GET', `/${index}/_settings?flat_settings=true`);
      const s = (settings.body[index] as { settings: Record<string, string> }).settings;
      assert.equal(s['index.number_of_shards'], '2');
      assert.equal(s['index.refresh_interval'], '-1');
      assert.equal(s['index.lifecycle.name'], undefined);
    });

    it('bulk reports each rejected item (mapping conflict, existing id) at its position', async () => {
      const index = idx('bulk');
      const ops: BulkOperation[] = [
        { action: 'index', index, id: 'b0', document: { n: 0 } },
        { action: 'index', index, id: 'b1', document: { n: 'not-a-number' } },
        { action: 'create', index, id: 'b2', document: { n: 2 } },
        { action: 'index', index, id: 'b3', document: { n: { nested: true } } },
        { action: 'index', index, document: { n: 4 } },
      ];
      const first = await engine.bulk(ops, { refresh: true });
      assert.equal(first.items.length, 5);
      assert.equal(first.succeeded, 3);
      assert.equal(first.failed, 2);
      assert.deepEqual(
        first.items.map((i) => [i.position, i.ok, i.status]),
        [
          [0, true, 201],
          [1, false, 400],
          [2, true, 201],
          [3, false, 400],
          [4, true, 201],
        ],
      );
      for (const failed of [first.items[1], first.items[3]]) {
        assert.match(failed.error?.type ?? '', /^(mapper_parsing_exception|document_parsing_exception)$/);
        assert.match(failed.error?.reason ?? '', /\[n\]/);
        assert.equal(failed.index, index);
      }
      assert.equal(first.items[1].id, 'b1');
      assert.ok(first.items[4].id.length > 0, 'an engine-generated id is reported');
      // Re-sending: `index` overwrites (200), `create` refuses the existing id (409), per item.
      const again = await engine.bulk([ops[0], ops[2]]);
      assert.deepEqual(
        again.items.map((i) => [i.position, i.ok, i.status, i.error?.type]),
        [
          [0, true, 200, undefined],
          [1, false, 409, 'version_conflict_engine_exception'],
        ],
      );
      assert.deepEqual(await engine.bulk([]), { items: [], succeeded: 0, failed: 0 });
    });

    describe('reading', () => {
      const index = idx('events');
      const USERS = 10;
      const DOCS = 23;
      // Timestamps repeat (three docs per second) so paging must break ties.
      const docs = Array.from({ length: DOCS }, (_, i) => ({
        id: `e${String(i).padStart(2, '0')}`,
        doc: {
          '@timestamp': T0 + Math.floor(i / 3) * 1000,
          user: { name: `user-${i % USERS}` },
          n: i,
          seq: i,
          label: i % 2 === 0 ? 'even' : 'odd',
        },
      }));

      before(async () => {
        const result = await engine.bulk(docs.map(({ id, doc }) => ({ action: 'index', index, id, document: doc })));
        assert.equal(result.failed, 0);
      });

      it('refresh makes written documents searchable', async () => {
        // refresh_interval is -1 for this index: nothing is visible until refresh().
        assert.equal(await engine.count(index), 0);
        await engine.refresh(index);
        assert.equal(await engine.count(index), DOCS);
      });

      it('count with and without a query', async () => {
        assert.equal(await engine.count(index), DOCS);
        assert.equal(await engine.count(index, { term: { label: 'even' } }), 12);
        assert.equal(await engine.count(`${prefix}-no-such-*`), 0);
      });

      it('search passes a raw body through and returns the raw answer', async () => {
        const answer = await engine.search(index, {
          size: 2,
          query: { range: { n: { gte: 20 } } },
          sort: [{ n: 'asc' }],
          aggs: { total: { sum: { field: 'n' } } },
        });
        const hits = (answer.hits as { hits: { _id: string }[]; total: { value: number } }).hits;
        assert.deepEqual(
          hits.map((h) => h._id),
          ['e20', 'e21'],
        );
        assert.equal((answer.hits as { total: { value: number } }).total.value, 3);
        assert.equal((answer.aggregations as { total: { value: number } }).total.value, 20 + 21 + 22);
      });

      it('fieldCaps lists the mapped types of each field and nothing for unknown ones', async () => {
        const caps = await engine.fieldCaps(`${prefix}-*`, ['label', 'seq', 'missing.field']);
        assert.deepEqual(caps, [
          { field: 'label', types: ['keyword'] },
          { field: 'seq', types: ['long'] },
          { field: 'missing.field', types: [] },
        ]);
        assert.deepEqual(await engine.fieldCaps(index, []), []);
      });

      it('composite paging over ≥3 pages yields every key exactly once', async () => {
        const seen: CompositeKey[] = [];
        let docCount = 0;
        let sum = 0;
        let after: CompositeKey | undefined;
        let pages = 0;
        do {
          const page = await engine.compositePage({
            index,
            sources: [{ name: 'user', terms: { field: 'user.name' } }],
            aggregations: { total: { sum: { field: 'n' } } },
            pageSize: 4,
            after,
          });
          pages++;
          for (const b of page.buckets) {
            seen.push(b.key);
            docCount += b.docCount;
            sum += (b.aggregations.total as { value: number }).value;
          }
          after = page.afterKey;
        } while (after);
        assert.equal(pages, 3);
        const names = seen.map((k) => k.user);
        assert.deepEqual(names, Array.from({ length: USERS }, (_, i) => `user-${i}`).sort());
        assert.equal(docCount, DOCS);
        assert.equal(sum, (DOCS * (DOCS - 1)) / 2);
      });

      it('composite with a date histogram, a query and a missing bucket', async () => {
        const page = await engine.compositePage({
          index,
          query: { term: { label: 'even' } },
          sources: [
            { name: 'minute', dateHistogram: { field: '@timestamp', fixedIntervalMs: 60_000 } },
            { name: 'absent', terms: { field: 'no_such_field', missingBucket: true } },
          ],
          pageSize: 10,
        });
        assert.deepEqual(
          page.buckets.map((b) => [b.key, b.docCount]),
          [[{ minute: T0, absent: null }, 12]],
        );
        assert.equal(page.afterKey, undefined);
      });

      it('streams every document once, in sort order, over ≥3 pages and closes the PIT', async () => {
        const pages: (readonly StreamHit[])[] = [];
        for await (const page of engine.stream({ index, fields: ['seq', 'user.name'], sort: ['@timestamp'], pageSize: 5, keepAlive: '1m' }))
          pages.push(page);
        assert.equal(pages.length, 5);
        assert.deepEqual(
          pages.map((p) => p.length),
          [5, 5, 5, 5, 3],
        );
        const hits = pages.flat();
        assert.equal(new Set(hits.map((h) => h.id)).size, DOCS);
        const times = hits.map((h) => docs.find((d) => d.id === h.id)!.doc['@timestamp']);
        assert.deepEqual(
          times,
          [...times].sort((a, b) => a - b),
          'ascending @timestamp',
        );
        assert.deepEqual(Object.keys(hits[0].source).sort(), ['seq', 'user']);
        assert.equal(hits[0].index, index);
        await assertPitClosed(te, engine.pits.at(-1)!);
      });

      it('stream honours the query, closes the PIT when the consumer stops early, and yields nothing for no match', async () => {
        const odd: StreamHit[] = [];
        for await (const page of engine.stream({ index, query: { term: { label: 'odd' } }, fields: ['n'], sort: ['n'], pageSize: 4 }))
          odd.push(...page);
        assert.deepEqual(
          odd.map((h) => h.source.n),
          [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21],
        );

        for await (const page of engine.stream({ index, fields: [], sort: ['n'], pageSize: 2 })) {
          assert.equal(page.length, 2);
          break;
        }
        await assertPitClosed(te, engine.pits.at(-1)!);

        let yielded = 0;
        for await (const page of engine.stream({ index: `${prefix}-nothing-*`, fields: [], sort: [], pageSize: 5 })) yielded += page.length;
        assert.equal(yielded, 0);
      });
    });

    describe('state documents', () => {
      const index = idx('state');

      it('get of a missing index or document is null', async () => {
        assert.equal(await engine.getState(index, 'job-1'), null);
      });

      it('create, match, conflict on a race, unconditional overwrite, delete', async () => {
        const created = await engine.putState(index, 'job-1', { cursor: 1 }, { kind: 'create' });
        await assert.rejects(engine.putState(index, 'job-1', { cursor: 99 }, { kind: 'create' }), VersionConflictError);

        // Two writers read the same version …
        const a = await engine.getState<{ cursor: number }>(index, 'job-1');
        const b = await engine.getState<{ cursor: number }>(index, 'job-1');
        assert.deepEqual(a, { doc: { cursor: 1 }, seqNo: created.seqNo, primaryTerm: created.primaryTerm });
        assert.deepEqual(b, a);
        // … the first write wins, the second is refused.
        const won = await engine.putState(index, 'job-1', { cursor: 2 }, { kind: 'match', seqNo: a.seqNo, primaryTerm: a.primaryTerm });
        assert.ok(won.seqNo > created.seqNo);
        await assert.rejects(
          engine.putState(index, 'job-1', { cursor: 3 }, { kind: 'match', seqNo: b.seqNo, primaryTerm: b.primaryTerm }),
          (error: unknown) => error instanceof VersionConflictError && error.index === index && error.id === 'job-1',
        );
        assert.deepEqual((await engine.getState(index, 'job-1'))?.doc, { cursor: 2 });

        const forced = await engine.putState(index, 'job-1', { cursor: 10 }, { kind: 'none' });
        assert.ok(forced.seqNo > won.seqNo);
        assert.deepEqual((await engine.getState(index, 'job-1'))?.doc, { cursor: 10 });

        await engine.deleteState(index, 'job-1');
        assert.equal(await engine.getState(index, 'job-1'), null);
        await engine.deleteState(index, 'job-1');
        await engine.deleteState(idx('no-such-state'), 'x');
      });

      it('a match against a document that is gone is a conflict', async () => {
        await assert.rejects(engine.putState(index, 'ghost', { x: 1 }, { kind: 'match', seqNo: 0, primaryTerm: 1 }), VersionConflictError);
      });
    });

    it('lifecycle policies are reported unsupported without ILM/ISM, applied with them', async () => {
      const info = await engine.info();
      const supported = te.flavour === 'elasticsearch' ? info.capabilities.ilm : info.capabilities.ism;
      const policy: JsonObject =
        te.flavour === 'elasticsearch'
          ? { policy: { phases: { delete: { min_age: '30d', actions: { delete: {} } } } } }
          : { policy: { description: 'vigil test', default_state: 'hot', states: [{ name: 'hot', actions: [], transitions: [] }] } };
      const result = await engine.putLifecyclePolicy(`${prefix}-policy`, policy);
      assert.equal(result, supported ? 'applied' : 'unsupported');
      if (supported) {
        assert.equal(await engine.putLifecyclePolicy(`${prefix}-policy`, policy), 'applied', 'updating an existing policy');
        await raw(
          te.url,
          'DELETE',
          te.flavour === 'elasticsearch' ? `/_ilm/policy/${prefix}-policy` : `/_plugins/_ism/policies/${prefix}-policy`,
        );
      }
    });

    it('pluginRequest answers every status instead of throwing', async () => {
      const health = await engine.pluginRequest('GET', '/_cluster/health');
      assert.equal(health.status, 200);
      assert.match(String((health.body as { status?: string }).status), /^(green|yellow)$/);
      // The minimal distributions have no Alerting plugin: the "no handler" answer comes back as a status.
      const missing = await engine.pluginRequest('POST', '/_plugins/_alerting/monitors/_search', { size: 0 });
      if (!(await engine.info()).capabilities.alerting)
        assert.ok(missing.status >= 400 && missing.status < 500, `status ${missing.status}`);
      const notFound = await engine.pluginRequest('GET', `/${idx('no-such-index')}/_doc/1`);
      assert.equal(notFound.status, 404);
    });

    it('deleteIndex removes every index of a pattern; missing indices are fine', async () => {
      const a = idx('del-a');
      const b = idx('del-b');
      await engine.bulk(
        [a, b].map((index) => ({ action: 'index', index, id: '1', document: { n: 1 } })),
        { refresh: true },
      );
      assert.equal(await engine.count(idx('del-*')), 2);
      await engine.deleteIndex(idx('del-*'));
      const resolved = await raw(te.url, 'GET', `/_resolve/index/${idx('del-*')}`);
      assert.deepEqual(resolved.body.indices, []);
      await engine.deleteIndex(idx('del-*'));
      await engine.deleteIndex(idx('never-existed'));
    });
  });
}

describe('an unreachable cluster', () => {
  const closed: ClusterConfig = clusterSchema.parse({ urls: ['http://127.0.0.1:9'], max_retries: 3 });

  it('auto-detection fails with EngineUnavailableError naming the cause', async () => {
    const started = Date.now();
    await assert.rejects(connectEngine(closed), (error: unknown) => {
      assert.ok(error instanceof EngineUnavailableError);
      assert.equal(error.url, 'http://127.0.0.1:9');
      assert.match(error.detail, /ECONNREFUSED/);
      return true;
    });
    // A hang guard, not a speed target: retries back off in tenths of a second, not seconds.
    assert.ok(Date.now() - started < 5000);
  });

  for (const flavour of ['elasticsearch', 'opensearch'] as const) {
    it(`the ${flavour} adapter fails every call with EngineUnavailableError`, async () => {
      const engine: Engine = await connectEngine({ ...closed, flavour });
      try {
        const started = Date.now();
        await assert.rejects(engine.info(), EngineUnavailableError);
        await assert.rejects(engine.count('x'), EngineUnavailableError);
        await assert.rejects(engine.bulk([{ action: 'index', index: 'x', document: {} }]), EngineUnavailableError);
        assert.ok(Date.now() - started < 10_000);
      } finally {
        await engine.close();
      }
    });
  }
});

async function assertPitClosed(te: TestEngine, pitId: string): Promise<void> {
  const answer = await raw(te.url, 'POST', '/_search', { size: 0, pit: { id: pitId } });
  assert.equal(answer.status, 404, `PIT still open: ${JSON.stringify(answer.body).slice(0, 200)}`);
}
