import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryExecutor } from '../../../src/features/memory-executor.js';
import { ndjsonSource, newTally, readNdjson } from '../../../src/features/ndjson.js';
import { parseFeatureSpecs } from '../../../src/config/feature-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-ndjson-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('NDJSON events', () => {
  test('streams objects, counts bad lines with their numbers, skips blank lines, handles CRLF and no final newline', async () => {
    const path = join(dir, 'events.ndjson');
    writeFileSync(path, ['{"a":1}', '', '{"a":2}\r', '{oops', '[1,2]', '   ', '"text"', '{"a":3}'].join('\n'));
    const tally = newTally();
    const seen: unknown[] = [];
    for await (const o of readNdjson(path, tally)) seen.push(o);
    assert.deepEqual(seen, [{ a: 1 }, { a: 2 }, { a: 3 }]);
    assert.equal(tally.lines, 8);
    assert.equal(tally.objects, 3);
    assert.equal(tally.badLines, 3);
    assert.deepEqual(
      tally.badLineSamples.map((s) => s.line),
      [4, 5, 7],
    );
    assert.match(tally.badLineSamples[1].error, /not a JSON object \(array\)/);
  });

  test('a file source feeds the memory executor, re-read for every window', async () => {
    const path = join(dir, 'auth.ndjson');
    const t0 = Date.UTC(2024, 0, 1);
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) {
      lines.push(
        JSON.stringify({
          '@timestamp': new Date(t0 + i * 60_000).toISOString(),
          user: { name: `u${i % 3}` },
          event: { outcome: i % 4 === 0 ? 'failure' : 'success' },
        }),
      );
    }
    lines.splice(10, 0, 'not json');
    writeFileSync(path, lines.join('\n') + '\n');
    const tally = newTally();
    const exec = new MemoryExecutor(ndjsonSource(path, tally));
    const features = parseFeatureSpecs([
      { kind: 'count', name: 'n' },
      { kind: 'count', name: 'failures', where: { 'event.outcome': 'failure' } },
    ]);
    const base = { index: '', timeField: '@timestamp', entityFields: ['user.name'], features, categoricalFields: [] };
    const first = await exec.computeWindow({ ...base, start: t0, end: t0 + 60 * 60_000 });
    const second = await exec.computeWindow({ ...base, start: t0 + 60 * 60_000, end: t0 + 120 * 60_000 });
    assert.deepEqual(
      first.windows.map((w) => w.features.n),
      [20, 20, 20],
    );
    assert.equal(
      first.windows.reduce((n, w) => n + w.features.failures, 0),
      15,
    );
    assert.equal(
      second.windows.reduce((n, w) => n + w.features.n, 0),
      60,
    );
    assert.equal(tally.badLines, 2, 'one bad line, read twice');
    assert.equal(tally.badLineSamples[0].line, 11);
  });
});
