import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { listSchema } from '../../../src/config/lists.js';
import { loadLists, SoftLabeller } from '../../../src/feedback/lists.js';

const EXAMPLES = resolve(import.meta.dirname, '../../../examples/lists');
const END = Date.UTC(2026, 11, 1);

function shipped() {
  const raw = parse(readFileSync(join(EXAMPLES, 'benign-noise.yaml'), 'utf8')) as { lists: unknown };
  return loadLists(z.array(listSchema).parse(raw.lists), EXAMPLES);
}

describe('soft-label lists', () => {
  test('the shipped examples parse, and the IOC file is read (values and ranges)', () => {
    const lists = shipped();
    assert.equal(lists.length, 5);
    const iocs = lists.find((l) => l.name === 'campaign-iocs');
    assert.deepEqual(iocs?.values, ['203.0.113.7', 'evil-update.example']);
    assert.deepEqual(iocs?.cidrs, ['198.51.100.0/24']);
    assert.equal(dirname(join(EXAMPLES, 'x')), EXAMPLES);
  });

  test('allow lowers, watch and ioc raise, by weight × 3; each list counts once', () => {
    const labeller = new SoftLabeller(shipped());
    const backup = labeller.label({ entityField: 'user.name', entityValue: 'svc-backup', end: END, values: { 'related.user': ['svc-backup'] } });
    assert.equal(backup.hits.length, 1);
    assert.ok(Math.abs(backup.shift - -2.4) < 1e-12);
    const scanner = labeller.label({ entityField: 'source.ip', entityValue: '10.20.250.7', end: END, values: {} });
    assert.deepEqual(scanner.hits.map((h) => h.list), ['vulnerability-scanners']);
    const ioc = labeller.label({ entityField: 'user.name', entityValue: 'administrator', end: END, values: { 'related.ip': ['198.51.100.23'] } });
    assert.deepEqual(ioc.hits.map((h) => [h.list, h.value]), [['privileged-accounts', 'administrator'], ['campaign-iocs', '198.51.100.23']]);
    assert.ok(Math.abs(ioc.shift - 3.9) < 1e-12);
    const none = labeller.label({ entityField: 'user.name', entityValue: 'alice', end: END, values: { 'related.ip': ['10.1.2.3'] } });
    assert.deepEqual(none, { shift: 0, hits: [] });
  });

  test('a list restricted to fields ignores the same value elsewhere; an expired list matches nothing', () => {
    const labeller = new SoftLabeller(shipped());
    assert.equal(labeller.label({ entityField: 'host.name', entityValue: 'svc-backup', end: END, values: {} }).hits.length, 0);
    assert.equal(labeller.label({ entityField: 'source.ip', entityValue: '203.0.113.7', end: Date.UTC(2027, 5, 1), values: {} }).hits.length, 0);
  });

  test('bad lists are refused naming the field and the fix', () => {
    const bad = listSchema.safeParse({ name: 'x', kind: 'allow', weight: 1.5, cidrs: ['10.0.0.0'] });
    assert.equal(bad.success, false);
    const messages = bad.success ? [] : bad.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.ok(messages.some((m) => m.startsWith('weight:')));
    assert.ok(messages.some((m) => m.includes('expected a CIDR range such as 10.20.0.0/24')));
    assert.throws(() => loadLists([{ ...listSchema.parse({ name: 'f', kind: 'ioc', weight: 1 }), values_file: 'nope.txt' }], EXAMPLES), /lists\[f\]\.values_file: cannot read/);
  });
});
