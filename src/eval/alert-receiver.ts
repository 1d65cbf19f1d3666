/**
 * A local alert receiver for `vigil demo`: an HTTP server on 127.0.0.1 that checks each request's
 * Standard Webhooks signature (HMAC-SHA256 over `id.timestamp.body` with the shared secret), counts
 * what it got, and appends one line per request to a log file — what a SOAR's webhook endpoint
 * would do. Requests with a bad or missing signature are answered 401 and counted as rejected.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signWebhook } from '../alerting/signature.js';

export interface ReceivedAlert {
  readonly id: string;
  readonly verified: boolean;
  readonly entity?: string;
  readonly score?: number;
  readonly reason?: string;
}

export interface AlertReceiver {
  readonly url: string;
  readonly secret: string;
  readonly logFile: string;
  /** Requests with a valid signature. */
  readonly accepted: number;
  readonly rejected: number;
  /** Distinct webhook ids accepted (a retried delivery keeps its id). */
  readonly distinctIds: number;
  readonly samples: readonly ReceivedAlert[];
  close(): Promise<void>;
}

function sameSignature(expected: string, header: string | undefined): boolean {
  if (!header) return false;
  // The header may carry several space-separated signatures (key rotation); any match will do.
  return header.split(' ').some((candidate) => {
    const a = Buffer.from(candidate);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Entity, score and narrative of a generic-format payload (`{type, data}`; a group carries `data.alerts[]`). */
function summarise(body: string): Pick<ReceivedAlert, 'entity' | 'score' | 'reason'> {
  try {
    const json = JSON.parse(body) as { data?: Record<string, unknown> };
    const data = json.data ?? {};
    const alert = (Array.isArray(data.alerts) ? data.alerts[0] : data) as Record<string, unknown>;
    const entity = alert.entity as { field?: string; value?: string } | string | undefined;
    return {
      ...(typeof entity === 'string' ? { entity } : entity?.value ? { entity: `${entity.field}=${entity.value}` } : {}),
      ...(typeof alert.score === 'number' ? { score: alert.score } : {}),
      ...(typeof alert.reason === 'string' ? { reason: alert.reason } : {}),
    };
  } catch {
    return {};
  }
}

export async function startAlertReceiver(logFile: string, secret = `whsec_${randomBytes(24).toString('base64')}`): Promise<AlertReceiver> {
  await writeFile(logFile, '');
  let accepted = 0;
  let rejected = 0;
  const ids = new Set<string>();
  const samples: ReceivedAlert[] = [];
  let pending = Promise.resolve();
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const id = String(req.headers['webhook-id'] ?? '');
      const timestamp = Number(req.headers['webhook-timestamp']);
      const verified =
        id !== '' &&
        Number.isFinite(timestamp) &&
        sameSignature(signWebhook(secret, id, timestamp, body), req.headers['webhook-signature'] as string | undefined);
      const record: ReceivedAlert = { id, verified, ...summarise(body) };
      if (verified) {
        accepted++;
        ids.add(id);
        if (samples.length < 20) samples.push(record);
      } else rejected++;
      pending = pending.then(() => appendFile(logFile, `${JSON.stringify({ at: new Date().toISOString(), ...record })}\n`));
      res.writeHead(verified ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: verified }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    secret,
    logFile,
    get accepted() {
      return accepted;
    },
    get rejected() {
      return rejected;
    },
    get distinctIds() {
      return ids.size;
    },
    samples,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pending;
    },
  };
}
