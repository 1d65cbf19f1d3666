/** The generated Elastic package and OpenSearch Dashboards integration have the layout their platforms expect. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../../../src/dashboards/build.js';
import { DASHBOARDS } from '../../../src/dashboards/definitions/index.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../../../src/dashboards/elastic-package.js';

const root = repoRoot();
const pkg = join(root, 'plugin/elastic-package');
const osd = join(root, 'plugin/opensearch-dashboards/vigil');

describe('Elastic package layout', () => {
  const manifest = parseYaml(readFileSync(join(pkg, 'manifest.yml'), 'utf8')) as Record<string, any>;

  it('manifest names the package, its Kibana range, icon and screenshots that exist', () => {
    assert.equal(manifest.name, PACKAGE_NAME);
    assert.equal(manifest.version, PACKAGE_VERSION);
    assert.equal(manifest.type, 'integration');
    assert.equal(manifest.conditions.kibana.version, '^8.8.0');
    for (const img of [...manifest.icons, ...manifest.screenshots]) assert.ok(existsSync(join(pkg, img.src)), img.src);
    assert.equal(manifest.screenshots.length, DASHBOARDS.length);
  });

  it('changelog starts with the manifest version', () => {
    const changelog = parseYaml(readFileSync(join(pkg, 'changelog.yml'), 'utf8')) as { version: string; changes: unknown[] }[];
    assert.equal(changelog[0].version, manifest.version);
    assert.ok(changelog[0].changes.length > 0);
  });

  it('every Kibana asset file is named <id>.json with ids starting with the package name', () => {
    for (const folder of ['dashboard', 'index_pattern']) {
      for (const file of readdirSync(join(pkg, 'kibana', folder))) {
        const o = JSON.parse(readFileSync(join(pkg, 'kibana', folder, file), 'utf8')) as { id: string; type: string };
        assert.equal(`${o.id}.json`, file);
        assert.ok(o.id.startsWith(`${PACKAGE_NAME}-`));
        assert.equal(o.type, folder === 'dashboard' ? 'dashboard' : 'index-pattern');
      }
    }
    assert.deepEqual(readdirSync(join(pkg, 'kibana/dashboard')).sort(), DASHBOARDS.map((d) => `${d.id}.json`).sort());
    assert.ok(readFileSync(join(pkg, 'docs/README.md'), 'utf8').includes('[Vigil] Pipeline health'));
  });
});

describe('OpenSearch Dashboards integration layout', () => {
  const config = JSON.parse(readFileSync(join(osd, `${PACKAGE_NAME}-${PACKAGE_VERSION}.json`), 'utf8')) as Record<string, any>;

  it('the config points at files that exist: saved-object bundle, schemas, logo, gallery', () => {
    for (const a of config.assets) assert.ok(existsSync(join(osd, 'assets', `${a.name}-${a.version}.${a.extension}`)), a.name);
    for (const c of config.components) assert.ok(existsSync(join(osd, 'schemas', `${c.name}-${c.version}.mapping.json`)), c.name);
    assert.ok(existsSync(join(osd, 'static', config.statics.logo.path)));
    for (const g of config.statics.gallery) assert.ok(existsSync(join(osd, 'static', g.path)), g.path);
    assert.ok(existsSync(join(osd, 'info/README.md')));
  });

  it('the asset bundle is the OpenSearch Dashboards bundle', () => {
    assert.equal(
      readFileSync(join(osd, 'assets', `${PACKAGE_NAME}-${PACKAGE_VERSION}.ndjson`), 'utf8'),
      readFileSync(join(root, 'dashboards/opensearch/vigil.ndjson'), 'utf8'),
    );
  });
});
