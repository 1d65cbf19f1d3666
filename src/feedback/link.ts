/**
 * Signed callback links: every alert payload and anomaly document can carry, per verdict, a URL a
 * SOAR playbook (or an analyst's browser) calls to record that verdict — no cluster credentials
 * needed, and nobody without the link can forge one: the link carries an HMAC-SHA256 of the target,
 * the verdict and the link's expiry under `feedback.callback.secret`, checked in constant time by
 * `vigil run`'s HTTP endpoint (POST or GET `/feedback`, src/service/feedback-route.ts). A link
 * expires (`exp`, epoch seconds) so an old alert forwarded somewhere cannot judge for ever.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { VERDICTS, type VerdictKind } from './verdict.js';

export interface FeedbackTarget {
  readonly kind: 'incident' | 'anomaly';
  readonly id: string;
}

function signature(secret: string, target: FeedbackTarget, verdict: VerdictKind, exp: string): string {
  return createHmac('sha256', secret).update(`${target.kind}\u0000${target.id}\u0000${verdict}\u0000${exp}`).digest('base64url');
}

/** Default life of a callback link after the window it judges. */
export const LINK_TTL_MS = 30 * 86_400_000;

/**
 * One link per verdict for a target, valid until `expiresAt` (epoch ms, rounded down to the
 * second). `baseUrl` is where `vigil run` is reachable from the SOAR.
 */
export function feedbackLinks(baseUrl: string, secret: string, target: FeedbackTarget, expiresAt: number): Record<VerdictKind, string> {
  const out = {} as Record<VerdictKind, string>;
  const exp = String(Math.floor(expiresAt / 1000));
  for (const verdict of VERDICTS) {
    const url = new URL('/feedback', baseUrl);
    url.searchParams.set(target.kind, target.id);
    url.searchParams.set('verdict', verdict);
    url.searchParams.set('exp', exp);
    url.searchParams.set('sig', signature(secret, target, verdict, exp));
    out[verdict] = url.toString();
  }
  return out;
}

export type LinkCheck = { ok: true; target: FeedbackTarget; verdict: VerdictKind } | { ok: false; status: 400 | 403 | 410; error: string };

/** Checks a callback's query parameters (from the URL or a form/JSON body) at `now` (epoch ms). */
export function verifyFeedbackLink(secret: string, params: URLSearchParams, now: number = Date.now()): LinkCheck {
  const incident = params.get('incident');
  const anomaly = params.get('anomaly');
  const verdict = params.get('verdict');
  const sig = params.get('sig');
  if ((incident === null) === (anomaly === null))
    return { ok: false, status: 400, error: 'exactly one of incident= or anomaly= is needed' };
  if (verdict === null || !(VERDICTS as readonly string[]).includes(verdict))
    return { ok: false, status: 400, error: `verdict= must be one of ${VERDICTS.join(', ')}` };
  const exp = params.get('exp');
  if (exp === null || !/^\d{1,12}$/.test(exp))
    return { ok: false, status: 400, error: "exp= (the link's expiry, epoch seconds) is missing or not a number" };
  if (sig === null) return { ok: false, status: 403, error: 'sig= is missing' };
  const target: FeedbackTarget = incident !== null ? { kind: 'incident', id: incident } : { kind: 'anomaly', id: anomaly ?? '' };
  const expected = Buffer.from(signature(secret, target, verdict as VerdictKind, exp));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, status: 403, error: 'the signature does not match this link' };
  // Checked after the signature, so nobody learns anything from a forged link.
  if (Number(exp) * 1000 <= now)
    return {
      ok: false,
      status: 410,
      error: `this link expired at ${new Date(Number(exp) * 1000).toISOString()}; record the verdict with vigil feedback instead`,
    };
  return { ok: true, target, verdict: verdict as VerdictKind };
}
