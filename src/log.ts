import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * One logger for the whole process. Structured JSON (for log shippers) unless stderr is a
 * terminal or VIGIL_LOG_FORMAT=pretty; always on stderr so stdout stays clean for `--json` output.
 * Secrets never reach it: callers log redacted connection settings only (see config/redact.ts).
 */
function createLogger(): Logger {
  const level = process.env.VIGIL_LOG_LEVEL ?? 'info';
  const format = process.env.VIGIL_LOG_FORMAT ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const redact = { paths: ['*.password', '*.apiKey', '*.api_key', '*.secret', '*.token', 'headers.authorization'], censor: '[redacted]' };
  if (format === 'pretty') {
    return pino({ level, redact }, pretty({ destination: 2, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }));
  }
  return pino({ level, redact }, pino.destination({ dest: 2, sync: true }));
}

export const log: Logger = createLogger();
export type { Logger };
