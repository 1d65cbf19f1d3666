import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LabelIndex, matchesLabel, parseLabels } from '../../../src/eval/labels.js';
import { formatLabel } from '../../../src/simulate/labels.js';

const H = 3_600_000;
const line = (o: Record<string, unknown>) => JSON.stringify(o);
const spray = {
  scenario: 'password_spray',
  technique: 'T1110.003',
  entity: { field: 'source.ip', value: '203.0.113.7' },
  start: '2026-03-02T01:00:00Z',
  end: '2026-03-02T03:00:00Z',
};

describe('labels', () => {
  it('parses the published format and round-trips it', () => {
    const [l] = parseLabels([line(spray)]);
    assert.equal(l.scenario, 'password_spray');
    assert.equal(l.field, 'source.ip');
    assert.equal(l.startMs, Date.parse('2026-03-02T01:00:00Z'));
    assert.equal(formatLabel(l), line(spray));
  });

  it('refuses bad lines with the line number and the field', () => {
    assert.throws(() => parseLabels(['', line(spray), '{oops']), /labels:3: not JSON/);
    assert.throws(() => parseLabels([line({ ...spray, entity: { field: 'user.name' } })]), /labels:1: entity\.value/);
    assert.throws(() => parseLabels([line({ ...spray, start: 'yesterday' })]), /labels:1: start: an ISO-8601 instant/);
    assert.throws(() => parseLabels([line({ ...spray, end: '2026-03-02T00:00:00Z' })]), /labels:1: end: end must not be before start/);
    assert.throws(() => parseLabels([line({ ...spray, technique: 'brute' })]), /labels:1: technique/);
  });

  it('ignores extra keys and groups the labels of one attack', () => {
    const labels = parseLabels([
      line({ ...spray, note: 'x' }),
      line({ ...spray, entity: { field: 'user.name', value: 'alice' } }),
      line({ ...spray, start: '2026-03-02T05:00:00Z', end: '2026-03-02T06:00:00Z' }),
    ]);
    assert.equal(labels[0].attack, labels[1].attack);
    assert.notEqual(labels[0].attack, labels[2].attack);
  });

  it('matches on the entity value or a related value, when the window overlaps the interval', () => {
    const [l] = parseLabels([line(spray)]);
    const start = Date.parse('2026-03-02T00:00:00Z');
    const w = (s: number, value: string, ip?: string[], hosts?: string[]) => ({
      entityValue: value,
      startMs: start + s * H,
      endMs: start + (s + 1) * H,
      related: { ip: ip ?? [], user: [], hosts: hosts ?? [] },
    });
    assert.equal(matchesLabel(w(1, '203.0.113.7'), l), true);
    assert.equal(matchesLabel(w(2, 'alice', ['10.0.0.1', '203.0.113.7']), l), true, 'related value');
    assert.equal(matchesLabel(w(2, 'alice', ['10.0.0.1']), l), false, 'other value');
    assert.equal(matchesLabel(w(2, 'alice', [], ['203.0.113.7']), l), false, 'an IP label is looked for in related.ip only');
    assert.equal(matchesLabel(w(0, '203.0.113.7'), l), false, 'window [00:00,01:00) ends where the label starts');
    assert.equal(matchesLabel(w(3, '203.0.113.7'), l), true, 'window starting at the label end still overlaps [start, end]');
    assert.equal(matchesLabel(w(4, '203.0.113.7'), l), false);
    const index = new LabelIndex([l]);
    assert.deepEqual(
      index.match(w(2, 'bob', ['203.0.113.7', '203.0.113.7'])).map((x) => x.index),
      [0],
    );
    assert.deepEqual(index.match(w(2, 'bob', ['198.51.100.1'])), []);
  });
});
