import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertingSchema, destinationAllowed, hostAllowed } from '../../../src/config/alerting.js';
import { parseConfig } from '../../../src/config/load.js';

const BASE = 'cluster: { urls: ["http://127.0.0.1:9200"] }\njobs: [{ id: j, index: "logs-*" }]\n';

describe('alerting configuration', () => {
  it('fills safe defaults: TLS verified, retries with backoff, breaker, realert, grouping off', () => {
    const a = alertingSchema.parse({ connectors: [{ name: 'soar', url: 'https://soar.example.com/hook' }] });
    const c = a.connectors[0];
    assert.equal(c.format, 'generic');
    assert.equal(c.tls.verify, true);
    assert.deepEqual(c.retry, { max_attempts: 8, base_delay_ms: 500, max_delay_ms: 60_000, max_retry_after_ms: 3_600_000 });
    assert.deepEqual(c.circuit_breaker, { failure_threshold: 5, open_ms: 30_000 });
    assert.equal(a.realert, '1h');
    assert.deepEqual(a.grouping, { enabled: false, max_alerts: 50 });
    assert.equal(a.siem.min_score, 75);
  });

  it('a connector URL outside allowed_hosts is a configuration error naming the field', () => {
    assert.throws(
      () =>
        parseConfig(
          `${BASE}alerting:\n  allowed_hosts: ["*.corp.example"]\n  connectors: [{ name: soar, url: "https://evil.example.net/x" }]\n`,
          'vigil.yaml',
        ),
      (e: Error) => e.message.includes('alerting.connectors[0].url: host "evil.example.net" is not in alerting.allowed_hosts'),
    );
    const ok = parseConfig(
      `${BASE}alerting:\n  allowed_hosts: ["*.corp.example"]\n  connectors: [{ name: soar, url: "https://thehive.corp.example/" }]\n`,
      'vigil.yaml',
    );
    assert.equal(ok.alerting.connectors[0].url, 'https://thehive.corp.example/');
  });

  it('takes secrets from the environment (${ENV})', () => {
    const c = parseConfig(
      `${BASE}alerting:\n  connectors: [{ name: s, url: "https://s.example/", secret: "\${HOOK_SECRET}", token: "\${HOOK_TOKEN}" }]\n`,
      'v.yaml',
      {
        HOOK_SECRET: 'whsec_c2VjcmV0',
        HOOK_TOKEN: 'tkn',
      },
    );
    assert.equal(c.alerting.connectors[0].secret, 'whsec_c2VjcmV0');
    assert.equal(c.alerting.connectors[0].token, 'tkn');
  });

  it('refuses credentials in plain headers, duplicate names and half a client certificate', () => {
    const bad = (connectors: unknown[]) => alertingSchema.safeParse({ connectors });
    const headers = bad([{ name: 'a', url: 'https://a.example/', headers: { Authorization: 'Bearer x' } }]);
    assert.equal(headers.success, false);
    assert.match(JSON.stringify(headers.error?.issues), /put credentials in \\"token\\"/);
    const dup = bad([
      { name: 'a', url: 'https://a.example/' },
      { name: 'a', url: 'https://b.example/' },
    ]);
    assert.match(JSON.stringify(dup.error?.issues), /duplicate connector name/);
    const cert = bad([{ name: 'a', url: 'https://a.example/', tls: { cert_file: '/x.pem' } }]);
    assert.match(JSON.stringify(cert.error?.issues), /both cert_file and key_file/);
  });

  it('matches hosts exactly, by port, and by *.domain wildcard', () => {
    assert.equal(hostAllowed('https://a.example.com/x', ['a.example.com']), true);
    assert.equal(hostAllowed('https://A.Example.com:443/x', ['a.example.com:443']), true);
    assert.equal(hostAllowed('https://a.example.com:8443/x', ['a.example.com:443']), false);
    assert.equal(hostAllowed('http://a.example.com/x', ['a.example.com:80']), true);
    assert.equal(hostAllowed('https://x.a.example.com/', ['*.example.com']), true);
    assert.equal(hostAllowed('https://example.com/', ['*.example.com']), false);
    assert.equal(hostAllowed('https://evilexample.com/', ['*.example.com']), false);
    assert.equal(hostAllowed('https://example.com.evil.net/', ['example.com']), false);
    assert.equal(hostAllowed('http://[::1]:8080/', ['[::1]:8080']), true);
  });

  it('without allowed_hosts only the connectors’ own hosts (and ports) are destinations', () => {
    const a = alertingSchema.parse({ connectors: [{ name: 's', url: 'https://soar.example.com/hook' }] });
    assert.equal(destinationAllowed('https://soar.example.com/other', a), true);
    assert.equal(destinationAllowed('https://soar.example.com:8443/other', a), false);
    assert.equal(destinationAllowed('https://elsewhere.example.com/', a), false);
  });
});
