import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  alignDown,
  initialCursor,
  latestCompleteStart,
  learnsFrom,
  planWindows,
  validateSpec,
  warmupWindowCount,
  windowsBehind,
  windowsInRange,
} from '../../../src/pipeline/window-planner.js';

const H = 3_600_000;
const M = 60_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');

describe('window planner', () => {
  const hourly = { windowMs: H, slideMs: H, delayMs: 5 * M };

  it('hands out only complete windows (end ≤ now − delay), aligned to the slide', () => {
    // At 03:04 with a 5-minute delay, the 02:00–03:00 window is not yet complete.
    const plan = planWindows(hourly, T0, T0 + 3 * H + 4 * M, 100);
    assert.deepEqual(
      plan.windows.map((w) => (w.start - T0) / H),
      [0, 1],
    );
    assert.equal(plan.nextStart, T0 + 2 * H);
    assert.equal(plan.remaining, 0);
    // At 03:05 it is.
    const later = planWindows(hourly, T0, T0 + 3 * H + 5 * M, 100);
    assert.deepEqual(
      later.windows.map((w) => (w.start - T0) / H),
      [0, 1, 2],
    );
    for (const w of later.windows) assert.equal(w.end - w.start, H);
  });

  it('plans nothing when the checkpoint is already at the newest complete window', () => {
    const plan = planWindows(hourly, T0 + 3 * H, T0 + 3 * H + 30 * M, 10);
    assert.equal(plan.windows.length, 0);
    assert.equal(plan.nextStart, T0 + 3 * H);
  });

  it('catches up after downtime oldest first, at most maxWindows per plan, without gaps', () => {
    const now = T0 + 50 * H + 10 * M; // 50 complete windows behind
    const starts: number[] = [];
    let next = T0;
    let rounds = 0;
    for (;;) {
      const plan = planWindows(hourly, next, now, 8);
      if (plan.windows.length === 0) break;
      assert.ok(plan.windows.length <= 8);
      starts.push(...plan.windows.map((w) => w.start));
      next = plan.nextStart;
      rounds++;
      if (plan.remaining === 0) break;
    }
    assert.equal(rounds, Math.ceil(50 / 8));
    assert.equal(starts.length, 50);
    starts.forEach((s, i) => assert.equal(s, T0 + i * H));
  });

  it('reports the remaining windows after a bounded plan', () => {
    const plan = planWindows(hourly, T0, T0 + 20 * H + 6 * M, 5);
    assert.equal(plan.windows.length, 5);
    assert.equal(plan.remaining, 15);
    assert.equal(windowsBehind(hourly, T0, T0 + 20 * H + 6 * M), 20);
  });

  it('overlapping windows: W = 1h, S = 15m', () => {
    const spec = { windowMs: H, slideMs: 15 * M, delayMs: 0 };
    const plan = planWindows(spec, T0, T0 + 2 * H, 100);
    // Starts 00:00, 00:15, … 01:00 (ending 02:00).
    assert.deepEqual(
      plan.windows.map((w) => (w.start - T0) / M),
      [0, 15, 30, 45, 60],
    );
    assert.ok(plan.windows.every((w) => w.end - w.start === H));
  });

  it('models learn from windows that tile time: one in four of hourly windows sliding by 15 minutes', () => {
    const spec = { windowMs: H, slideMs: 15 * M, delayMs: 0 };
    const starts = windowsInRange(spec, T0, T0 + 4 * H).map((w) => w.start);
    const learned = starts.filter((s) => learnsFrom(spec, s));
    assert.deepEqual(
      learned.map((s) => (s - T0) / H),
      [0, 1, 2, 3],
    );
    // The learned windows cover every instant exactly once.
    assert.ok(learned.every((s, i) => i === 0 || s - learned[i - 1] === H));
    // A slide that does not divide the window: exactly one learned window in each hour some window starts in.
    const odd = { windowMs: H, slideMs: 25 * M, delayMs: 0 };
    const oddStarts = windowsInRange(odd, T0, T0 + 25 * H).map((w) => w.start);
    const blocks = new Set(oddStarts.map((s) => Math.floor(s / H)));
    const learnedBlocks = oddStarts.filter((s) => learnsFrom(odd, s)).map((s) => Math.floor(s / H));
    assert.deepEqual(learnedBlocks, [...blocks]);
    // Windows that do not overlap: every one is learned.
    assert.ok(windowsInRange(hourly, T0, T0 + 5 * H).every((w) => learnsFrom(hourly, w.start)));
  });

  it('aligns an unaligned checkpoint down to the slide', () => {
    const plan = planWindows(hourly, T0 + 17 * M, T0 + 2 * H + 5 * M, 10);
    assert.equal(plan.windows[0].start, T0);
  });

  it('backfill ranges: windows entirely inside [from, to), first start aligned up', () => {
    const ws = windowsInRange(hourly, T0 + 30 * M, T0 + 5 * H);
    assert.deepEqual(
      ws.map((w) => (w.start - T0) / H),
      [1, 2, 3, 4],
    );
    assert.equal(ws.at(-1)!.end, T0 + 5 * H);
    assert.equal(windowsInRange(hourly, T0, T0 + 30 * M).length, 0);
  });

  it('warm-up: enough slides to cover the warm-up duration, before the first scored window', () => {
    assert.equal(warmupWindowCount(hourly, 24 * H), 24);
    assert.equal(warmupWindowCount(hourly, 90 * M), 2);
    assert.equal(warmupWindowCount(hourly, 0), 0);
    const now = T0 + 100 * H + 7 * M;
    const cursor = initialCursor(hourly, now, 24 * H);
    assert.equal(cursor.scoreFrom, latestCompleteStart(hourly, now));
    assert.equal(cursor.scoreFrom, T0 + 99 * H);
    assert.equal(cursor.nextStart, T0 + 75 * H);
  });

  it('windows are the same for every runner: aligned to the epoch, not to the start time', () => {
    const a = planWindows(hourly, alignDown(T0 + 13 * M, H), T0 + 3 * H, 10);
    const b = windowsInRange(hourly, T0 - 2 * H + 1, T0 + 3 * H);
    assert.ok(a.windows.every((w) => b.some((x) => x.start === w.start && x.end === w.end)));
  });

  it('rejects a slide longer than the window (gaps) and non-positive sizes', () => {
    assert.throws(() => validateSpec({ windowMs: H, slideMs: 2 * H, delayMs: 0 }), /never be scored/);
    assert.throws(() => validateSpec({ windowMs: 0, slideMs: H, delayMs: 0 }), /window must be positive/);
    assert.throws(() => planWindows(hourly, T0, T0 + 5 * H, 0), /maxWindows/);
  });
});
