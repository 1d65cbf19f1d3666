/**
 * Severity colours are pinned in every visualization split by severity, in both products, to the
 * one palette; the dead-letter panel explains its empty state; anomaly documents never carry a
 * blank top feature.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NO_TOP_FEATURE } from '../../../src/anomaly/document.js';
import { DASHBOARDS } from '../../../src/dashboards/definitions/index.js';
import { SEVERITY_COLOURS, SEVERITY_FIELD } from '../../../src/dashboards/palette.js';

type Obj = { id: string; type: string; attributes: Record<string, unknown> };
const ndjson = (path: string): Obj[] => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Obj);

const severityPanels = DASHBOARDS.flatMap((d) => d.panels.filter((p) => p.viz.type === 'xy' && p.viz.split?.field === SEVERITY_FIELD).map((p) => p.title));

describe('dashboards: severity palette, empty states, no blank features', () => {
  it('there are severity-split panels to pin (overview: over time, by job)', () => {
    assert.deepEqual(severityPanels, ['Anomalies over time by severity', 'Anomalies by job']);
  });

  it('OpenSearch Dashboards: every severity-split visualization pins the palette in its uiState', () => {
    const visualizations = ndjson('dashboards/opensearch/vigil.ndjson').filter((o) => o.type === 'visualization');
    const pinned = visualizations.filter((v) => (JSON.parse(String(v.attributes.visState)) as { aggs: { type: string; params?: { field?: string } }[] }).aggs.some((a) => a.type === 'terms' && a.params?.field === SEVERITY_FIELD));
    assert.equal(pinned.length, severityPanels.length);
    for (const v of pinned) assert.deepEqual((JSON.parse(String(v.attributes.uiStateJSON)) as { vis: { colors: unknown } }).vis.colors, SEVERITY_COLOURS, String(v.attributes.title));
  });

  it('Kibana: every severity-split Lens layer carries the colour mapping', () => {
    type Layer = { colorMapping?: { assignments: { rule: { values: string[] }; color: { colorCode: string } }[] } };
    type LensPanel = { embeddableConfig: { attributes?: { state?: { visualization?: { layers?: Layer[] } } } } };
    const dashboards = ndjson('dashboards/kibana/vigil.ndjson').filter((o) => o.type === 'dashboard');
    const layers = dashboards.flatMap((d) => (JSON.parse(String(d.attributes.panelsJSON)) as LensPanel[]).flatMap((p) => p.embeddableConfig.attributes?.state?.visualization?.layers ?? []));
    const mappings = layers.flatMap((l) => (l.colorMapping ? [l.colorMapping.assignments] : []));
    assert.equal(mappings.length, severityPanels.length);
    for (const assignments of mappings) {
      assert.deepEqual(Object.fromEntries(assignments.map((a) => [a.rule.values[0], a.color.colorCode])), SEVERITY_COLOURS);
    }
  });

  it('the dead-letter table says what empty means, in both products', () => {
    for (const file of ['dashboards/opensearch/vigil.ndjson', 'dashboards/kibana/vigil.ndjson']) assert.match(readFileSync(file, 'utf8'), /Empty means good news: no alert was dead-lettered/);
  });

  it('a window without a standing-out feature is labelled, not blank', () => {
    assert.ok(NO_TOP_FEATURE.length > 0);
  });
});
