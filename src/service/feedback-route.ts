/**
 * `GET|POST /feedback` on `vigil run`'s HTTP server: the callback a SOAR playbook (or an analyst's
 * browser) calls with a signed link from an alert payload or anomaly document (src/feedback/link.ts)
 * to record a verdict. Parameters come from the query string and, for POST, from a form or JSON
 * body (at most 16 KiB): `incident=` or `anomaly=`, `verdict=`, `exp=`, `sig=` (signed), and the
 * unsigned `by=` (default `soar-callback`) and `reason=`.
 *
 * Answers JSON: 201 with the verdicts recorded; 400 bad parameters; 403 bad signature; 404 no such
 * anomaly or incident; 405 other methods; 410 expired link; 413 body too large; 503 the cluster is
 * not reachable yet (retry).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FeedbackTarget } from '../feedback/link.js';
import { verifyFeedbackLink } from '../feedback/link.js';
import type { VerdictRequest } from '../feedback/store.js';
import type { FeedbackDocument } from '../feedback/verdict.js';

const MAX_BODY_BYTES = 16 * 1024;

/** Thrown by `record` when the verdict cannot be written yet (no cluster connection). */
export class FeedbackUnavailableError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'FeedbackUnavailableError';
  }
}

export interface FeedbackRouteOptions {
  readonly secret: string;
  /** Writes the verdict (FeedbackStore.record on the running engine). */
  readonly record: (target: FeedbackTarget, request: VerdictRequest) => Promise<FeedbackDocument[]>;
  readonly now?: () => number;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw new BodyError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The link's parameters: the query string, then (POST) a JSON object or form body. */
async function paramsOf(req: IncomingMessage): Promise<URLSearchParams> {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  if (req.method !== 'POST') return params;
  const text = (await readBody(req)).trim();
  if (!text) return params;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('json') || text.startsWith('{')) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new BodyError(
        400,
        'the body is not valid JSON (send an object such as {"anomaly":"…","verdict":"…","exp":"…","sig":"…"} or a form)',
      );
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw new BodyError(400, 'the JSON body must be an object of link parameters');
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string' || typeof v === 'number') params.set(k, String(v));
    return params;
  }
  for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
  return params;
}

export function feedbackRoute(options: FeedbackRouteOptions): RouteHandler {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      sendJson(res, 405, { error: `${req.method ?? ''} is not allowed on /feedback: use GET or POST` }, { allow: 'GET, POST' });
      return;
    }
    let params: URLSearchParams;
    try {
      params = await paramsOf(req);
    } catch (error) {
      if (error instanceof BodyError) sendJson(res, error.status, { error: error.message });
      else throw error;
      return;
    }
    const check = verifyFeedbackLink(options.secret, params, (options.now ?? Date.now)());
    if (!check.ok) {
      sendJson(res, check.status, { error: check.error });
      return;
    }
    const by = params.get('by')?.trim() || 'soar-callback';
    const reason = params.get('reason') ?? undefined;
    if (by.length > 200 || (reason?.length ?? 0) > 2000) {
      sendJson(res, 400, { error: 'by= (at most 200 characters) or reason= (at most 2,000) is too long' });
      return;
    }
    try {
      const docs = await options.record(check.target, { verdict: check.verdict, by, ...(reason ? { reason } : {}) });
      sendJson(res, 201, {
        recorded: docs.length,
        verdict: check.verdict,
        [check.target.kind]: check.target.id,
        verdicts: docs.map((d) => ({
          job: d.vigil.feedback.job_id,
          entity: d.vigil.feedback.entity,
          expires: d.vigil.feedback.expires ?? null,
        })),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof FeedbackUnavailableError) sendJson(res, 503, { error: message }, { 'retry-after': '30' });
      else if (message.includes(' is not in ')) sendJson(res, 404, { error: message });
      else sendJson(res, 500, { error: `the verdict was not recorded: ${message}` });
    }
  };
}
