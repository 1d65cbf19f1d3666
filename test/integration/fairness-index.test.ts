/**
 * The fairness lookup kept in an index (`fairness.lookup_index`: an identity-directory export in
 * the cluster), read on both real engines as the segmenting sink reads it: every row, whatever the
 * index's mapping (here the engine's dynamic one), and an invalid row an error naming its document.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { readLookupIndex } from '../../src/pipeline/segment-sink.js';
import { engineFor } from './pipeline-support.js';
import { testEngines, uniquePrefix } from './engines.js';

const engines = await testEngines();

describe('fairness lookup kept in an index', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`lookup_index on ${e.label}`, { concurrency: 1 }, () => {
      const index = `${uniquePrefix('fairidx')}-identities`;
      let engine: Engine;

      before(async () => {
        engine = await engineFor(e);
        const rows: JsonObject[] = Array.from({ length: 12_000 }, (_, i) => ({
          field: 'user.name',
          value: `u${i}`,
          attributes: { department: i % 3 === 0 ? 'finance' : 'sales', country: 'DE' },
        }));
        for (let i = 0; i < rows.length; i += 4_000) {
          const result = await engine.bulk(rows.slice(i, i + 4_000).map((document) => ({ action: 'index' as const, index, document })));
          assert.equal(result.failed, 0);
        }
        await engine.refresh(index);
      });

      after(async () => {
        await engine.deleteIndex(`${index}*`);
        await engine.close();
      });

      it('reads every row over several pages', async () => {
        const lookup = await readLookupIndex(engine, index);
        assert.equal(lookup.size, 12_000);
        assert.equal(lookup.attribute('department', 'u3', 'user.name'), 'finance');
        assert.equal(lookup.attribute('department', 'u11999', 'user.name'), 'sales');
      });

      it('refuses an invalid row, naming its document', async () => {
        const bad = `${index}-bad`;
        await engine.bulk([{ action: 'index', index: bad, id: 'row-7', document: { field: 'user.name', value: 'bob' } }], {
          refresh: true,
        });
        await assert.rejects(
          readLookupIndex(engine, bad),
          new RegExp(`fairness.lookup_index ${bad} document row-7: attributes: .*each document must be`),
        );
      });
    });
  }
});
