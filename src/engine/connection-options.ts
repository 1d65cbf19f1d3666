/**
 * The connection settings of a ClusterConfig turned into what both clients need: TLS material read
 * from disk, the auth header, a display URL without credentials, and a retry backoff that keeps a
 * dead cluster from stalling a command for seconds.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { ClusterConfig } from '../config/cluster.js';
import { readPem } from '../pem.js';

export interface ResolvedConnection {
  readonly nodes: string[];
  /** The cluster as shown in messages: URLs without user info, comma-separated. */
  readonly displayUrl: string;
  readonly tls: TlsOptions;
  readonly basic?: { readonly username: string; readonly password: string };
  readonly apiKey?: string;
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
}

export function resolveConnection(cluster: ClusterConfig): ResolvedConnection {
  const tls: TlsOptions = { rejectUnauthorized: cluster.tls.verify };
  if (cluster.tls.ca_file) tls.ca = readPem(cluster.tls.ca_file, 'cluster.tls.ca_file');
  if (cluster.tls.cert_file) tls.cert = readPem(cluster.tls.cert_file, 'cluster.tls.cert_file');
  if (cluster.tls.key_file) tls.key = readPem(cluster.tls.key_file, 'cluster.tls.key_file');
  if (Boolean(cluster.tls.cert_file) !== Boolean(cluster.tls.key_file)) {
    throw new Error('cluster.tls: cert_file and key_file go together (mutual TLS needs both)');
  }
  const auth = cluster.auth;
  return {
    nodes: [...cluster.urls],
    displayUrl: displayUrl(cluster.urls),
    tls,
    basic: auth && 'username' in auth ? { username: auth.username, password: auth.password } : undefined,
    apiKey: auth && 'api_key' in auth ? auth.api_key : undefined,
    requestTimeoutMs: cluster.request_timeout_ms,
    maxRetries: cluster.max_retries,
  };
}

/** URLs for messages: credentials embedded in a URL never reach a log line. */
export function displayUrl(urls: readonly string[]): string {
  return urls
    .map((u) => {
      try {
        const url = new URL(u);
        url.username = '';
        url.password = '';
        return url.toString().replace(/\/$/, '');
      } catch {
        return u;
      }
    })
    .join(', ');
}

/** Seconds to wait before retry `attempt`: 0.1, 0.2, 0.4 … capped at 2 s, with full jitter. */
export function retryBackoffSeconds(attempt: number): number {
  const ceiling = Math.min(2, 0.1 * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
