import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRepeat, realertKey } from '../../../src/alerting/realert.js';

const H = 3_600_000;
const w = (id: string, startH: number, hours = 1) => ({ id, startMs: startH * H, endMs: (startH + hours) * H });

describe('realert suppression', () => {
  it('suppresses windows within the period of the last alert, in either direction', () => {
    const last = w('a', 10);
    assert.equal(isRepeat(last, w('b', 11), 2 * H), true, 'adjacent window');
    assert.equal(isRepeat(last, w('b', 12), 2 * H), true, '1 h gap < 2 h');
    assert.equal(isRepeat(last, w('b', 13), 2 * H), false, '2 h gap is not < 2 h');
    assert.equal(isRepeat(last, w('b', 8), 2 * H), true, 'an earlier window (backfill) 1 h before');
    assert.equal(isRepeat(last, w('b', 10, 2), 2 * H), true, 'overlapping window');
  });

  it('never suppresses the same anomaly, a first alert, or with realert 0', () => {
    assert.equal(isRepeat(w('a', 10), w('a', 10), 2 * H), false);
    assert.equal(isRepeat(null, w('a', 10), 2 * H), false);
    assert.equal(isRepeat(w('a', 10), w('b', 11), 0), false);
  });

  it('keys by job and entity', () => {
    assert.equal(realertKey('j', 'user.name', 'alice'), realertKey('j', 'user.name', 'alice'));
    assert.notEqual(realertKey('j', 'user.name', 'alice'), realertKey('k', 'user.name', 'alice'));
    assert.notEqual(realertKey('j', 'user.name', 'alice'), realertKey('j', 'host.name', 'alice'));
  });
});
