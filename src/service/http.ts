/**
 * The operations HTTP server of `vigil run` (node:http, no framework: three GET routes, and the
 * feedback callback when `feedback.callback` is configured).
 *
 *   GET /metrics  Prometheus text exposition format (src/service/metrics.ts)
 *   GET /healthz  200 {"status":"ok"} while the process runs
 *   GET /readyz   200 or 503 with {"ready":…, "checks":{engine, lease, lag}} (src/service/health.ts)
 *   GET|POST /feedback  a signed verdict link (src/service/feedback-route.ts)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RouteHandler } from './feedback-route.js';
import type { Readiness } from './health.js';
import type { ServiceMetrics } from './metrics.js';

export interface ServiceServerOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: ServiceMetrics;
  readonly readiness: () => Promise<Readiness>;
  /** Called with each readiness result (e.g. to set vigil_engine_up). */
  readonly onReadiness?: (r: Readiness) => void;
  /** The feedback callback (undefined: /feedback answers 404 naming the setting). */
  readonly feedback?: RouteHandler;
}

export interface ServiceServer {
  /** e.g. http://127.0.0.1:9477 */
  readonly url: string;
  close(): Promise<void>;
}

function sendJson(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

export async function startServiceServer(options: ServiceServerOptions): Promise<ServiceServer> {
  const started = Date.now();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/feedback') {
      const route =
        options.feedback ??
        (async () => sendJson(res, 404, { error: 'no feedback callback: set feedback.callback (url, secret) in the config' }));
      route(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
        else res.end();
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const handle = async (): Promise<void> => {
      if (path === '/metrics') {
        const { contentType, body } = await options.metrics.text();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
      } else if (path === '/healthz') {
        sendJson(res, 200, { status: 'ok', uptime_seconds: Math.round((Date.now() - started) / 1000) });
      } else if (path === '/readyz') {
        const result = await options.readiness();
        options.onReadiness?.(result);
        sendJson(res, result.ready ? 200 : 503, result);
      } else {
        sendJson(res, 404, { error: `no route ${path}: use /metrics, /healthz, /readyz or /feedback` });
      }
    };
    handle().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
