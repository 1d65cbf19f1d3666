import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkDeps, cycles, folderOf } from '../../../scripts/check-deps.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('dependency check (scripts/check-deps.ts)', () => {
  it('src/ has no file cycle, no folder cycle and no import against the layers', () => {
    const r = checkDeps(root);
    assert.ok(r.files > 150, `read ${r.files} files`);
    assert.deepEqual(r.fileCycles, [], 'file cycles');
    assert.deepEqual(r.folderCycles, [], 'folder cycles');
    assert.deepEqual(r.layerViolations, [], 'layer violations');
  });

  it('finds cycles as strongly connected components and names folders', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    assert.deepEqual(cycles(g), [['a', 'b', 'c']]);
    assert.equal(folderOf('src/models/ensemble.ts'), 'models');
    assert.equal(folderOf('src/log.ts'), '.');
  });
});
