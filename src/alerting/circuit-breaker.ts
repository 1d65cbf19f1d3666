/**
 * One circuit breaker per endpoint: after `failureThreshold` consecutive failed attempts the
 * circuit opens and deliveries wait `openMs` instead of hammering a receiver that is down; then a
 * single probe is let through (half-open) and its outcome closes or re-opens the circuit.
 * Non-retryable 4xx answers and 429 do not count: the receiver is up and answering.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private probeInFlight = false;

  constructor(
    private readonly failureThreshold: number,
    private readonly openMs: number,
    private readonly now: () => number,
  ) {}

  state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.openMs ? 'half-open' : 'open';
  }

  /**
   * 0 when a request may go now (taking the half-open probe slot if needed), otherwise the
   * milliseconds to wait before asking again.
   */
  acquire(): number {
    const state = this.state();
    if (state === 'closed') return 0;
    if (state === 'open') return this.openMs - (this.now() - (this.openedAt ?? 0));
    if (this.probeInFlight) return Math.max(50, Math.floor(this.openMs / 10));
    this.probeInFlight = true;
    return 0;
  }

  onSuccess(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.probeInFlight = false;
  }

  onFailure(): void {
    this.failures += 1;
    const wasProbe = this.probeInFlight;
    this.probeInFlight = false;
    if (wasProbe || this.failures >= this.failureThreshold) this.openedAt = this.now();
  }

  /** An answer that says nothing about the endpoint's health (4xx, 429): release a probe slot without a verdict. */
  onNeutral(): void {
    if (this.probeInFlight) {
      this.probeInFlight = false;
      this.failures = 0;
      this.openedAt = undefined;
    }
  }
}
