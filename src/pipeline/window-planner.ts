/**
 * Which windows of events are ready to be scored — pure arithmetic on epoch milliseconds.
 *
 * A job scores windows of length W that start every S (the slide), aligned to multiples of S
 * since the Unix epoch so that every runner, every restart and every backfill cuts exactly the
 * same windows (and therefore produces the same deterministic anomaly ids). A window
 * [start, start + W) is *complete* once `start + W <= now − delay`: the delay gives ingest
 * pipelines time to deliver late events before the window is read.
 *
 * Late data policy: an event that arrives after its window was scored (later than window end +
 * delay) is not re-scored by `vigil run`. Re-running the range with `vigil backfill --restart`
 * picks it up; because anomaly ids are deterministic the re-run overwrites the earlier documents
 * instead of duplicating them. Choose `delay` from the ingest lag you observe.
 *
 * Catch-up: after downtime the runner is behind by many windows. The planner hands them out oldest
 * first and at most `maxWindows` at a time, so a long outage neither skips windows (no gaps) nor
 * makes one tick run for hours without renewing its lease or checkpointing.
 */

export interface WindowSpec {
  /** Window length W. */
  readonly windowMs: number;
  /** Slide S between consecutive window starts (≤ W; S < W gives overlapping windows). */
  readonly slideMs: number;
  /** Ingest delay: a window is read only once `end <= now − delay`. */
  readonly delayMs: number;
}

export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

export interface WindowPlan {
  /** Windows to process now, oldest first, at most `maxWindows`. */
  readonly windows: readonly TimeWindow[];
  /** Complete windows not yet processed after this plan (still to catch up). */
  readonly remaining: number;
  /** Start of the first window after the planned ones: the next checkpoint once they are done. */
  readonly nextStart: number;
}

export function validateSpec(spec: WindowSpec): void {
  if (!(spec.windowMs > 0)) throw new Error(`window must be positive, got ${spec.windowMs} ms`);
  if (!(spec.slideMs > 0)) throw new Error(`slide must be positive, got ${spec.slideMs} ms`);
  if (spec.slideMs > spec.windowMs) {
    throw new Error(
      `slide (${spec.slideMs} ms) is longer than the window (${spec.windowMs} ms): events between windows would never be scored`,
    );
  }
  if (!(spec.delayMs >= 0)) throw new Error(`delay must not be negative, got ${spec.delayMs} ms`);
}

/** Largest multiple of `step` that is ≤ t. */
export function alignDown(t: number, step: number): number {
  return Math.floor(t / step) * step;
}

/** Smallest multiple of `step` that is ≥ t. */
export function alignUp(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

/** The window starting at `start`. */
export function windowAt(spec: WindowSpec, start: number): TimeWindow {
  return { start, end: start + spec.windowMs };
}

/** Start of the newest window that is complete at `now` (its end ≤ now − delay). */
export function latestCompleteStart(spec: WindowSpec, now: number): number {
  return alignDown(now - spec.delayMs - spec.windowMs, spec.slideMs);
}

/** Number of windows whose start lies in [from, to) when starts are aligned to the slide. */
function startsBetween(spec: WindowSpec, from: number, toExclusive: number): number {
  if (toExclusive <= from) return 0;
  return Math.floor((toExclusive - 1 - from) / spec.slideMs) + 1;
}

/**
 * Real-time planning: windows from `nextStart` (the checkpoint) up to the newest complete one.
 * `nextStart` must be slide-aligned (checkpoints always are); it is aligned down defensively.
 */
export function planWindows(spec: WindowSpec, nextStart: number, now: number, maxWindows: number): WindowPlan {
  validateSpec(spec);
  if (!(maxWindows >= 1)) throw new Error(`maxWindows must be at least 1, got ${maxWindows}`);
  const first = alignDown(nextStart, spec.slideMs);
  const last = latestCompleteStart(spec, now);
  const due = last < first ? 0 : Math.floor((last - first) / spec.slideMs) + 1;
  const take = Math.min(due, maxWindows);
  const windows: TimeWindow[] = [];
  for (let i = 0; i < take; i++) windows.push(windowAt(spec, first + i * spec.slideMs));
  return { windows, remaining: due - take, nextStart: first + take * spec.slideMs };
}

/**
 * Backfill planning: every aligned window that lies entirely inside [from, to), oldest first.
 * The first window starts at `from` aligned up to the slide; the last one ends at or before `to`.
 */
export function windowsInRange(spec: WindowSpec, from: number, to: number): TimeWindow[] {
  validateSpec(spec);
  const windows: TimeWindow[] = [];
  for (let start = alignUp(from, spec.slideMs); start + spec.windowMs <= to; start += spec.slideMs) windows.push(windowAt(spec, start));
  return windows;
}

/**
 * Whether the models learn from the window starting at `start`: the first window of each
 * window-length block of time, so the windows learned from tile time without overlap. Sliding
 * windows overlap (hourly windows sliding by 15 minutes see every event four times); learning from
 * all of them would weigh each event four times, fill the per-entity baselines' reservoirs four
 * times faster (64 windows hold 16 hours instead of 64, too few at any one time of day for the
 * seasonal baseline) and make the models certain of what they saw too soon. Every window is still
 * scored; only what the models remember is thinned. Stateless, so the same after a restart.
 */
export function learnsFrom(spec: WindowSpec, start: number): boolean {
  if (spec.slideMs >= spec.windowMs) return true;
  return Math.floor(start / spec.windowMs) !== Math.floor((start - spec.slideMs) / spec.windowMs);
}

/** How many windows of history precede scoring: enough slides to cover `warmupMs`. */
export function warmupWindowCount(spec: WindowSpec, warmupMs: number): number {
  if (warmupMs <= 0) return 0;
  return Math.ceil(warmupMs / spec.slideMs);
}

/**
 * Where a job without any checkpoint starts in real time: it scores from the newest complete
 * window on (no long surprise backfill on first start) after learning from the `warmupMs` of
 * history before it. Returns the first warm-up window start and the first scored window start.
 */
export function initialCursor(spec: WindowSpec, now: number, warmupMs: number): { nextStart: number; scoreFrom: number } {
  validateSpec(spec);
  const scoreFrom = latestCompleteStart(spec, now);
  return { nextStart: scoreFrom - warmupWindowCount(spec, warmupMs) * spec.slideMs, scoreFrom };
}

/** Windows that `planWindows` would still hand out between `nextStart` and `now` (lag in windows). */
export function windowsBehind(spec: WindowSpec, nextStart: number, now: number): number {
  const last = latestCompleteStart(spec, now);
  return startsBetween(spec, alignDown(nextStart, spec.slideMs), last + 1);
}
