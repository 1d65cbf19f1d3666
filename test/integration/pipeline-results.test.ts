/**
 * The default result-write policy end to end on both engines (issue 12): `vigil backfill` with the
 * default pipeline settings writes alerts and entity-windows scoring ≥ 50, plus one rollup per
 * entity and day that the strict anomaly mapping accepts (written by the slice pass) — a fraction of one document per
 * entity-window, and every scored entity-window counted in exactly one rollup.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PIPELINE_DEFAULTS } from '../../src/config/pipeline.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { testEngines, uniquePrefix } from './engines.js';
import { HOURS, START, H, allDocuments, engineFor, indexEvents, outputNames, runCli, writeConfig } from './pipeline-support.js';

const engines = await testEngines();

describe('result-write policy end to end', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`default policy on ${e.label}`, () => {
      const prefix = uniquePrefix('s12-results');
      const out = outputNames(prefix);
      let engine: Engine;

      before(async () => {
        engine = await engineFor(e);
        await indexEvents(engine, prefix);
      });

      after(async () => {
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
      });

      it('writes the high-scoring windows and a daily rollup per entity, all accepted by the mapping', async () => {
        // The shipped defaults (the shared helper pins the other tests to full detail).
        const { write_min_score, rollup } = PIPELINE_DEFAULTS;
        assert.deepEqual({ write_min_score, rollup }, { write_min_score: 75, rollup: 'day' });
        const config = writeConfig(e, prefix, out, { pipeline: { lease_ttl: '60s', write_min_score, rollup } });
        await runCli(['install', '--config', config, '--json']);
        const result = await runCli([
          'backfill',
          '--config',
          config,
          '--from',
          new Date(START).toISOString(),
          '--to',
          new Date(START + HOURS * H).toISOString(),
          '--json',
          '--no-progress',
        ]);
        const summary = (
          JSON.parse(result.stdout) as { summary: { entity_windows: number; anomalies_written: number; documents_rejected?: number } }
        ).summary;
        const docs = [...(await allDocuments(engine, out.anomaly_index)).values()];
        assert.equal(await engine.count(out.dead_letter_index).catch(() => 0), 0, 'nothing refused by the mapping');
        const rollups = docs.filter((d) => (d.event as JsonObject).dataset === 'vigil.rollup');
        const windows = docs.filter((d) => (d.event as JsonObject).dataset === 'vigil.anomaly');
        for (const w of windows) {
          const v = w.vigil as JsonObject;
          const alerted = (v.incident as JsonObject | undefined)?.alerted === true;
          assert.ok(
            v.is_alert === true || alerted || Number(v.score) >= 75,
            `a window scoring ${String(v.score)} outside any alerted incident was written`,
          );
        }
        // Scored hours 12–29 span two UTC days: one rollup per entity and day it was seen.
        const entityDays = new Set(
          rollups.map(
            (r) =>
              `${String((r.vigil as JsonObject).entity && ((r.vigil as JsonObject).entity as JsonObject).value)}@${String(((r.vigil as JsonObject).window as JsonObject).start)}`,
          ),
        );
        assert.equal(entityDays.size, rollups.length);
        const counted = rollups.reduce((n, r) => n + Number(((r.vigil as JsonObject).rollup as JsonObject).windows), 0);
        assert.equal(counted, summary.entity_windows, 'every scored entity-window counted in exactly one rollup');
        // A small estate (a dozen users, cold starts) over two partial days: fewer documents, not yet 10× fewer.
        assert.equal(docs.length, windows.length + rollups.length);
        assert.ok(docs.length < summary.entity_windows, `${docs.length} documents for ${summary.entity_windows} entity-windows`);
        const caps = await engine.fieldCaps(out.anomaly_index, [
          'vigil.rollup.windows',
          'vigil.rollup.mean_score',
          'vigil.rollup.max_window_start',
        ]);
        assert.deepEqual(Object.fromEntries(caps.map((c) => [c.field, c.types])), {
          'vigil.rollup.windows': ['integer'],
          'vigil.rollup.mean_score': ['float'],
          'vigil.rollup.max_window_start': ['date'],
        });
      });
    });
  }
});
