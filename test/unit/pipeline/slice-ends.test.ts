/** Which slices the slice pass decides: the union of every job's window ends. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sliceEnds } from '../../../src/pipeline/slice-pass.js';

const M = 60_000;
const job = (windowMs: number, slideMs: number) => ({ plan: { spec: { windowMs, slideMs, delayMs: 0 } } });

describe('slice ends', () => {
  it('are the window ends of every job in [from, to], each once, sorted', () => {
    // 1 h windows every 15 min, and 1 h tumbling windows: the hourly ends are shared.
    assert.deepEqual(
      sliceEnds([job(60 * M, 15 * M), job(60 * M, 60 * M)], 120 * M, 180 * M),
      [120, 135, 150, 165, 180].map((m) => m * M),
    );
    // A 30 min window every 20 min ends at 30, 50, 70 … (start multiple of the slide + window).
    assert.deepEqual(
      sliceEnds([job(30 * M, 20 * M)], 31 * M, 90 * M),
      [50, 70, 90].map((m) => m * M),
    );
    assert.deepEqual(sliceEnds([job(60 * M, 60 * M)], 181 * M, 200 * M), []);
  });
});
