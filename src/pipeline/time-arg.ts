/**
 * Time arguments of `vigil backfill --from/--to` and `vigil detect --from/--to`: an ISO 8601 date
 * (UTC unless it carries an offset), epoch milliseconds, `now`, or `now-<duration>` such as
 * `now-7d` — the same forms the engines' date math users know.
 */
import { parseEventTime } from '../features/event.js';
import { durationMs } from '../config/duration.js';

export function parseTimeArg(value: string, now: number = Date.now()): number {
  const text = value.trim();
  if (text === 'now') return now;
  const relative = /^now-(\d+(?:ms|s|m|h|d))$/.exec(text);
  if (relative) return now - durationMs(relative[1]);
  const t = parseEventTime(text);
  if (t === undefined)
    throw new Error(`"${value}" is not a time: use an ISO date such as 2026-03-01T00:00:00Z, epoch milliseconds, now or now-7d`);
  return t;
}
