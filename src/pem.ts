import { readFileSync } from 'node:fs';

/**
 * Reads a PEM file (CA, client certificate or key) named in the config; the error says which
 * setting pointed at it, e.g. `cluster.tls.ca_file: cannot read /etc/ca.pem (ENOENT)` or
 * `connector "soar": cannot read tls.ca_file /etc/ca.pem (ENOENT)`.
 */
export function readPem(path: string, owner: string, setting?: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`${owner}: cannot read ${setting ? `${setting} ` : ''}${path} (${code})`, { cause: error });
  }
}
