/** Build-time checks on the dashboard specs, the raw-query translation and the previews. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildDashboards, DashboardBuildError, repoRoot } from '../../../src/dashboards/build.js';
import { loadCatalogues } from '../../../src/dashboards/catalogues.js';
import { catalogueFromTemplate } from '../../../src/dashboards/fields.js';
import { DASHBOARDS } from '../../../src/dashboards/definitions/index.js';
import { conditionsToKql, type DashboardSpec, type Panel } from '../../../src/dashboards/model.js';
import { panelData, panelSearch } from '../../../src/dashboards/query.js';
import { dashboardSvg } from '../../../src/dashboards/preview.js';
import { kibanaObjects } from '../../../src/dashboards/kibana.js';
import { specProblems } from '../../../src/dashboards/validate.js';

const root = repoRoot();
const catalogues = loadCatalogues(root);
const overview = DASHBOARDS[0];
const panel = (spec: DashboardSpec, key: string): Panel => {
  const p = spec.panels.find((x) => x.key === key);
  assert.ok(p, key);
  return p;
};

describe('dashboard specs', () => {
  it('the shipped specs have no problems and cover the three dashboards of issue 7', () => {
    for (const spec of DASHBOARDS) assert.deepEqual(specProblems(spec, catalogues), [], spec.id);
    assert.deepEqual(DASHBOARDS.map((d) => d.id), ['vigil-overview', 'vigil-entity-investigation', 'vigil-pipeline-health']);
  });

  it('the Overview shows the issue\'s panels: severity over time, top entities, score distribution, ATT&CK, jobs, latest alerts with narrative', () => {
    const fields = overview.panels.map((p) => JSON.stringify(p.viz));
    for (const f of ['vigil.severity', 'vigil.entity.value', 'vigil.score', 'threat.tactic.name', 'threat.technique.id', 'vigil.job_id', 'event.reason', 'vigil.explanation']) {
      assert.ok(fields.some((v) => v.includes(`"${f}"`)), f);
    }
  });

  it('mapping drift fails the build: a field renamed in the mapping is reported with the panel and the file', () => {
    const template = JSON.parse(JSON.stringify({ index_patterns: ['vigil-anomalies*'], template: { mappings: { properties: { '@timestamp': { type: 'date' }, vigil: { properties: { score: { type: 'float' } } } } } } }));
    const tiny = { ...catalogues, anomalies: catalogueFromTemplate(JSON.stringify(template), 'tiny.json') };
    const problems = specProblems(overview, tiny);
    assert.ok(problems.some((p) => p === 'vigil-overview panel "entities": field vigil.entity.value is not in tiny.json'), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('panel "alerts": field event.dataset is not in tiny.json')));
  });

  it('reports grid overflow, overlap, an unknown field, a nested field and ordering by last_value', () => {
    const bad: DashboardSpec = {
      ...overview,
      panels: [
        { ...panel(overview, 'alerts'), grid: { x: 40, y: 0, w: 12, h: 5 } },
        { ...panel(overview, 'entities'), grid: { x: 30, y: 2, w: 12, h: 5 } },
        {
          key: 'bad',
          title: 'Bad',
          source: 'anomalies',
          where: [{ field: 'event.dataset', equals: 'vigil.anomaly' }],
          grid: { x: 0, y: 10, w: 10, h: 5 },
          viz: {
            type: 'table',
            rows: [{ kind: 'terms', field: 'vigil.features.name', label: 'Feature', size: 5, orderBy: 0 }],
            metrics: [{ op: 'last_value', field: 'vigil.nope', label: 'x' }],
          },
        },
      ],
    };
    const problems = specProblems(bad, catalogues).join('\n');
    assert.match(problems, /panel "alerts": x 40 \+ w 12 exceeds the 48-column grid/);
    assert.match(problems, /panel "alerts" overlaps .*panel "entities"/);
    assert.match(problems, /field vigil\.features\.name is inside the nested object vigil\.features/);
    assert.match(problems, /field vigil\.nope is not in mappings\/anomalies\.index-template\.json/);
    assert.match(problems, /cannot be ordered by a last_value metric/);
    assert.throws(() => buildDashboards(root, [bad]), (e: unknown) => e instanceof DashboardBuildError && e.problems.length >= 5);
  });

  it('renders conditions as KQL with quoting', () => {
    assert.equal(conditionsToKql([{ field: 'event.dataset', equals: 'vigil.anomaly' }, { field: 'vigil.is_alert', equals: true }, { field: 'threat.tactic.name', exists: true }]), 'event.dataset : "vigil.anomaly" and vigil.is_alert : true and threat.tactic.name : *');
    assert.equal(conditionsToKql([{ field: 'a', equals: 'say "hi"' }]), 'a : "say \\"hi\\""');
  });
});

describe('raw query translation', () => {
  it('an xy panel becomes date_histogram > terms with the panel conditions as filters', () => {
    const q = panelSearch(panel(overview, 'over-time'));
    assert.deepEqual(q, {
      source: 'anomalies',
      body: {
        size: 0,
        track_total_hits: true,
        query: { bool: { filter: [{ term: { 'event.dataset': 'vigil.anomaly' } }] } },
        aggs: { x: { date_histogram: { field: '@timestamp', fixed_interval: '1h', min_doc_count: 1 }, aggs: { split: { terms: { field: 'vigil.severity', size: 4, order: { _count: 'desc' } } } } } },
      },
    });
  });

  it('a table orders rows by its metric and reads last values through top_hits', () => {
    const q = panelSearch(panel(overview, 'latest-alerts'));
    const row = (q?.body.aggs as Record<string, any>).row0;
    assert.deepEqual(row.terms, { field: 'event.reason', size: 50, order: { m0: 'desc' } });
    assert.deepEqual(row.aggs.m0, { max: { field: '@timestamp' } });
    assert.deepEqual(row.aggs.m1, { top_hits: { size: 1, sort: [{ '@timestamp': { order: 'desc' } }], _source: { includes: ['vigil.entity.value'] } } });
    assert.deepEqual((q?.body.query as any).bool.filter[1], { term: { 'vigil.is_alert': true } });
  });

  it('panelData counts the rows the chart would draw and needs every metric set', () => {
    const p = panel(overview, 'latest-alerts');
    const bucket = (reason: string, entity?: string) => ({
      key: reason,
      doc_count: 1,
      m0: { value: 1 },
      m1: { hits: { hits: entity ? [{ _source: { vigil: { entity: { value: entity } } } }] : [] } },
      m2: { value: 90 },
      m3: { hits: { hits: [{ _source: { vigil: { severity: 'critical' } } }] } },
      m4: { hits: { hits: [{ _source: { vigil: { explanation: 'x' } } }] } },
    });
    const data = panelData(p, { hits: { total: { value: 2 } }, aggregations: { row0: { buckets: [bucket('a', 'alice'), bucket('b')] } } });
    assert.equal(data.rows, 2);
    assert.equal(data.completeRows, 1);
    assert.equal(data.sample?.m1, 'alice');
    assert.deepEqual(panelData(panel(overview, 'alerts'), { hits: { total: { value: 0 } }, aggregations: {} }), { rows: 0, completeRows: 0 });
    assert.equal(panelSearch(panel(DASHBOARDS[1], 'how-to')), undefined);
  });
});

describe('layout previews', () => {
  it('draws one box per panel with its title, and the controls, deterministically', () => {
    const spec = DASHBOARDS[1];
    const dashboard = kibanaObjects(spec, catalogues).find((o) => o.type === 'dashboard');
    assert.ok(dashboard);
    const svg = dashboardSvg(dashboard);
    assert.equal(svg, dashboardSvg(dashboard));
    assert.equal((svg.match(/<g><rect /g) ?? []).length, spec.panels.length);
    assert.ok(svg.includes('>Score over time<'));
    assert.ok(svg.includes('Entity ▾'));
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="992" height="\d+"/);
  });
});
