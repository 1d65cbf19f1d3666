/**
 * Every dashboard panel, run as the raw aggregation its visualization sends (src/dashboards/query.ts,
 * derived from the same panel spec as the Lens and OSD objects), returns rows on both real engines.
 * The indices are created through the shipped index templates (index_patterns swapped for a unique
 * prefix) and filled with documents typed by the shared contracts.
 *
 * To run it against indices filled elsewhere (e.g. the pipeline's integration test), set
 * VIGIL_DASHBOARDS_ANOMALY_INDEX / _STATUS_INDEX / _DEAD_LETTER_INDEX (patterns allowed); the test
 * then only reads, and expects them on both engines.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEngines, uniquePrefix, type TestEngine } from './engines.js';
import { DASHBOARDS } from '../../src/dashboards/definitions/index.js';
import { panelData, panelSearch } from '../../src/dashboards/query.js';
import { repoRoot } from '../../src/dashboards/build.js';
import { SOURCES } from '../../src/dashboards/sources.js';
import type { SourceId } from '../../src/dashboards/model.js';
import { fixtureDocs } from '../unit/dashboards/fixtures.js';

const engines = await testEngines();
const external: Partial<Record<SourceId, string>> = {
  anomalies: process.env.VIGIL_DASHBOARDS_ANOMALY_INDEX,
  status: process.env.VIGIL_DASHBOARDS_STATUS_INDEX,
  deadLetter: process.env.VIGIL_DASHBOARDS_DEAD_LETTER_INDEX,
};

async function call(engine: TestEngine, method: string, path: string, body?: unknown, ndjson = false): Promise<unknown> {
  const res = await fetch(`${engine.url}${path}`, {
    method,
    headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' },
    ...(body === undefined ? {} : { body: ndjson ? String(body) : JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 400)}`);
  return text ? JSON.parse(text) : undefined;
}

/** The shipped template body for `file`, matching `pattern` instead, without shared component templates. */
function templateFor(file: string, pattern: string): Record<string, unknown> {
  const body = JSON.parse(readFileSync(join(repoRoot(), 'mappings', file), 'utf8')) as Record<string, unknown> & {
    template: Record<string, unknown>;
  };
  delete body.composed_of;
  return { ...body, index_patterns: [pattern], template: { ...body.template, settings: { number_of_shards: 1, number_of_replicas: 0 } } };
}

for (const engine of engines) {
  describe(`dashboard panel queries on ${engine.label}`, () => {
    const prefix = uniquePrefix('dash');
    const indices: Record<SourceId, string> = {
      anomalies: external.anomalies ?? `${prefix}-anomalies`,
      status: external.status ?? `${prefix}-status`,
      deadLetter: external.deadLetter ?? `${prefix}-dead-letter`,
    };
    const fillHere = !external.anomalies;

    before(async () => {
      if (!fillHere) return;
      for (const id of Object.keys(indices) as SourceId[]) {
        await call(engine, 'PUT', `/_index_template/${prefix}-${id.toLowerCase()}`, templateFor(SOURCES[id].template, `${indices[id]}*`));
      }
      const docs = fixtureDocs(Date.now());
      const lines: string[] = [];
      const add = (index: string, id: string, doc: unknown) =>
        lines.push(JSON.stringify({ index: { _index: index, _id: id } }), JSON.stringify(doc));
      for (const a of docs.anomalies) add(indices.anomalies, a.id, a.doc);
      for (const s of docs.status) add(indices.status, s.id, s.doc);
      for (const d of docs.deadLetters) add(indices.deadLetter, d.id, d.doc);
      const result = (await call(engine, 'POST', '/_bulk?refresh=true', lines.join('\n') + '\n', true)) as {
        errors: boolean;
        items: Record<string, { error?: unknown }>[];
      };
      const failed = result.items.map((i) => Object.values(i)[0]).filter((i) => i.error);
      // The mappings are strict: a fixture field the template lacks is refused here.
      assert.deepEqual(failed, [], 'every fixture document must be accepted by the shipped mappings');
    });

    after(async () => {
      if (!fillHere) return;
      for (const id of Object.keys(indices) as SourceId[]) {
        await call(engine, 'DELETE', `/${indices[id]}?ignore_unavailable=true`);
        await call(engine, 'DELETE', `/_index_template/${prefix}-${id.toLowerCase()}`).catch(() => undefined);
      }
    });

    for (const spec of DASHBOARDS) {
      for (const panel of spec.panels) {
        const search = panelSearch(panel);
        if (!search) continue;
        it(`${spec.id} / ${panel.key}: "${panel.title}" returns rows`, async () => {
          const response = await call(engine, 'POST', `/${indices[search.source]}*/_search`, search.body);
          const data = panelData(panel, response);
          assert.ok(data.completeRows > 0, `no row with every metric set (rows: ${data.rows}) for ${JSON.stringify(search.body)}`);
          if (panel.viz.type === 'xy' && panel.viz.x.kind === 'terms' && fillHere) {
            // Categories: more than one bar, ordered as the chart orders them.
            assert.ok(data.rows >= 2, `expected several ${panel.viz.x.field} bars, got ${data.rows}`);
          }
        });
      }
    }

    it('the score distribution buckets every fixture score into 10-point bars', { skip: !fillHere }, async () => {
      const panel = DASHBOARDS[0].panels.find((p) => p.key === 'score-distribution');
      assert.ok(panel);
      const search = panelSearch(panel);
      assert.ok(search);
      const response = (await call(engine, 'POST', `/${indices.anomalies}*/_search`, search.body)) as {
        aggregations: { x: { buckets: { key: number; doc_count: number }[] } };
      };
      const counted = response.aggregations.x.buckets.reduce((n, b) => n + b.doc_count, 0);
      assert.equal(counted, fixtureDocs(Date.now()).anomalies.length);
      assert.ok(response.aggregations.x.buckets.every((b) => b.key % 10 === 0));
    });
  });
}
