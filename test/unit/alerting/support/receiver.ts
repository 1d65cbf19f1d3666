/**
 * A real HTTP receiver on 127.0.0.1 for alerting tests (no mocked HTTP): records every request
 * with its arrival time, headers and raw body, and answers as the test's handler says — a status
 * with headers and body, or 'hang' (never answer).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'hang';
export type Handler = (request: ReceivedRequest, index: number) => Answer;

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Requests answered 2xx. */
  readonly accepted: ReceivedRequest[];
  /** Largest number of requests that were open at the same time. */
  maxInFlight(): number;
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

export async function startReceiver(handler: Handler, port = 0): Promise<Receiver> {
  let current = handler;
  const requests: ReceivedRequest[] = [];
  const accepted: ReceivedRequest[] = [];
  const hanging: ServerResponse[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: ReceivedRequest = {
        at: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = requests.length;
      requests.push(request);
      const answer = current(request, index);
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      const respond = (): void => {
        if (answer.status >= 200 && answer.status < 300) accepted.push(request);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
        res.end(answer.body ?? '{}');
      };
      if (answer.delayMs) setTimeout(respond, answer.delayMs);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    accepted,
    maxInFlight: () => maxInFlight,
    setHandler: (h) => (current = h),
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
