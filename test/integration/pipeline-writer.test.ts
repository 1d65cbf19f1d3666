/**
 * The anomaly writer on both real engines: accepted documents are written, a document the strict
 * anomaly mapping refuses is parked in the dead-letter index with the engine's reason, and the
 * counts say so.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, type VigilConfig } from '../../src/config/schema.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { log } from '../../src/log.js';
import { install } from '../../src/pipeline/installer.js';
import { bulkWriterFor } from '../../src/pipeline/pipeline.js';
import { testEngines, uniquePrefix } from './engines.js';
import { allDocuments, engineFor, outputNames } from './pipeline-support.js';

const engines = await testEngines();
const quiet = log.child({});
quiet.level = 'silent';

function anomaly(score: number | string): JsonObject {
  return {
    '@timestamp': '2026-03-02T11:00:00.000Z',
    event: { kind: 'alert', module: 'vigil', dataset: 'vigil.anomaly', category: ['authentication'] },
    vigil: { job_id: 'auth', entity: { field: 'user.name', value: 'alice' }, score },
  };
}

describe('anomaly writer and dead-letter index', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`writer on ${e.label}`, () => {
      const prefix = uniquePrefix('pipeline-writer');
      let engine: Engine;
      let config: VigilConfig;

      before(async () => {
        engine = await engineFor(e);
        config = configSchema.parse({
          cluster: { urls: [e.url] },
          jobs: [{ id: 'auth', preset: 'auth_by_user', index: 'x' }],
          output: outputNames(prefix),
        });
        await install(engine, config, { skipAlertingDefinitions: true });
      });

      after(async () => {
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
      });

      it('writes what the mapping accepts and dead-letters what it refuses, with the reason', async () => {
        const writer = bulkWriterFor(engine, config, quiet);
        const index = config.output.anomaly_index;
        const report = await writer.write([
          { index, id: 'ok-1', doc: anomaly(12.5) },
          { index, id: 'bad-1', doc: anomaly('very high') },
          { index, id: 'ok-2', doc: anomaly(97) },
        ]);
        assert.deepEqual(report, { written: 2, retried: 0, deadLettered: 1, requests: 1 });
        assert.deepEqual([...(await allDocuments(engine, index)).keys()].sort(), ['ok-1', 'ok-2']);
        const dead = [...(await allDocuments(engine, config.output.dead_letter_index)).values()];
        assert.equal(dead.length, 1);
        const record = (dead[0].vigil as JsonObject).dead_letter as JsonObject;
        assert.equal(record.kind, 'document');
        assert.equal(record.reason, 'rejected');
        assert.equal(record.last_status, 400);
        assert.equal(record.message_id, 'bad-1');
        assert.equal(record.destination, index);
        assert.deepEqual(record.job_ids, ['auth']);
        assert.match(String(record.last_error), /parsing|mapper|number/i);
        assert.deepEqual(JSON.parse(String(record.payload)), anomaly('very high'));
        // Re-running the same write overwrites the record instead of adding another.
        await writer.write([{ index, id: 'bad-1', doc: anomaly('very high') }]);
        assert.equal((await allDocuments(engine, config.output.dead_letter_index)).size, 1);
      });
    });
  }
});
