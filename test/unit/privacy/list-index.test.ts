import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ListSpec } from '../../../src/config/lists.js';
import type { Engine, JsonObject, StreamHit, StreamRequest } from '../../../src/engine/engine.js';
import type { Logger } from '../../../src/log.js';
import { analystPassLoader } from '../../../src/feedback/analyst-pass.js';
import { withIndexLists } from '../../../src/feedback/lists.js';

/** An engine whose list index holds `docs` (changeable between passes), or fails to answer. */
class ListIndexEngine {
  docs: JsonObject[] = [];
  down = false;
  reads = 0;

  async *stream(request: StreamRequest): AsyncIterable<readonly StreamHit[]> {
    this.reads++;
    if (this.down) throw new Error('search_phase_execution_exception: all shards failed');
    // Two pages, to check the reader keeps going.
    const hits = this.docs.map((source, i) => ({ id: String(i), index: request.index, source }));
    yield hits.slice(0, 1);
    yield hits.slice(1);
  }

  /** As the port: only `stream` is used by the list reader. */
  get engine(): Engine {
    return this as unknown as Engine;
  }
}

const spec: ListSpec = {
  name: 'watched-admins',
  kind: 'watch',
  weight: 0.5,
  values: [],
  cidrs: [],
  reason: 'privileged accounts',
  values_index: { index: 'soc-watchlist', field: 'account', max_values: 3 },
};

function logged(): { logger: Logger; messages: () => { level: number; msg: string }[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), messages: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

describe('lists kept in an index', () => {
  it('reads the values over every page, trims them, keeps each once, and counts documents without one', async () => {
    const engine = new ListIndexEngine();
    engine.docs = [{ account: 'root-admin' }, { account: [' svc-deploy ', 'root-admin'] }, { other: 1 }];
    const { lists, missing } = await withIndexLists(engine.engine, [
      spec,
      { ...spec, name: 'inline', values: ['x'], values_index: undefined },
    ]);
    assert.deepEqual(lists[0].values, ['root-admin', 'svc-deploy']);
    assert.deepEqual(lists[1].values, ['x']);
    assert.deepEqual(missing, [{ list: 'watched-admins', documents: 1 }]);
    engine.docs = [{ account: 'a' }, { account: ['b', 'c', 'd'] }];
    await assert.rejects(
      withIndexLists(engine.engine, [spec]),
      /lists\[watched-admins\]\.values_index: soc-watchlist holds more than max_values \(3\)/,
    );
  });

  it('every pass reads the index again; an unreadable index keeps the values read last, and says so', async () => {
    const engine = new ListIndexEngine();
    engine.docs = [{ account: 'root-admin' }];
    const { logger, messages } = logged();
    const load = analystPassLoader(engine.engine, { feedback: { index: 'fb', enabled: false }, lists: [spec], anomalyIndex: 'a' }, logger);
    assert.ok(load);
    assert.ok(await load());
    assert.ok(await load());
    assert.equal(engine.reads, 2);
    engine.down = true;
    const pass = await load();
    assert.ok(pass, 'the pass goes on with the last values');
    const errors = messages().filter((m) => m.level === 50);
    assert.deepEqual(
      errors.map((m) => m.msg),
      ['list index unreadable: this pass applies the values read last time'],
    );
  });
});
