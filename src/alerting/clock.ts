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
      if (signal?.aborted) return resolve();
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

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "15m" → 900000. The config schema has already checked the shape. */
export function durationMs(duration: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(duration);
  if (!m) throw new Error(`not a duration: "${duration}" (use e.g. 30s, 15m, 1h, 1d)`);
  return Number(m[1]) * UNIT_MS[m[2]];
}
