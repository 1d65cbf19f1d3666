/**
 * node-cron's own messages through our logger. Its default logger writes coloured plain-text
 * lines (`[WARN] task still running, new execution blocked by overlap prevention!`) to the console,
 * which breaks a JSON log stream for every shipper that parses it. The overlap message is expected
 * (a long catch-up cycle outlasts the cron period; noOverlap skips the tick on purpose), so it is
 * logged at debug level.
 */
import type { Logger as CronLogger } from 'node-cron';
import type { Logger } from '../log.js';

export function cronLogger(log: Logger): CronLogger {
  const text = (m: string | Error): string => (m instanceof Error ? m.message : m);
  return {
    info: (message) => log.debug({ source: 'node-cron' }, message),
    warn: (message) =>
      /still running/i.test(message)
        ? log.debug({ source: 'node-cron' }, 'scheduler tick skipped: the previous cycle is still running')
        : log.warn({ source: 'node-cron' }, message),
    error: (message, err) => log.error({ source: 'node-cron', err: err?.message }, text(message)),
    debug: (message, err) => log.debug({ source: 'node-cron', err: err?.message }, text(message)),
  };
}
