/**
 * Per-endpoint flow control: at most `concurrency` requests in flight and at most `ratePerSecond`
 * started per second (token bucket, burst of one second's worth). Keeps a burst of alerts from
 * tripping the SOAR's own rate limits.
 */
import type { Clock } from './clock.js';

export class EndpointLimiter {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly concurrency: number,
    private readonly ratePerSecond: number,
    private readonly clock: Clock,
  ) {
    this.tokens = Math.max(1, ratePerSecond);
    this.refilledAt = clock.now();
  }

  /** Waits for a concurrency slot and a rate token; call the returned function when the request is done. */
  async acquire(): Promise<() => void> {
    if (this.inFlight >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight += 1;
    await this.takeToken();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter so inFlight never dips below the real count.
      if (next) next();
      else this.inFlight -= 1;
    };
  }

  private async takeToken(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const burst = Math.max(1, this.ratePerSecond);
      this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
    }
  }
}
