/**
 * `vigil alerts test` as an admin runs it (a child process, no cluster) against a receiver that
 * verifies the Standard Webhooks signature with its own copy of the secret. Here rather than in
 * test/unit because each CLI start costs seconds; it needs no engine (`alerts replay` is covered
 * on both engines in alerting-dispatcher.test.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReceiver, type Receiver } from '../unit/alerting/support/receiver.js';
import { verifyWebhook } from '../unit/alerting/support/verify-standard-webhooks.js';
import { TEST_SECRET } from '../unit/alerting/support/config.js';

let receiver: Receiver;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-cli-'));
  // The receiver knows the right secret and refuses anything that does not verify.
  receiver = await startReceiver((req) =>
    verifyWebhook(TEST_SECRET, req.headers, req.body).ok
      ? { status: 202, body: '{"status":"queued"}' }
      : { status: 401, body: '{"error":"invalid signature"}' },
  );
});
after(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, secretRef: string, extra = ''): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      'cluster: { urls: ["http://127.0.0.1:1"] }',
      'jobs: [{ id: auth, index: "logs-*" }]',
      'alerting:',
      '  connectors:',
      `    - { name: soar, format: generic, url: "${receiver.url}/vigil", secret: "${secretRef}" }`,
      extra,
    ].join('\n'),
  );
  return file;
}

/** Runs the CLI without blocking this process's event loop (the receiver lives here). */
function vigil(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: 'error', ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

describe('vigil alerts test', () => {
  it('succeeds against a receiver that verifies the signature (secret from the environment)', async () => {
    const config = writeConfig('ok.yaml', '${VIGIL_TEST_HOOK_SECRET}');
    const before = receiver.accepted.length;
    const run = await vigil(['alerts', 'test', '--config', config], { VIGIL_TEST_HOOK_SECRET: TEST_SECRET });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /✓ soar \(generic\) → http:\/\/127\.0\.0\.1:\d+/);
    assert.match(run.stdout, /accepted \(HTTP 202\); the request was signed/);
    assert.match(run.stdout, /status: 202 {3}time: \d+ ms {3}webhook-id: vigil_test-[0-9a-f]{32} {3}signed: yes/);
    assert.match(run.stdout, /answer: \{"status":"queued"\}/);
    assert.equal(receiver.accepted.length, before + 1);
    assert.ok(!run.stdout.includes(TEST_SECRET) && !run.stderr.includes(TEST_SECRET), 'the secret is never printed');
  });

  it('reports the receiver rejecting a wrong secret clearly, and exits non-zero', async () => {
    const config = writeConfig('wrong.yaml', 'whsec_' + Buffer.from('not the receiver key').toString('base64'));
    const run = await vigil(['alerts', 'test', '--config', config]);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /✗ soar \(generic\)/);
    assert.match(
      run.stdout,
      /REJECTED by the receiver with HTTP 401: signature or credential refused — check that the signing secret \(alerting\.connectors "soar"\.secret\) does not match the receiver's/,
    );
    assert.match(run.stdout, /answer: \{"error":"invalid signature"\}/);
  });

  it('--format and --url override the connector; --json prints the report; a disallowed --url is refused', async () => {
    const config = writeConfig('fmt.yaml', TEST_SECRET, `  allowed_hosts: ["127.0.0.1"]`);
    const run = await vigil([
      'alerts',
      'test',
      '--config',
      config,
      '--format',
      'thehive',
      '--url',
      `${receiver.url}/api/v1/alert`,
      '--json',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { ok: boolean; format: string; status: number; messageId: string };
    assert.deepEqual([report.ok, report.format, report.status], [true, 'thehive', 202]);
    const last = receiver.requests.at(-1);
    assert.equal(last?.path, '/api/v1/alert');
    assert.equal((JSON.parse(last?.body ?? '{}') as { sourceRef: string }).sourceRef, report.messageId);

    const denied = await vigil(['alerts', 'test', '--config', config, '--url', 'http://198.51.100.1:9/x']);
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /--url host "198\.51\.100\.1:9" is not allowed: add it to alerting\.allowed_hosts/);

    const badFormat = await vigil(['alerts', 'test', '--config', config, '--format', 'pagerduty']);
    assert.equal(badFormat.status, 2);
    assert.match(badFormat.stderr, /--format: expected one of generic, thehive, splunk-soar, xsoar, shuffle, slack/);
  });

  it('reports a receiver that is down as no answer', async () => {
    const config = writeConfig('down.yaml', TEST_SECRET, `  allowed_hosts: ["127.0.0.1"]`);
    const run = await vigil(['alerts', 'test', '--config', config, '--url', 'http://127.0.0.1:1/x']);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /no answer: connection failed \(ECONNREFUSED\)/);
  });
});
