/**
 * The committed bundles, checked the way an import would check them, without Kibana or OpenSearch
 * Dashboards: lines parse, encoded attributes parse, references resolve under the names each
 * platform looks for, fields exist with compatible types, the grid holds, versions are pinned,
 * and the committed files equal a fresh build byte for byte.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboards, driftFromCommitted, repoRoot } from '../../../src/dashboards/build.js';
import { checkBundle } from '../../../src/dashboards/check.js';
import { loadCatalogues } from '../../../src/dashboards/catalogues.js';
import { DASHBOARDS } from '../../../src/dashboards/definitions/index.js';
import { GRID_COLUMNS } from '../../../src/dashboards/model.js';

const root = repoRoot();
const catalogues = loadCatalogues(root);
const bundles = (platform: 'kibana' | 'opensearch') =>
  readdirSync(join(root, 'dashboards', platform))
    .filter((f) => f.endsWith('.ndjson'))
    .map((f) => ({ file: `dashboards/${platform}/${f}`, text: readFileSync(join(root, 'dashboards', platform, f), 'utf8') }));

type Obj = { id: string; type: string; attributes: Record<string, unknown>; references: { name: string; type: string; id: string }[]; [k: string]: unknown };
const lines = (text: string): Obj[] => text.trimEnd().split('\n').map((l) => JSON.parse(l) as Obj);

describe('committed dashboard bundles', () => {
  it('one Kibana and one OpenSearch bundle per dashboard, plus the combined vigil.ndjson', () => {
    const expected = [...DASHBOARDS.map((d) => `${d.key}.ndjson`), 'vigil.ndjson'].sort();
    assert.deepEqual(bundles('kibana').map((b) => b.file.split('/').pop()).sort(), expected);
    assert.deepEqual(bundles('opensearch').map((b) => b.file.split('/').pop()).sort(), expected);
  });

  for (const platform of ['kibana', 'opensearch'] as const) {
    for (const { file, text } of bundles(platform)) {
      it(`${file} passes every import check`, () => {
        assert.deepEqual(checkBundle(platform, text, file, catalogues), []);
      });
    }
  }

  it('every NDJSON line and every encoded attribute parses (independently of the checker)', () => {
    let encoded = 0;
    for (const { text } of [...bundles('kibana'), ...bundles('opensearch')]) {
      for (const o of lines(text)) {
        const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON?: string } | undefined;
        for (const value of [o.attributes.panelsJSON, o.attributes.optionsJSON, o.attributes.visState, o.attributes.uiStateJSON, o.attributes.fieldFormatMap, o.attributes.fields, meta?.searchSourceJSON]) {
          if (value === undefined) continue;
          assert.equal(typeof value, 'string');
          JSON.parse(value as string);
          encoded++;
        }
      }
    }
    assert.ok(encoded > 100, `only ${encoded} encoded attributes seen`);
  });

  it('Kibana: every by-value Lens layer has its `<panelIndex>:indexpattern-datasource-layer-<layerId>` dashboard reference', () => {
    const kibana = lines(readFileSync(join(root, 'dashboards/kibana/vigil.ndjson'), 'utf8'));
    const dataViews = new Set(kibana.filter((o) => o.type === 'index-pattern').map((o) => o.id));
    let layers = 0;
    for (const d of kibana.filter((o) => o.type === 'dashboard')) {
      const panels = JSON.parse(d.attributes.panelsJSON as string) as { panelIndex: string; type: string; embeddableConfig: { attributes?: { state: { datasourceStates: { formBased: { layers: Record<string, unknown> } } } } } }[];
      for (const p of panels.filter((x) => x.type === 'lens')) {
        for (const layerId of Object.keys(p.embeddableConfig.attributes!.state.datasourceStates.formBased.layers)) {
          const ref = d.references.find((r) => r.name === `${p.panelIndex}:indexpattern-datasource-layer-${layerId}`);
          assert.ok(ref, `${d.id} panel ${p.panelIndex} layer ${layerId}`);
          assert.equal(ref.type, 'index-pattern');
          assert.ok(dataViews.has(ref.id), `${ref.id} is in the bundle`);
          layers++;
        }
      }
    }
    assert.equal(layers, DASHBOARDS.flatMap((d) => d.panels).filter((p) => p.viz.type !== 'markdown').length);
  });

  it('OpenSearch: dashboards reference their panels as panel_0…panel_N, visualizations their index pattern through indexRefName', () => {
    const osd = lines(readFileSync(join(root, 'dashboards/opensearch/vigil.ndjson'), 'utf8'));
    const ids = new Set(osd.map((o) => `${o.type}:${o.id}`));
    for (const d of osd.filter((o) => o.type === 'dashboard')) {
      const panels = JSON.parse(d.attributes.panelsJSON as string) as { panelRefName: string }[];
      panels.forEach((p, n) => {
        assert.equal(p.panelRefName, `panel_${n}`);
        const ref = d.references.find((r) => r.name === `panel_${n}`);
        assert.ok(ref && ids.has(`visualization:${ref.id}`), `${d.id} panel_${n}`);
      });
    }
    for (const v of osd.filter((o) => o.type === 'visualization')) {
      const ss = JSON.parse((v.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON) as { indexRefName?: string };
      const type = (JSON.parse(v.attributes.visState as string) as { type: string }).type;
      if (type === 'markdown' || type === 'input_control_vis') continue;
      assert.equal(ss.indexRefName, 'kibanaSavedObjectMeta.searchSourceJSON.index');
      const ref = v.references.find((r) => r.name === ss.indexRefName);
      assert.ok(ref && ids.has(`index-pattern:${ref.id}`), v.id);
    }
  });

  it('migration versions are pinned to the oldest supported releases', () => {
    const kibana = lines(readFileSync(join(root, 'dashboards/kibana/vigil.ndjson'), 'utf8'));
    const kibanaPinned: Record<string, string> = { 'index-pattern': '8.0.0', lens: '8.9.0', dashboard: '8.7.0' };
    for (const o of kibana) {
      assert.equal(o.coreMigrationVersion, '8.8.0', o.id);
      assert.equal(o.typeMigrationVersion, kibanaPinned[o.type], o.id);
    }
    const osd = lines(readFileSync(join(root, 'dashboards/opensearch/vigil.ndjson'), 'utf8'));
    const osdPinned: Record<string, string> = { visualization: '7.10.0', dashboard: '7.9.3', 'index-pattern': '7.6.0' };
    for (const o of osd) assert.deepEqual(o.migrationVersion, { [o.type]: osdPinned[o.type] }, o.id);
    assert.deepEqual([...new Set(kibana.map((o) => o.type))].sort(), ['dashboard', 'index-pattern']);
    assert.deepEqual([...new Set(osd.map((o) => o.type))].sort(), ['dashboard', 'index-pattern', 'visualization']);
  });

  it('panels fit the 48-column grid (Kibana layout as specified; OSD shifted below its controls row)', () => {
    const kibana = lines(readFileSync(join(root, 'dashboards/kibana/vigil.ndjson'), 'utf8'));
    for (const d of kibana.filter((o) => o.type === 'dashboard')) {
      const panels = JSON.parse(d.attributes.panelsJSON as string) as { gridData: { x: number; w: number } }[];
      assert.ok(panels.every((p) => p.gridData.x + p.gridData.w <= GRID_COLUMNS));
      // Every row is filled edge to edge: the widest right edge is the full grid.
      assert.equal(Math.max(...panels.map((p) => p.gridData.x + p.gridData.w)), GRID_COLUMNS);
    }
  });

  it('the committed bundles, previews and packages equal a fresh build, byte for byte', () => {
    const { files } = buildDashboards(root);
    const drift = driftFromCommitted(root, files);
    assert.deepEqual(drift, { changed: [], stale: [] }, 'run `npx tsx scripts/build-dashboards.ts` and commit the result');
    assert.ok(files.size >= 30);
  });
});
