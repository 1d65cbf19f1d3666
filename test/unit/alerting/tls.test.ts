/**
 * TLS against a real HTTPS receiver on 127.0.0.1 with a throw-away CA (openssl): verification is
 * on by default, a custom CA makes it pass, and a receiver demanding a client certificate gets
 * the configured one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { createDispatcher } from '../../../src/alerting/dispatcher.js';
import { testAnomaly } from './support/anomalies.js';
import { testAlerting } from './support/config.js';

let dir: string;
let server: Server;
let url: string;
const seen: { authorized: boolean; clientCn?: string }[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=vigil-test-ca',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=vigil-client');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2');
  server = createServer(
    {
      key: readFileSync(join(dir, 'server.key')),
      cert: readFileSync(join(dir, 'server.pem')),
      ca: readFileSync(join(dir, 'ca.pem')),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      seen.push({ authorized: socket.authorized, clientCn: [peer?.subject?.CN].flat()[0] });
      req.resume();
      req.on('end', () => {
        res.writeHead(200);
        res.end('{}');
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function run(connector: Record<string, unknown>) {
  const d = createDispatcher({ config: testAlerting([{ url, ...connector }]), deadLetterIndex: 'x', stateIndex: 'y' });
  await d.enqueue([testAnomaly()]);
  const stats = await d.drain();
  await d.close();
  return stats;
}

describe('TLS to the receiver', () => {
  it('verifies certificates by default: an unknown CA is refused, not retried', async () => {
    const before = seen.length;
    const stats = await run({});
    assert.equal(stats.delivered, 0);
    assert.equal(stats.deadLettered, 1);
    assert.equal(stats.retried, 0, 'a certificate problem is configuration, not a passing fault');
    assert.equal(seen.length, before, 'no request reached the receiver');
  });

  it('accepts the receiver with tls.ca_file, and presents the client certificate for mutual TLS', async () => {
    const stats = await run({
      tls: { ca_file: join(dir, 'ca.pem'), cert_file: join(dir, 'client.pem'), key_file: join(dir, 'client.key') },
    });
    assert.equal(stats.delivered, 1);
    assert.deepEqual(seen.at(-1), { authorized: true, clientCn: 'vigil-client' });
  });

  it('a missing CA file is a start-up error naming the connector and the field', () => {
    assert.throws(
      () =>
        createDispatcher({
          config: testAlerting([{ url, tls: { ca_file: join(dir, 'nope.pem') } }]),
          deadLetterIndex: 'x',
          stateIndex: 'y',
        }),
      /connector "c0": cannot read tls\.ca_file/,
    );
  });
});
