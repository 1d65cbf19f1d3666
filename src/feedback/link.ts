/**
 * Signed callback links: every alert payload and anomaly document can carry, per verdict, a URL a
 * SOAR playbook (or an analyst's browser) calls to record that verdict — no cluster credentials
 * needed, and nobody without the link can forge one: the link carries an HMAC-SHA256 of the target
 * and the verdict under `feedback.callback.secret`, checked in constant time by `vigil run`'s HTTP
 * endpoint (POST or GET `/feedback`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { VERDICTS, type VerdictKind } from './verdict.js';

export interface FeedbackTarget {
  readonly kind: 'incident' | 'anomaly';
  readonly id: string;
}

function signature(secret: string, target: FeedbackTarget, verdict: VerdictKind): string {
  return createHmac('sha256', secret).update(`${target.kind}\u0000${target.id}\u0000${verdict}`).digest('base64url');
}

/** One link per verdict for a target. `baseUrl` is where `vigil run` is reachable from the SOAR. */
export function feedbackLinks(baseUrl: string, secret: string, target: FeedbackTarget): Record<VerdictKind, string> {
  const out = {} as Record<VerdictKind, string>;
  for (const verdict of VERDICTS) {
    const url = new URL('/feedback', baseUrl);
    url.searchParams.set(target.kind, target.id);
    url.searchParams.set('verdict', verdict);
    url.searchParams.set('sig', signature(secret, target, verdict));
    out[verdict] = url.toString();
  }
  return out;
}

export type LinkCheck = { ok: true; target: FeedbackTarget; verdict: VerdictKind } | { ok: false; status: 400 | 403; error: string };

/** Checks a callback's query parameters (from the URL or a form/JSON body). */
export function verifyFeedbackLink(secret: string, params: URLSearchParams): LinkCheck {
  const incident = params.get('incident');
  const anomaly = params.get('anomaly');
  const verdict = params.get('verdict');
  const sig = params.get('sig');
  if ((incident === null) === (anomaly === null)) return { ok: false, status: 400, error: 'exactly one of incident= or anomaly= is needed' };
  if (verdict === null || !(VERDICTS as readonly string[]).includes(verdict)) return { ok: false, status: 400, error: `verdict= must be one of ${VERDICTS.join(', ')}` };
  if (sig === null) return { ok: false, status: 403, error: 'sig= is missing' };
  const target: FeedbackTarget = incident !== null ? { kind: 'incident', id: incident } : { kind: 'anomaly', id: anomaly ?? '' };
  const expected = Buffer.from(signature(secret, target, verdict as VerdictKind));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, status: 403, error: 'the signature does not match this link' };
  return { ok: true, target, verdict: verdict as VerdictKind };
}
