/**
 * Durations as written in the config ("30s", "15m", "1h", "1d", "500ms") to milliseconds.
 * The config schema already restricts the syntax; this also accepts numbers (ms) for callers that
 * compute durations themselves.
 */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid duration ${value}: expected a non-negative number of milliseconds`);
    return value;
  }
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new Error(`invalid duration "${value}": expected e.g. 500ms, 30s, 15m, 1h or 1d`);
  return Number(match[1]) * UNIT_MS[match[2]];
}
