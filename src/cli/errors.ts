import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
/**
 * Exit codes of every command (docs/cli.md): 0 success, 1 failure (cluster unreachable, a check
 * failed, a run error), 2 usage (a flag, a file named by a flag, or the configuration is wrong),
 * 130 interrupted (SIGINT / SIGTERM before the work was done).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

import { UsageError } from '../usage-error.js';

export { UsageError } from '../usage-error.js';

/** Checks an optional URL flag (e.g. --kibana) is http(s); the error names the flag and shows an example. */
export function checkHttpUrlFlag(value: string | undefined, flag: string): void {
  if (value === undefined) return;
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new UsageError(`${flag} expects an http(s) URL such as http://localhost:5601 (got "${value}")`);
}

/** Checks a file named by a flag can be read, e.g. `--events x.ndjson: no such file`. */
export function checkInputFile(path: string, flag: string): void {
  let stats;
  try {
    accessSync(path, constants.R_OK);
    stats = statSync(path);
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${fileProblem(error)}`);
  }
  if (stats.isDirectory()) throw new UsageError(`${flag} ${path}: is a directory, expected a file`);
}

/** Checks the directory a flag's output file goes into exists and is writable. */
export function checkOutputFile(path: string, flag: string): void {
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${flag} ${path}: ${dir} is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag} ${path}: cannot write into ${dir} (${fileProblem(error)}); create the directory first`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${flag} ${path}: is a directory, expected a file`);
}

function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT'
    ? 'no such file'
    : code === 'EACCES'
      ? 'permission denied'
      : code === 'ENOTDIR'
        ? 'a parent is not a directory'
        : (code ?? String(error));
}
