import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { secretKey, signWebhook } from '../../../src/alerting/signature.js';
import { verifyWebhook } from './support/verify-standard-webhooks.js';

describe('Standard Webhooks signature', () => {
  it('matches the example published with the Standard Webhooks / Svix documentation', () => {
    // secret, id, timestamp, payload and signature from the specification's worked example.
    const sig = signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    assert.equal(sig, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs with a raw (non-whsec) secret as UTF-8 key bytes, and the independent verifier agrees', () => {
    const body = '{"a":1}';
    const ts = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'vigil_abc',
      'webhook-timestamp': String(ts),
      'webhook-signature': signWebhook('plain secret', 'vigil_abc', ts, body),
    };
    assert.deepEqual(verifyWebhook('plain secret', headers, body), { ok: true });
    assert.equal(verifyWebhook('other secret', headers, body).ok, false);
    assert.equal(verifyWebhook('plain secret', headers, '{"a":2}').ok, false, 'a changed body fails');
    assert.equal(verifyWebhook('plain secret', { ...headers, 'webhook-id': 'vigil_other' }, body).ok, false, 'the id is signed');
    assert.equal(verifyWebhook('plain secret', headers, body, ts + 301).ok, false, 'an old timestamp fails');
  });

  it('refuses a whsec_ secret that is not base64', () => {
    assert.throws(() => secretKey('whsec_not base64!!'), /not valid base64/);
    assert.equal(secretKey('whsec_' + Buffer.from('k').toString('base64')).toString(), 'k');
  });
});
