/**
 * Time and randomness behind an interface, so tests can run the retry/backoff logic with a seeded
 * random source and short, deterministic waits.
 */
import { mulberry32 } from '../models/random.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or early (without rejecting) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const timer = setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** A random source in [0, 1). */
export type RandomSource = () => number;

/** Reproducible jitter for tests: the shared mulberry32 stream (src/models/random.ts). */
export function seededRandom(seed: number): RandomSource {
  return mulberry32(seed);
}
