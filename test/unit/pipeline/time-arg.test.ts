import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs } from '../../../src/config/duration.js';
import { parseTimeArg } from '../../../src/pipeline/time-arg.js';

describe('durations and time arguments', () => {
  it('parses config durations', () => {
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('30s'), 30_000);
    assert.equal(durationMs('15m'), 900_000);
    assert.equal(durationMs('1h'), 3_600_000);
    assert.equal(durationMs('2d'), 172_800_000);
    assert.throws(() => durationMs('soon'), /e\.g\. 500ms, 30s/);
  });

  it('parses --from/--to: ISO (UTC unless offset), epoch ms, now, now-<duration>', () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    assert.equal(parseTimeArg('2026-03-01', now), Date.parse('2026-03-01T00:00:00Z'));
    assert.equal(parseTimeArg('2026-03-01T02:00:00+02:00', now), Date.parse('2026-03-01T00:00:00Z'));
    assert.equal(parseTimeArg('1772323200000', now), 1772323200000);
    assert.equal(parseTimeArg('now', now), now);
    assert.equal(parseTimeArg('now-7d', now), now - 7 * 86_400_000);
    assert.throws(() => parseTimeArg('yesterday', now), /not a time/);
  });
});
