/** The pure pieces both engine adapters share: error mapping, response shapes, request bodies, templates, identity. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EngineRequestError, EngineUnavailableError, type BulkOperation } from '../../../src/engine/engine.js';
import { isMissingEndpoint, toEngineError } from '../../../src/engine/errors.js';
import { bulkItems, compositePage, fieldCapabilities, parseVersion } from '../../../src/engine/responses.js';
import { chunkOperations, compositeBody, pitSearchBody, seg } from '../../../src/engine/requests.js';
import { adaptTemplate } from '../../../src/engine/templates.js';
import { identifyFromNodes, identifyFromRoot, isSupportedVersion } from '../../../src/engine/identify.js';
import { displayUrl, resolveConnection, retryBackoffSeconds } from '../../../src/engine/connection-options.js';
import { clusterSchema } from '../../../src/config/cluster.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const named = (name: string, message: string, meta?: unknown) => Object.assign(new Error(message), { name, meta });

describe('toEngineError', () => {
  const context = { url: 'http://127.0.0.1:9', operation: 'bulk' };

  it('maps connection failures to EngineUnavailableError keeping the cause', () => {
    const error = toEngineError(named('ConnectionError', 'connect ECONNREFUSED 127.0.0.1:9'), context);
    assert.ok(error instanceof EngineUnavailableError);
    assert.equal(error.detail, 'connect ECONNREFUSED 127.0.0.1:9');
    assert.equal(error.message, 'cannot reach the cluster at http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9');
    assert.ok(toEngineError(named('TimeoutError', 'Request timed out'), context) instanceof EngineUnavailableError);
  });

  it('maps answered errors to EngineRequestError with status, type and reason (incl. the cause)', () => {
    const body = {
      error: {
        type: 'mapper_parsing_exception',
        reason: 'failed to parse field [n]',
        caused_by: { type: 'x', reason: 'For input string: "a"' },
      },
      status: 400,
    };
    const error = toEngineError(named('ResponseError', 'mapper_parsing_exception', { statusCode: 400, body }), context);
    assert.ok(error instanceof EngineRequestError);
    assert.equal(error.status, 400);
    assert.equal(error.type, 'mapper_parsing_exception');
    assert.equal(error.reason, 'failed to parse field [n] (For input string: "a")');
    assert.equal(error.operation, 'bulk');
  });

  it('handles the bare-string error bodies of missing endpoints', () => {
    const body = { error: 'no handler found for uri [/_ilm/policy/x] and method [PUT]' };
    const error = toEngineError(named('ResponseError', 'Response Error', { statusCode: 400, body }), context) as EngineRequestError;
    assert.equal(error.reason, body.error);
    assert.equal(isMissingEndpoint(400, body), true);
    assert.equal(isMissingEndpoint(405, {}), true);
    assert.equal(isMissingEndpoint(404, { error: { type: 'resource_not_found_exception', reason: 'Policy not found' } }), false);
  });
});

describe('response normalisation', () => {
  const ops: BulkOperation[] = [
    { action: 'index', index: 'a', id: '1', document: { n: 1 } },
    { action: 'create', index: 'a', id: '2', document: { n: 'x' } },
  ];

  it('reports bulk items at their original positions with error type and reason', () => {
    const body = {
      errors: true,
      items: [
        { index: { _index: 'a', _id: '1', status: 201 } },
        {
          create: {
            _index: 'a',
            _id: '2',
            status: 400,
            error: { type: 'document_parsing_exception', reason: 'failed to parse field [n]' },
          },
        },
      ],
    };
    const items = bulkItems(body, ops, [7, 9]);
    assert.deepEqual(items, [
      { position: 7, index: 'a', id: '1', status: 201, ok: true },
      {
        position: 9,
        index: 'a',
        id: '2',
        status: 400,
        ok: false,
        error: { type: 'document_parsing_exception', reason: 'failed to parse field [n]' },
      },
    ]);
  });

  it('refuses a bulk answer whose item count does not match', () => {
    assert.throws(
      () => bulkItems({ items: [] }, ops, [0, 1]),
      (e: unknown) => e instanceof EngineRequestError && e.type === 'unexpected_response',
    );
  });

  it('ends composite paging on a short page and keeps sub-aggregations', () => {
    const full = {
      aggregations: {
        composite: {
          after_key: { u: 'b' },
          buckets: [
            { key: { u: 'a' }, doc_count: 2, s: { value: 3 } },
            { key: { u: 'b' }, doc_count: 1, s: { value: 1 } },
          ],
        },
      },
    };
    const page = compositePage(full, 2);
    assert.deepEqual(page.afterKey, { u: 'b' });
    assert.deepEqual(page.buckets[0], { key: { u: 'a' }, docCount: 2, aggregations: { s: { value: 3 } } });
    assert.equal(compositePage(full, 3).afterKey, undefined);
    assert.deepEqual(compositePage({ hits: { hits: [] } }, 10), { buckets: [] });
  });

  it('lists field types, dropping "unmapped" and reporting absent fields as empty', () => {
    const body = {
      fields: {
        t: { date: { type: 'date' } },
        u: { keyword: { type: 'keyword' }, text: { type: 'text' }, unmapped: { type: 'unmapped' } },
      },
    };
    assert.deepEqual(fieldCapabilities(body, ['t', 'u', 'zz']), [
      { field: 't', types: ['date'] },
      { field: 'u', types: ['keyword', 'text'] },
      { field: 'zz', types: [] },
    ]);
  });

  it('parses versions', () => {
    assert.deepEqual(parseVersion('2.19.6'), { major: 2, minor: 19 });
    assert.deepEqual(parseVersion('9.0.0-beta1'), { major: 9, minor: 0 });
  });
});

describe('request bodies', () => {
  it('builds a composite search with terms, date_histogram, missing bucket, after key and sub-aggregations', () => {
    const body = compositeBody({
      index: 'x',
      query: { term: { a: 1 } },
      pageSize: 100,
      after: { u: 'b', t: 0 },
      sources: [
        { name: 'u', terms: { field: 'user.name', missingBucket: true } },
        { name: 't', dateHistogram: { field: '@timestamp', fixedIntervalMs: 3_600_000 } },
      ],
      aggregations: { ips: { cardinality: { field: 'source.ip' } } },
    });
    assert.deepEqual(body, {
      size: 0,
      track_total_hits: false,
      query: { term: { a: 1 } },
      aggs: {
        composite: {
          composite: {
            size: 100,
            sources: [
              { u: { terms: { field: 'user.name', missing_bucket: true } } },
              { t: { date_histogram: { field: '@timestamp', fixed_interval: '3600000ms' } } },
            ],
            after: { u: 'b', t: 0 },
          },
          aggs: { ips: { cardinality: { field: 'source.ip' } } },
        },
      },
    });
  });

  it('adds the tiebreakers after the requested sort in PIT searches', () => {
    const body = pitSearchBody(
      { index: 'x', fields: ['a'], sort: ['@timestamp'], pageSize: 5 },
      { id: 'P', keepAlive: '1m' },
      ['_index', '_id'],
      [1, 'i', 'd'],
    );
    assert.deepEqual(body.sort, [{ '@timestamp': { order: 'asc' } }, { _index: { order: 'asc' } }, { _id: { order: 'asc' } }]);
    assert.deepEqual(body.pit, { id: 'P', keep_alive: '1m' });
    assert.deepEqual(body.search_after, [1, 'i', 'd']);
    assert.deepEqual(body._source, ['a']);
  });

  it('chunks bulk operations by size, keeping positions', () => {
    const big = 'x'.repeat(400);
    const ops: BulkOperation[] = Array.from({ length: 10 }, (_, i) => ({ action: 'index', index: 'i', id: String(i), document: { big } }));
    const chunks = chunkOperations(
      ops,
      ops.map((_, i) => i + 100),
      1500,
    );
    assert.deepEqual(
      chunks.map((c) => c.positions.length),
      [3, 3, 3, 1],
    );
    assert.deepEqual(
      chunks.flatMap((c) => c.positions),
      ops.map((_, i) => i + 100),
    );
  });

  it('encodes path segments but keeps patterns readable', () => {
    assert.equal(seg('logs-*,audit-*'), 'logs-*,audit-*');
    assert.equal(seg('job/1 x'), 'job%2F1%20x');
  });
});

describe('template adaptation', () => {
  const template = {
    index_patterns: ['vigil-*'],
    allow_auto_create: true,
    template: {
      settings: {
        'index.lifecycle.name': 'vigil',
        index: { lifecycle: { rollover_alias: 'v' }, number_of_shards: 1 },
        'plugins.index_state_management.rollover_alias': 'v',
      },
      mappings: {
        properties: { tags: { type: 'flattened' }, kind: { type: 'constant_keyword', value: 'alert' }, type: { type: 'keyword' } },
      },
    },
  };

  it('strips ILM settings and auto-create and replaces unsupported types on OpenSearch', () => {
    const out = adaptTemplate(template, { flavour: 'opensearch', ilm: false });
    assert.equal('allow_auto_create' in out, false);
    assert.deepEqual(out.template, {
      settings: { index: { number_of_shards: 1 }, 'plugins.index_state_management.rollover_alias': 'v' },
      mappings: { properties: { tags: { type: 'flat_object' }, kind: { type: 'keyword' }, type: { type: 'keyword' } } },
    });
  });

  it('keeps ILM on Elasticsearch with ILM, drops it without, and always drops OpenSearch-only settings', () => {
    const withIlm = adaptTemplate(template, { flavour: 'elasticsearch', ilm: true });
    assert.deepEqual((withIlm.template as { settings: unknown }).settings, {
      'index.lifecycle.name': 'vigil',
      index: { lifecycle: { rollover_alias: 'v' }, number_of_shards: 1 },
    });
    assert.equal(withIlm.allow_auto_create, true);
    const without = adaptTemplate(template, { flavour: 'elasticsearch', ilm: false });
    assert.deepEqual((without.template as { settings: unknown }).settings, { index: { number_of_shards: 1 } });
    assert.deepEqual((without.template as { mappings: unknown }).mappings, template.template.mappings);
  });
});

describe('identity', () => {
  it('tells OpenSearch by its distribution and Elasticsearch by its product header', () => {
    const os = identifyFromRoot({
      status: 200,
      headers: {},
      body: { cluster_name: 'c', version: { distribution: 'opensearch', number: '2.19.6' } },
    });
    assert.deepEqual(os, { flavour: 'opensearch', version: '2.19.6', clusterName: 'c' });
    const es = identifyFromRoot({
      status: 200,
      headers: { 'x-elastic-product': 'Elasticsearch' },
      body: { cluster_name: 'e', version: { number: '8.19.21', build_flavor: 'default' } },
    });
    assert.equal(es?.flavour, 'elasticsearch');
    assert.equal(identifyFromRoot({ status: 405, headers: {}, body: {} }), undefined);
    const nodes = identifyFromNodes({
      status: 200,
      headers: { 'x-elastic-product': 'Elasticsearch' },
      body: { cluster_name: 'e', nodes: { n1: { version: '8.19.21' } } },
    });
    assert.deepEqual(nodes, { flavour: 'elasticsearch', version: '8.19.21', clusterName: 'e' });
    assert.equal(
      identifyFromNodes({ status: 200, headers: {}, body: { cluster_name: 'x', nodes: { n: { version: '2.1.0' } } } })?.flavour,
      undefined,
    );
  });

  it('knows the supported majors', () => {
    assert.deepEqual(
      [2, 3, 1].map((m) => isSupportedVersion('opensearch', m)),
      [true, true, false],
    );
    assert.deepEqual(
      [8, 9, 7].map((m) => isSupportedVersion('elasticsearch', m)),
      [true, true, false],
    );
  });
});

describe('connection options', () => {
  it('reads the CA, client certificate and key, keeps verification on by default and picks the auth', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `-----BEGIN ${f}-----\n`);
    const resolved = resolveConnection(
      clusterSchema.parse({
        urls: ['https://a:9200', 'https://b:9200'],
        auth: { api_key: 'k' },
        tls: { ca_file: join(dir, 'ca.pem'), cert_file: join(dir, 'cert.pem'), key_file: join(dir, 'key.pem') },
        request_timeout_ms: 1234,
        max_retries: 1,
      }),
    );
    assert.deepEqual(resolved.nodes, ['https://a:9200', 'https://b:9200']);
    assert.equal(resolved.tls.rejectUnauthorized, true);
    assert.equal(String(resolved.tls.ca), '-----BEGIN ca.pem-----\n');
    assert.equal(String(resolved.tls.key), '-----BEGIN key.pem-----\n');
    assert.equal(resolved.apiKey, 'k');
    assert.equal(resolved.basic, undefined);
    assert.equal(resolved.requestTimeoutMs, 1234);
    assert.equal(resolved.maxRetries, 1);
    const basic = resolveConnection(
      clusterSchema.parse({ urls: ['https://a:9200'], auth: { username: 'u', password: 'p' }, tls: { verify: false } }),
    );
    assert.deepEqual(basic.basic, { username: 'u', password: 'p' });
    assert.equal(basic.tls.rejectUnauthorized, false);
  });

  it('names the setting and file when TLS material cannot be read or is incomplete', () => {
    assert.throws(
      () => resolveConnection(clusterSchema.parse({ urls: ['https://a:9200'], tls: { ca_file: '/nonexistent/ca.pem' } })),
      /cluster\.tls\.ca_file: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
    writeFileSync(join(dir, 'cert.pem'), 'x');
    assert.throws(
      () => resolveConnection(clusterSchema.parse({ urls: ['https://a:9200'], tls: { cert_file: join(dir, 'cert.pem') } })),
      /cert_file and key_file go together/,
    );
  });

  it('shows URLs without credentials', () => {
    assert.equal(displayUrl(['https://u:p@a.example:9200/', 'http://b:9200']), 'https://a.example:9200, http://b:9200');
  });

  it('backs off quickly: well under a second over three retries', () => {
    const total = [1, 2, 3].map(retryBackoffSeconds).reduce((a, b) => a + b, 0);
    assert.ok(total > 0.1 && total <= 0.7, `total backoff ${total}s`);
  });
});
