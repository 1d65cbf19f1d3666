import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * One logger for the whole process. Structured JSON (for log shippers) unless stderr is a
 * terminal or VIGIL_LOG_FORMAT=pretty; on stderr so stdout stays clean for `--json` output, or
 * appended to the file VIGIL_LOG_FILE names (`npm run bench` keeps its table readable that way).
 * Secrets never reach it: callers log redacted connection settings only (see config/redact.ts).
 */
function createLogger(): Logger {
  const level = process.env.VIGIL_LOG_LEVEL ?? 'info';
  const format = process.env.VIGIL_LOG_FORMAT ?? (process.stderr.isTTY && !process.env.VIGIL_LOG_FILE ? 'pretty' : 'json');
  const redact = { paths: ['*.password', '*.apiKey', '*.api_key', '*.secret', '*.token', 'headers.authorization'], censor: '[redacted]' };
  if (format === 'pretty') {
    return pino({ level, redact }, pretty({ destination: 2, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }));
  }
  const file = process.env.VIGIL_LOG_FILE;
  return pino({ level, redact }, pino.destination({ dest: file ? file : 2, sync: true, ...(file ? { append: true, mkdir: true } : {}) }));
}

export const log: Logger = createLogger();
export type { Logger };
