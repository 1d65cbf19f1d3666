import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, redactConfig, REDACTED } from '../../../src/config/load.js';

const text = `cluster:
  urls: ["https://vigil:inline-pw@search.example:9200", "https://search-2.example:9200"]
  auth: { username: vigil, password: "\${PW}" }
jobs:
  - id: auth
    index: logs-*
alerting:
  connectors:
    - { name: soc, url: "https://hooks.example/x", secret: "\${SECRET}", token: "tok-123" }
    - { name: chat, format: slack, url: "https://hooks.slack.example/services/T000/B000/capability-xyz" }
`;

describe('redactConfig', () => {
  const config = parseConfig(text, 'redact.yaml', { PW: 'hunter2', SECRET: 'whsec_abc' });

  it('replaces passwords, connector secrets and tokens, and URL credentials', () => {
    const safe = redactConfig(config);
    assert.deepEqual(safe.cluster.auth, { username: 'vigil', password: REDACTED });
    assert.equal(safe.alerting.connectors[0].secret, REDACTED);
    assert.equal(safe.alerting.connectors[0].token, REDACTED);
    assert.equal(safe.cluster.urls[0], `https://${REDACTED}@search.example:9200`);
    assert.equal(safe.cluster.urls[1], 'https://search-2.example:9200');
    // Alerting URLs may be capability URLs: the host stays, the path goes.
    assert.equal(safe.alerting.connectors[1].url, `https://hooks.slack.example/${REDACTED}`);
    const serialized = JSON.stringify(safe);
    for (const secret of ['hunter2', 'whsec_abc', 'tok-123', 'inline-pw', 'capability-xyz'])
      assert.ok(!serialized.includes(secret), `${secret} leaked`);
  });

  it('replaces API keys and keeps everything else, without touching the original', () => {
    const withKey = parseConfig(
      'cluster: {urls: ["http://h:9200"], auth: {api_key: "c2VjcmV0"}}\njobs: [{id: a, index: x}]\n',
      'k.yaml',
      {},
    );
    const safe = redactConfig(withKey);
    assert.deepEqual(safe.cluster.auth, { api_key: REDACTED });
    assert.equal(safe.jobs[0].index, 'x');
    assert.equal(safe.output.state_index, 'vigil-state');
    assert.deepEqual(withKey.cluster.auth, { api_key: 'c2VjcmV0' });
    assert.equal(config.cluster.auth && 'password' in config.cluster.auth ? config.cluster.auth.password : '', 'hunter2');
  });
});
