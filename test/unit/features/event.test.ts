import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalIp,
  eventEnvelopeSchema,
  getPath,
  MISTYPED,
  parseEventTime,
  readEnvelope,
  fieldPath,
  toNumber,
  toTerm,
} from '../../../src/features/event.js';
import { FieldIssues } from '../../../src/features/field-issues.js';

describe('dotted paths', () => {
  test('nested objects, flat dotted keys and mixes resolve to the same value', () => {
    assert.equal(getPath({ source: { ip: '1.2.3.4' } }, 'source.ip'), '1.2.3.4');
    assert.equal(getPath({ 'source.ip': '1.2.3.4' }, 'source.ip'), '1.2.3.4');
    assert.equal(getPath({ source: { 'geo.country_iso_code': 'DE' } }, 'source.geo.country_iso_code'), 'DE');
    assert.equal(getPath({ 'source.geo': { country_iso_code: 'FR' } }, 'source.geo.country_iso_code'), 'FR');
    assert.equal(getPath({ source: { port: 22 } }, 'source.ip'), undefined);
    assert.equal(getPath({ source: 'flat' }, 'source.ip'), undefined);
  });

  test('a flat key that leads nowhere falls back to the nested form', () => {
    assert.equal(getPath({ 'source.geo': 'oops', source: { geo: { country_iso_code: 'JP' } } }, 'source.geo.country_iso_code'), 'JP');
  });

  test('arrays of values and arrays of objects are flattened like the engines do', () => {
    assert.deepEqual(getPath({ user: { name: ['a', 'b'] } }, 'user.name'), ['a', 'b']);
    assert.deepEqual(getPath({ process: [{ name: 'a' }, { name: ['b', 'c'] }, { pid: 1 }] }, 'process.name'), ['a', 'b', 'c']);
    assert.equal(getPath({ process: [{ pid: 1 }] }, 'process.name'), undefined);
  });
});

describe('value normalisation', () => {
  test('IPs print like the engines: RFC 5952, IPv4-mapped as IPv4; malformed ones are refused', () => {
    assert.equal(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(canonicalIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(canonicalIp('::ffff:10.9.9.9'), '10.9.9.9');
    assert.equal(canonicalIp('::'), '::');
    assert.equal(canonicalIp('fe80:0:0:0:0:0:0:0'), 'fe80::');
    assert.equal(canonicalIp('2001:db8:1:1:1:1:0:1'), '2001:db8:1:1:1:1:0:1');
    assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
    assert.equal(canonicalIp('10.0.0.01'), undefined);
    assert.equal(canonicalIp('300.0.0.1'), undefined);
    assert.equal(canonicalIp('not-an-ip'), undefined);
  });

  test('terms per type: numbers coerced and truncated, booleans spelled out, objects mistyped', () => {
    assert.equal(toTerm(443, 'keyword'), '443');
    assert.equal(toTerm(true, 'keyword'), 'true');
    assert.equal(toTerm({ a: 1 }, 'keyword'), MISTYPED);
    assert.equal(toTerm('0443', 'long'), '443');
    assert.equal(toTerm(12.9, 'long'), '12');
    assert.equal(toTerm('abc', 'long'), MISTYPED);
    assert.equal(toTerm('false', 'boolean'), 'false');
    assert.equal(toTerm('maybe', 'boolean'), MISTYPED);
    assert.equal(toTerm(null, 'keyword'), undefined);
    assert.equal(toNumber(' 12.5 ', 'double'), 12.5);
    assert.equal(toNumber('', 'double'), MISTYPED);
    assert.equal(toNumber(true, 'double'), MISTYPED);
  });
});

describe('event time', () => {
  test('ISO 8601 without an offset is UTC, offsets and fractions are honoured, epoch millis accepted', () => {
    const t = Date.UTC(2024, 2, 9, 20, 0, 0, 0);
    assert.equal(parseEventTime('2024-03-09T20:00:00Z'), t);
    assert.equal(parseEventTime('2024-03-09T20:00:00'), t);
    assert.equal(parseEventTime('2024-03-09T22:00:00+02:00'), t);
    assert.equal(parseEventTime('2024-03-09T14:30:00-0530'), t);
    assert.equal(parseEventTime('2024-03-09T20:00:00.123456789Z'), t + 123);
    assert.equal(parseEventTime('2024-03-09'), Date.UTC(2024, 2, 9));
    assert.equal(parseEventTime(t), t);
    assert.equal(parseEventTime(String(t)), t);
  });

  test('non-dates are refused', () => {
    for (const bad of ['yesterday', '2024-02-31T00:00:00Z', '2024-13-01', '2024-03-09 20:00:00', '', true, null, {}]) {
      assert.equal(parseEventTime(bad), undefined, JSON.stringify(bad));
    }
  });

  test('the envelope schema validates with zod and names the time field', () => {
    const schema = eventEnvelopeSchema('@timestamp');
    assert.deepEqual(schema.parse({ '@timestamp': '2024-01-01T00:00:00Z', a: 1 }), {
      time: Date.UTC(2024, 0, 1),
      doc: { '@timestamp': '2024-01-01T00:00:00Z', a: 1 },
    });
    const bad = schema.safeParse({ '@timestamp': 'soon' });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues[0].path, ['@timestamp']);
    assert.equal(schema.safeParse({}).error?.issues[0].message, 'missing time field @timestamp');
    assert.equal(schema.safeParse([1]).success, false);
  });

  test('the fast envelope reader tells missing from malformed', () => {
    const time = fieldPath('event.created');
    assert.deepEqual(readEnvelope({ event: { created: '2024-01-01T00:00:00Z' } }, time), { ok: true, time: Date.UTC(2024, 0, 1) });
    assert.deepEqual(readEnvelope({ event: {} }, time), { ok: false, problem: 'missing_time' });
    assert.deepEqual(readEnvelope({ 'event.created': 'x' }, time), { ok: false, problem: 'bad_time', value: 'x' });
    assert.deepEqual(readEnvelope('x', time), { ok: false, problem: 'not_object' });
  });
});

describe('field issues', () => {
  test('counts per field, keeps one example, merges and serialises sorted', () => {
    const a = new FieldIssues();
    a.missing('user.name');
    a.mistyped('source.bytes', 'lots');
    a.mistyped('source.bytes', 'many');
    const b = new FieldIssues();
    b.missing('user.name', 2);
    b.mistyped('source.bytes', undefined, 3);
    a.merge(b);
    assert.deepEqual(a.toJSON(), {
      'source.bytes': { missing: 0, mistyped: 5, example: '"lots"' },
      'user.name': { missing: 3, mistyped: 0 },
    });
    assert.deepEqual(Object.keys(a.toJSON()), ['source.bytes', 'user.name']);
    assert.equal(new FieldIssues().empty, true);
  });
});
