/** The bundle checker catches each kind of broken bundle (so a green check means something). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../src/dashboards/build.js';
import { checkBundle, kqlFields, type Platform } from '../../../src/dashboards/check.js';
import { loadCatalogues } from '../../../src/dashboards/catalogues.js';

const root = repoRoot();
const catalogues = loadCatalogues(root);
type Obj = { id: string; type: string; attributes: Record<string, unknown>; references: { name: string; type: string; id: string }[]; [k: string]: unknown };

function load(platform: Platform, file = 'overview'): Obj[] {
  const dir = platform === 'kibana' ? 'kibana' : 'opensearch';
  return readFileSync(join(root, 'dashboards', dir, `${file}.ndjson`), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Obj);
}
const serialize = (objs: Obj[]) => objs.map((o) => JSON.stringify(o)).join('\n') + '\n';
const check = (platform: Platform, objs: Obj[]) => checkBundle(platform, serialize(objs), 'x.ndjson', catalogues);
const dashboardOf = (objs: Obj[]) => objs.find((o) => o.type === 'dashboard')!;

/** Edits the decoded panelsJSON of the dashboard in place. */
function editPanels(objs: Obj[], edit: (panels: Record<string, any>[]) => void): Obj[] {
  const d = dashboardOf(objs);
  const panels = JSON.parse(d.attributes.panelsJSON as string) as Record<string, any>[];
  edit(panels);
  d.attributes.panelsJSON = JSON.stringify(panels);
  return objs;
}

function assertProblem(problems: string[], pattern: RegExp): void {
  assert.ok(problems.some((p) => pattern.test(p)), `expected a problem matching ${pattern}, got:\n${problems.join('\n')}`);
}

describe('bundle checker', () => {
  it('accepts the committed bundles unchanged', () => {
    assert.deepEqual(check('kibana', load('kibana')), []);
    assert.deepEqual(check('opensearch', load('opensearch')), []);
  });

  it('reports a line that is not JSON, with its line number', () => {
    const objs = load('kibana');
    const problems = checkBundle('kibana', serialize(objs) + '{"id": oops}\n', 'x.ndjson', catalogues);
    assertProblem(problems, new RegExp(`x\\.ndjson line ${objs.length + 1} is not JSON`));
  });

  it('reports an encoded attribute that does not parse', () => {
    const objs = load('kibana');
    dashboardOf(objs).attributes.optionsJSON = '{"useMargins":';
    assertProblem(check('kibana', objs), /optionsJSON does not parse/);
  });

  it('reports a Lens field missing from the mapping', () => {
    const objs = editPanels(load('kibana'), (panels) => {
      panels.find((p) => p.panelIndex === 'top-entities')!.embeddableConfig.attributes.state.datasourceStates.formBased.layers.layer1.columns.x.sourceField = 'vigil.entity.name';
    });
    assertProblem(check('kibana', objs), /panel top-entities: field vigil\.entity\.name is not in mappings\/anomalies\.index-template\.json/);
  });

  it('reports an incompatible type and a nested field', () => {
    const objs = editPanels(load('kibana'), (panels) => {
      const cols = panels.find((p) => p.panelIndex === 'over-time')!.embeddableConfig.attributes.state.datasourceStates.formBased.layers.layer1.columns;
      cols.x.sourceField = 'vigil.score'; // date histogram on a float
      cols.split.sourceField = 'vigil.features.name'; // nested
    });
    const problems = check('kibana', objs);
    assertProblem(problems, /vigil\.score is mapped as float, which bucket:date_histogram cannot use/);
    assertProblem(problems, /vigil\.features\.name is inside the nested object vigil\.features/);
  });

  it('reports a field in a panel query that is not mapped', () => {
    const objs = editPanels(load('kibana'), (panels) => {
      panels[0].embeddableConfig.attributes.state.query.query = 'event.datasett : "vigil.anomaly"';
    });
    assertProblem(check('kibana', objs), /event\.datasett is not in/);
  });

  it('reports a missing or misnamed Lens layer reference and an unknown target', () => {
    const objs = load('kibana');
    const d = dashboardOf(objs);
    d.references = d.references.map((r) => (r.name === 'alerts:indexpattern-datasource-layer-layer1' ? { ...r, name: 'alerts:indexpattern-datasource-current-indexpattern' } : r));
    d.references.push({ name: 'jobs:indexpattern-datasource-layer-layer1', type: 'index-pattern', id: 'logs-*' });
    const problems = check('kibana', objs);
    assertProblem(problems, /panel alerts needs a dashboard reference "alerts:indexpattern-datasource-layer-layer1"/);
    assertProblem(problems, /references index-pattern:logs-\* .* which is not in the bundle/);
    assertProblem(problems, /reference alerts:indexpattern-datasource-current-indexpattern is not used/);
  });

  it('reports panels outside the grid and overlapping panels', () => {
    const objs = editPanels(load('kibana'), (panels) => {
      panels[0].gridData.x = 40; // w 12 → right edge 52
      panels[1].gridData = { ...panels[2].gridData, i: panels[1].panelIndex }; // on top of panel 2
    });
    const problems = check('kibana', objs);
    assertProblem(problems, /x 40 \+ w 12 exceeds the 48-column grid/);
    assertProblem(problems, /panel entities overlaps .*panel max-score/);
  });

  it('reports migration versions that are not the pinned ones', () => {
    const objs = load('kibana');
    dashboardOf(objs).typeMigrationVersion = '8.14.0';
    objs[0].coreMigrationVersion = '8.15.0';
    const problems = check('kibana', objs);
    assertProblem(problems, /dashboard:vigil-overview typeMigrationVersion is 8\.14\.0, expected 8\.7\.0/);
    assertProblem(problems, /coreMigrationVersion is 8\.15\.0, expected 8\.8\.0/);
    const osd = load('opensearch');
    osd[0].migrationVersion = { 'index-pattern': '7.10.0' };
    assertProblem(check('opensearch', osd), /migrationVersion is \{"index-pattern":"7\.10\.0"\}, expected \{"index-pattern":"7\.6\.0"\}/);
  });

  it('OpenSearch: reports a panelRefName out of sequence and a visualization without its index reference', () => {
    const objs = editPanels(load('opensearch'), (panels) => {
      panels[1].panelRefName = 'panel_7';
    });
    const vis = objs.find((o) => o.type === 'visualization')!;
    vis.references = [];
    const problems = check('opensearch', objs);
    assertProblem(problems, /panel 1 has panelRefName panel_7, expected panel_1/);
    assertProblem(problems, /has no index-pattern reference named kibanaSavedObjectMeta\.searchSourceJSON\.index/);
  });

  it('OpenSearch: reports an aggregation on an unmapped field', () => {
    const objs = load('opensearch');
    const vis = objs.find((o) => o.id === 'vigil-overview-top-entities')!;
    const state = JSON.parse(vis.attributes.visState as string);
    state.aggs[1].params.field = 'entity.value';
    vis.attributes.visState = JSON.stringify(state);
    assertProblem(check('opensearch', objs), /vigil-overview-top-entities visState: field entity\.value is not in/);
  });

  it('reads the fields out of the KQL Vigil writes', () => {
    assert.deepEqual(kqlFields('event.dataset : "vigil.anomaly" and vigil.is_alert : true and threat.tactic.name : *'), ['event.dataset', 'vigil.is_alert', 'threat.tactic.name']);
  });
});
