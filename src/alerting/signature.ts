/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the receiver recomputes
 * HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${raw body}` with the shared secret and
 * compares it with `webhook-signature: v1,<base64>`. A secret written as `whsec_<base64>` is the
 * base64 of the key bytes (the spec's format); any other string is used as UTF-8 key bytes.
 */
import { createHmac } from 'node:crypto';

export function secretKey(secret: string): Buffer {
  if (secret.startsWith('whsec_')) {
    const b64 = secret.slice('whsec_'.length);
    const key = Buffer.from(b64, 'base64');
    // Buffer.from ignores junk silently: insist on a clean round trip so a typo is not a silent wrong key.
    if (key.length === 0 || key.toString('base64').replace(/=+$/, '') !== b64.replace(/=+$/, '')) {
      throw new Error('alerting secret starts with "whsec_" but the rest is not valid base64');
    }
    return key;
  }
  return Buffer.from(secret, 'utf8');
}

/** The `webhook-signature` header value for one request. */
export function signWebhook(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}
