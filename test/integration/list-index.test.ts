/**
 * Watch-, allow- and IOC lists kept in an index (`lists[].values_index`), read on both real
 * engines the way every slice pass reads them: the value field of every document (strings and
 * arrays of them, CIDR ranges apart), a document without it counted, too many values an error
 * naming the list, an index that is not there an error naming the list and the index — and the
 * analyst pass's soft labeller, built from what was read, raises a window naming a listed value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ListSpec } from '../../src/config/lists.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { SoftLabeller, withIndexLists } from '../../src/feedback/lists.js';
import { engineFor } from './pipeline-support.js';
import { testEngines, uniquePrefix } from './engines.js';

const engines = await testEngines();

function list(index: string, extra: Partial<ListSpec> = {}): ListSpec {
  return {
    name: 'campaign-iocs',
    kind: 'ioc',
    weight: 1,
    values: ['inline.example'],
    cidrs: [],
    reason: 'campaign 2026-12',
    values_index: { index, field: 'indicator.value', max_values: 100 },
    ...extra,
  };
}

describe('lists kept in an index', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`values_index on ${e.label}`, { concurrency: 1 }, () => {
      const index = `${uniquePrefix('listidx')}-iocs`;
      let engine: Engine;

      before(async () => {
        engine = await engineFor(e);
        // No template: the engine's dynamic mapping (text with a keyword sub-field), as a SOC's index may have.
        const docs: JsonObject[] = [
          { indicator: { value: '203.0.113.7' } },
          { indicator: { value: ['evil.example', ' 198.51.100.0/24 '] } },
          { indicator: { value: 'evil.example' } },
          { note: 'no value here' },
        ];
        const result = await engine.bulk(
          docs.map((document) => ({ action: 'index' as const, index, document })),
          { refresh: true },
        );
        assert.equal(result.failed, 0);
      });

      after(async () => {
        await engine.deleteIndex(index);
        await engine.close();
      });

      it('reads every value, CIDR ranges apart, and counts the documents without one', async () => {
        const { lists, missing } = await withIndexLists(engine, [list(index)]);
        assert.deepEqual(lists[0].values, ['inline.example', '203.0.113.7', 'evil.example']);
        assert.deepEqual(lists[0].cidrs, ['198.51.100.0/24']);
        assert.deepEqual(missing, [{ list: 'campaign-iocs', documents: 1 }]);
        // What the pass builds from it matches a window naming a listed value, or an address in the range.
        const labeller = new SoftLabeller(lists);
        const inRange = labeller.label({ entityField: 'source.ip', entityValue: '198.51.100.9', end: Date.now(), values: {} });
        assert.deepEqual(
          inRange.hits.map((h) => [h.list, h.value]),
          [['campaign-iocs', '198.51.100.9']],
        );
        assert.equal(inRange.shift, 3);
        const named = labeller.label({
          entityField: 'user.name',
          entityValue: 'alice',
          end: Date.now(),
          values: { 'destination.domain': ['evil.example'] },
        });
        assert.equal(named.hits[0]?.value, 'evil.example');
        assert.deepEqual(labeller.label({ entityField: 'source.ip', entityValue: '192.0.2.1', end: Date.now(), values: {} }).hits, []);
      });

      it('refuses more values than max_values, and an index that is not there, naming the list', async () => {
        await assert.rejects(
          withIndexLists(engine, [list(index, { values_index: { index, field: 'indicator.value', max_values: 2 } })]),
          /lists\[campaign-iocs\]\.values_index: .* holds more than max_values \(2\) values in indicator\.value — raise max_values or split the list/,
        );
        await assert.rejects(
          withIndexLists(engine, [list(`${index}-missing`)]),
          new RegExp(`lists\\[campaign-iocs\\]\\.values_index: cannot read ${index}-missing`),
        );
      });
    });
  }
});
