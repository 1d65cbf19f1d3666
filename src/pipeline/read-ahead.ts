/**
 * Reading the next window while the current one is scored (issue 12: "engine reads overlapped with
 * scoring"). A partition scores its windows one after the other, and each window's read waits on
 * the engine (composite aggregations: about 40 % of a backfill's wall time at 10,000 users) while
 * the scoring waits on the CPU. With a read ahead, the engine answers window N + 1's pages while
 * node scores window N.
 *
 * The result is exactly the sequential one. The one input of a read that the scoring changes is the
 * first-seen baseline, which window N's scoring updates; the executor reads the engine for N + 1 at
 * once but applies the baseline only once `done()` says N is finished (WindowRequest.baselineReady).
 * The engine sees one window's reads at a time: N + 1's read starts once N's has returned.
 */
import type { TimeWindow } from './window-planner.js';

/** What reads a window (JobRunner.fetch): state S, result R, the baseline applied once `baselineReady` resolves. */
export interface WindowReader<S, R> {
  fetch(window: TimeWindow, state: S, baselineReady: Promise<void>): Promise<R>;
}

interface PendingRead<R> {
  readonly start: number;
  readonly fetched: Promise<R>;
  readonly release: () => void;
}

export class ReadAhead<S, R> {
  private pending: PendingRead<R> | undefined;

  constructor(
    private readonly runner: WindowReader<S, R>,
    private readonly state: S,
  ) {}

  /**
   * The read of `window` (started ahead when it was the `following` of the previous call), and
   * starts reading `following` once it has returned. Call `done()` once `window`'s entity-windows
   * have updated the first-seen baseline.
   */
  take(window: TimeWindow, following?: TimeWindow): Promise<R> {
    const current = this.pending?.start === window.start ? this.pending.fetched : this.runner.fetch(window, this.state, Promise.resolve());
    this.cancel();
    if (following) {
      let release = (): void => undefined;
      const ready = new Promise<void>((resolve) => (release = resolve));
      const fetched = current.then(() => this.runner.fetch(following, this.state, ready));
      // A read ahead that is never taken (stop, lease lost, failure) must not surface as unhandled;
      // one that is taken rethrows its error there.
      fetched.catch(() => undefined);
      this.pending = { start: following.start, fetched, release };
    }
    return current;
  }

  /** The window last taken is finished (its baseline update applied): the read ahead may complete. */
  done(): void {
    this.pending?.release();
  }

  /** Abandons the read ahead (its result, if any, is dropped). */
  cancel(): void {
    this.pending?.release();
    this.pending = undefined;
  }
}
