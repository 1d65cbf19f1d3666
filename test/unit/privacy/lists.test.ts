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
    const backup = labeller.label({
      entityField: 'user.name',
      entityValue: 'svc-backup',
      end: END,
      values: { 'related.user': ['svc-backup'] },
    });
    assert.equal(backup.hits.length, 1);
    assert.ok(Math.abs(backup.shift - -2.4) < 1e-12);
    const scanner = labeller.label({ entityField: 'source.ip', entityValue: '10.20.250.7', end: END, values: {} });
    assert.deepEqual(
      scanner.hits.map((h) => h.list),
      ['vulnerability-scanners'],
    );
    const ioc = labeller.label({
      entityField: 'user.name',
      entityValue: 'administrator',
      end: END,
      values: { 'related.ip': ['198.51.100.23'] },
    });
    assert.deepEqual(
      ioc.hits.map((h) => [h.list, h.value]),
      [
        ['privileged-accounts', 'administrator'],
        ['campaign-iocs', '198.51.100.23'],
      ],
    );
    assert.ok(Math.abs(ioc.shift - 3.9) < 1e-12);
    const none = labeller.label({ entityField: 'user.name', entityValue: 'alice', end: END, values: { 'related.ip': ['10.1.2.3'] } });
    assert.deepEqual(none, { shift: 0, hits: [] });
  });

  test('a list restricted to fields ignores the same value elsewhere; an expired list matches nothing', () => {
    const labeller = new SoftLabeller(shipped());
    assert.equal(labeller.label({ entityField: 'host.name', entityValue: 'svc-backup', end: END, values: {} }).hits.length, 0);
    assert.equal(
      labeller.label({ entityField: 'source.ip', entityValue: '203.0.113.7', end: Date.UTC(2027, 5, 1), values: {} }).hits.length,
      0,
    );
  });

  test('bad lists are refused naming the field and the fix', () => {
    const bad = listSchema.safeParse({ name: 'x', kind: 'allow', weight: 1.5, cidrs: ['10.0.0.0'] });
    assert.equal(bad.success, false);
    const messages = bad.success ? [] : bad.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.ok(messages.some((m) => m.startsWith('weight:')));
    assert.ok(messages.some((m) => m.includes('expected a CIDR range such as 10.20.0.0/24')));
    assert.throws(
      () => loadLists([{ ...listSchema.parse({ name: 'f', kind: 'ioc', weight: 1 }), values_file: 'nope.txt' }], EXAMPLES),
      /lists\[f\]\.values_file: cannot read/,
    );
  });
});

describe('analyst input before the incident pass', async () => {
  const { AnalystInput, analystFields } = await import('../../../src/feedback/analyst.js');
  const { Suppressor } = await import('../../../src/feedback/pattern.js');
  const verdict = {
    verdict: 'benign_expected' as const,
    by: 'ana',
    reason: 'weekly backup',
    job_id: 'auth',
    entity: { field: 'user.name', value: 'svc-backup' },
    fused_score: 7,
    window_start: '2026-11-30T02:00:00.000Z',
    pattern: [{ name: 'events', actual: 400, typical: 20 }],
    expires: '2027-03-01T00:00:00.000Z',
  };
  const base = { job: 'auth', entityField: 'user.name', entityValue: 'svc-backup', start: END - 3_600_000, end: END, fused: 7, values: {} };

  test('a suppressed pattern reads as typical and says who muted it; lists shift and are named', () => {
    const input = new AnalystInput(new Suppressor([verdict]), new SoftLabeller(shipped()));
    const a = input.adjust({ ...base, features: [{ name: 'events', actual: 420, typical: 20, contribution: 0.9 }] });
    assert.equal(a.fused, 0);
    const fields = analystFields(a);
    assert.equal(fields?.suppressed, true);
    assert.equal(fields?.adjusted_fused_score, 0);
    assert.equal(fields?.suppressed_by?.by, 'ana');
    assert.equal(fields?.suppressed_by?.until, '2027-03-01T00:00:00.000Z');
    assert.deepEqual(
      fields?.lists?.map((l) => l.name),
      ['backup-agents'],
    );
    // The same account doing something else is not muted (only the backup list's soft label applies).
    const b = input.adjust({ ...base, features: [{ name: 'failures', actual: 50, typical: 0, contribution: 0.9 }] });
    assert.ok(Math.abs(b.fused - (7 - 2.4)) < 1e-12);
    assert.equal(b.suppression, undefined);
    assert.equal(analystFields(input.adjust({ ...base, entityValue: 'alice', features: [] })), undefined);
  });
});
