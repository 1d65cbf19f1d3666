/**
 * HTTP(S) agents per connector: certificate verification on unless `tls.verify: false`, a custom
 * CA added to (not replacing) Node's trust store, and an optional client certificate for mutual
 * TLS. Files are read once at start-up so a missing file is a start-up error, not a lost alert.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { ConnectorConfig } from '../config/alerting.js';
import { readPem } from '../pem.js';

export interface ConnectorAgents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
}

export function agentsFor(connector: ConnectorConfig): ConnectorAgents {
  const tls = connector.tls;
  const ca = tls.ca_file ? [...rootCertificates, readPem(tls.ca_file, `connector "${connector.name}"`, 'tls.ca_file')] : undefined;
  const cert = tls.cert_file ? readPem(tls.cert_file, `connector "${connector.name}"`, 'tls.cert_file') : undefined;
  const key = tls.key_file ? readPem(tls.key_file, `connector "${connector.name}"`, 'tls.key_file') : undefined;
  return {
    http: new HttpAgent({ keepAlive: true, maxSockets: connector.concurrency }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: connector.concurrency, ca, cert, key, rejectUnauthorized: tls.verify }),
  };
}
