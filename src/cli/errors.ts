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
  if (protocol !== 'http:' && protocol !== 'https:') throw new UsageError(`${flag} expects an http(s) URL such as http://localhost:5601 (got "${value}")`);
}
