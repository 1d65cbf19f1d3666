/**
 * `elastic-package lint` and `elastic-package build` pass on plugin/elastic-package, and fail on a
 * package whose dashboard breaks a Fleet rule (so the check is not vacuous). Runs
 * scripts/check-elastic-package.sh, which installs elastic-package into GOPATH/bin on first use.
 * Engine-independent; skipped only when Go is not installed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/dashboards/build.js';

const root = repoRoot();
const hasGo = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
const skip = hasGo ? false : 'Go is not installed: elastic-package (a Go tool) cannot be installed, so lint/build are not run';

function runCheck(pkgDir?: string) {
  const started = Date.now();
  const r = spawnSync('bash', [join(root, 'scripts/check-elastic-package.sh'), ...(pkgDir ? [pkgDir] : [])], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`, seconds: (Date.now() - started) / 1000 };
}

describe('Elastic package (elastic-package v0.126.0)', { skip }, () => {
  it('plugin/elastic-package passes lint and build', () => {
    const r = runCheck();
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /== elastic-package lint[\s\S]*Done[\s\S]*== elastic-package build[\s\S]*package built: vigil-0\.1\.0\.zip/);
    console.log(`# elastic-package lint + build: ${r.seconds.toFixed(1)} s`);
  });

  it('a dashboard panel without a query fails lint (Fleet requires a filter on every panel)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-pkg-'));
    try {
      const pkg = join(dir, 'vigil');
      cpSync(join(root, 'plugin/elastic-package'), pkg, { recursive: true });
      const file = join(pkg, 'kibana/dashboard/vigil-overview.json');
      const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { attributes: { panelsJSON: string } };
      const panels = JSON.parse(dashboard.attributes.panelsJSON) as {
        embeddableConfig: { attributes: { state: { query: { query: string } } } };
      }[];
      panels[0].embeddableConfig.attributes.state.query.query = '';
      dashboard.attributes.panelsJSON = JSON.stringify(panels);
      writeFileSync(file, JSON.stringify(dashboard, null, 2));
      const r = runCheck(pkg);
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, /expected filter in dashboard/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
