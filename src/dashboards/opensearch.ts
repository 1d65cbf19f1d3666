/**
 * Renders dashboard specs as OpenSearch Dashboards 2.x saved objects (the Kibana 7.10 format:
 * no Lens). Each panel becomes a `visualization` with `visState` and a search source pointing at
 * its index pattern through `indexRefName`; the dashboard references its panels as `panel_N`.
 * Controls become one input-control visualization in a row above the panels.
 */
import { SEVERITY_COLOURS, splitsBySeverity } from './palette.js';
import type { Catalogues } from './catalogues.js';
import { isNumeric, type FieldCatalogue, type MappedType } from './fields.js';
import { conditionsToKql, type Bucket, type DashboardSpec, type DataSource, type Metric, type Panel, type SourceId } from './model.js';
import type { Json, JsonRecord, Reference, SavedObject } from './saved-object.js';
import { SOURCES } from './sources.js';
import { sourcesOf } from './kibana.js';

export const OSD_VERSIONS = { visualization: '7.10.0', dashboard: '7.9.3', 'index-pattern': '7.6.0', panel: '7.9.3' } as const;

export const SEARCH_SOURCE_INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';
/** Height of the controls row OSD adds above the panels (Kibana shows controls outside the grid). */
export const OSD_CONTROLS_HEIGHT = 5;

export function osdIndexPattern(source: DataSource, catalogue: FieldCatalogue): SavedObject {
  const attributes: JsonRecord = { title: source.title, timeFieldName: source.timeField, fields: JSON.stringify(osdFieldList(catalogue)) };
  if (source.urlFields) {
    const formats: JsonRecord = {};
    for (const [field, url] of Object.entries(source.urlFields)) {
      formats[field] = { id: 'url', params: { type: 'a', urlTemplate: url.opensearch, labelTemplate: url.label } };
    }
    attributes.fieldFormatMap = JSON.stringify(formats);
  }
  return { id: source.savedObjectId, type: 'index-pattern', migrationVersion: { 'index-pattern': OSD_VERSIONS['index-pattern'] }, attributes, references: [] };
}

/** The cached field list OSD keeps in an index pattern, generated from the mapping so no refresh is needed. */
function osdFieldList(catalogue: FieldCatalogue): Json[] {
  const meta: Json[] = [
    { name: '_id', type: 'string', esTypes: ['_id'], count: 0, scripted: false, searchable: true, aggregatable: true, readFromDocValues: false },
    { name: '_index', type: 'string', esTypes: ['_index'], count: 0, scripted: false, searchable: true, aggregatable: true, readFromDocValues: false },
    { name: '_score', type: 'number', count: 0, scripted: false, searchable: false, aggregatable: false, readFromDocValues: false },
    { name: '_source', type: '_source', esTypes: ['_source'], count: 0, scripted: false, searchable: false, aggregatable: false, readFromDocValues: false },
  ];
  const fields = [...catalogue.fields.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((f): Json => {
      const entry: JsonRecord = {
        name: f.name,
        type: osdType(f.type),
        esTypes: [f.type],
        count: 0,
        scripted: false,
        searchable: true,
        aggregatable: f.type !== 'text',
        readFromDocValues: f.type !== 'text',
      };
      if (f.nestedPath) entry.subType = { nested: { path: f.nestedPath } };
      return entry;
    });
  return [...meta, ...fields];
}

function osdType(type: MappedType): string {
  if (type === 'keyword' || type === 'text') return 'string';
  if (isNumeric(type)) return 'number';
  return type;
}

export const osdVisualizationId = (spec: DashboardSpec, panel: Panel) => `${spec.id}-${panel.key}`;
export const osdControlsId = (spec: DashboardSpec) => `${spec.id}-controls`;

export function osdObjects(spec: DashboardSpec, catalogues: Catalogues): SavedObject[] {
  const patterns = sourcesOf(spec).map((id) => osdIndexPattern(SOURCES[id], catalogues[id]));
  const visualizations = spec.panels.map((p) => osdVisualization(spec, p));
  const controls = spec.controls.length > 0 ? [osdControls(spec)] : [];
  return [...patterns, ...controls, ...visualizations, osdDashboard(spec)];
}

function osdDashboard(spec: DashboardSpec): SavedObject {
  const offset = spec.controls.length > 0 ? OSD_CONTROLS_HEIGHT : 0;
  const entries: { id: string; key: string; grid: Panel['grid'] }[] = [
    ...(offset > 0 ? [{ id: osdControlsId(spec), key: 'controls', grid: { x: 0, y: 0, w: 48, h: OSD_CONTROLS_HEIGHT } }] : []),
    ...spec.panels.map((p) => ({ id: osdVisualizationId(spec, p), key: p.key, grid: { ...p.grid, y: p.grid.y + offset } })),
  ];
  const references: Reference[] = [];
  const panels: Json[] = entries.map((e, n) => {
    references.push({ name: `panel_${n}`, type: 'visualization', id: e.id });
    return {
      version: OSD_VERSIONS.panel,
      gridData: { x: e.grid.x, y: e.grid.y, w: e.grid.w, h: e.grid.h, i: e.key },
      panelIndex: e.key,
      embeddableConfig: {},
      panelRefName: `panel_${n}`,
    };
  });
  return {
    id: spec.id,
    type: 'dashboard',
    migrationVersion: { dashboard: OSD_VERSIONS.dashboard },
    attributes: {
      title: spec.title,
      hits: 0,
      description: spec.description,
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify({ hidePanelTitles: false, useMargins: true }),
      version: 1,
      timeRestore: true,
      timeFrom: spec.timeFrom,
      timeTo: 'now',
      refreshInterval: { pause: true, value: 60000 },
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
    },
    references,
  };
}

function osdControls(spec: DashboardSpec): SavedObject {
  const references: Reference[] = [];
  const controls = spec.controls.map((c, i) => {
    references.push({ name: `control_${i}_index_pattern`, type: 'index-pattern', id: SOURCES[c.source].savedObjectId });
    return {
      id: String(i + 1),
      fieldName: c.field,
      parent: '',
      label: c.label,
      type: 'list',
      options: { type: 'terms', multiselect: i !== 0, dynamicOptions: true, size: 10, order: 'desc' },
      indexPatternRefName: `control_${i}_index_pattern`,
    };
  });
  const title = `${spec.title} — controls`;
  return visualizationObject(
    osdControlsId(spec),
    title,
    { title, type: 'input_control_vis', aggs: [], params: { controls, updateFiltersOnChange: true, useTimeFilter: true, pinFilters: false } },
    {},
    { query: { query: '', language: 'kuery' }, filter: [] },
    references,
  );
}

function visualizationObject(id: string, title: string, visState: JsonRecord, uiState: JsonRecord, searchSource: JsonRecord, references: Reference[], description = ''): SavedObject {
  return {
    id,
    type: 'visualization',
    migrationVersion: { visualization: OSD_VERSIONS.visualization },
    attributes: {
      title,
      visState: JSON.stringify(visState),
      uiStateJSON: JSON.stringify(uiState),
      description,
      version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify(searchSource) },
    },
    references,
  };
}

function osdVisualization(spec: DashboardSpec, panel: Panel): SavedObject {
  const id = osdVisualizationId(spec, panel);
  const v = panel.viz;
  if (v.type === 'markdown') {
    return visualizationObject(
      id,
      panel.title,
      { title: panel.title, type: 'markdown', aggs: [], params: { fontSize: 12, openLinksInNewTab: false, markdown: v.opensearch } },
      {},
      { query: { query: '', language: 'kuery' }, filter: [] },
      [],
    );
  }
  const source = SOURCES[panel.source];
  const searchSource = { query: { query: conditionsToKql(panel.where), language: 'kuery' }, filter: [], indexRefName: SEARCH_SOURCE_INDEX_REF };
  const references: Reference[] = [{ name: SEARCH_SOURCE_INDEX_REF, type: 'index-pattern', id: source.savedObjectId }];
  const metrics = v.type === 'metric' ? [v.metric] : v.metrics;
  const aggs: Json[] = metrics.map((m, i) => metricAgg(m, String(i + 1), panel.source));
  let nextId = metrics.length + 1;
  const bucket = (b: Bucket, schema: string) => bucketAgg(b, String(nextId++), schema);
  let params: JsonRecord;
  let uiState: JsonRecord = {};
  let type: string;
  if (v.type === 'metric') {
    type = 'metric';
    params = {
      addTooltip: true,
      addLegend: false,
      type: 'metric',
      metric: {
        percentageMode: false,
        useRanges: false,
        colorSchema: 'Green to Red',
        metricColorMode: 'None',
        colorsRange: [{ from: 0, to: 10000 }],
        labels: { show: true },
        invertColors: false,
        style: { bgFill: '#000', bgColor: false, labelColor: false, subText: '', fontSize: 48 },
      },
    };
  } else if (v.type === 'table') {
    type = 'table';
    aggs.push(...v.rows.map((b) => bucket(b, 'bucket')));
    params = { perPage: v.pageSize ?? 10, showPartialRows: false, showMetricsAtAllLevels: false, sort: { columnIndex: null, direction: null }, showTotal: false, totalFunc: 'sum', percentageCol: '' };
    // Sort on the first metric column (it follows the row columns), newest / largest first.
    uiState = { vis: { params: { sort: { columnIndex: v.rows.length, direction: 'desc' } } } };
  } else {
    aggs.push(bucket(v.x, 'segment'));
    if (v.split) aggs.push(bucket(v.split, 'group'));
    type = v.series === 'line' ? 'line' : v.series === 'area' ? 'area' : v.series === 'bar_horizontal' ? 'horizontal_bar' : 'histogram';
    params = pointSeriesParams(type, v.series, metrics);
    // Legend colours pinned by series name (vislib reads uiState.vis.colors).
    if (splitsBySeverity(v.split)) uiState = { vis: { colors: { ...SEVERITY_COLOURS } } };
  }
  return visualizationObject(id, panel.title, { title: panel.title, type, aggs, params }, uiState, searchSource, references, panel.emptyText);
}

function metricAgg(m: Metric, id: string, source: SourceId): JsonRecord {
  const base = { id, enabled: true, schema: 'metric' };
  switch (m.op) {
    case 'count':
      return { ...base, type: 'count', params: { customLabel: m.label } };
    case 'unique_count':
      return { ...base, type: 'cardinality', params: { field: m.field, customLabel: m.label } };
    case 'last_value':
      return {
        ...base,
        type: 'top_hits',
        params: { field: m.field, aggregate: 'concat', size: 1, sortField: SOURCES[source].timeField, sortOrder: 'desc', customLabel: m.label },
      };
    default:
      return { ...base, type: m.op, params: { field: m.field, customLabel: m.label } };
  }
}

function bucketAgg(b: Bucket, id: string, schema: string): JsonRecord {
  const base = { id, enabled: true, schema };
  switch (b.kind) {
    case 'date_histogram':
      return {
        ...base,
        type: 'date_histogram',
        params: {
          field: b.field,
          useNormalizedOpenSearchInterval: true,
          scaleMetricValues: false,
          interval: 'auto',
          drop_partials: false,
          min_doc_count: 1,
          extended_bounds: {},
          customLabel: b.label,
        },
      };
    case 'histogram':
      return {
        ...base,
        type: 'histogram',
        params: { field: b.field, interval: b.interval, min_doc_count: false, has_extended_bounds: true, extended_bounds: { min: b.min, max: b.max }, customLabel: b.label },
      };
    case 'terms':
      return {
        ...base,
        type: 'terms',
        params: {
          field: b.field,
          orderBy: String((b.orderBy ?? 0) + 1),
          order: 'desc',
          size: b.size,
          otherBucket: false,
          otherBucketLabel: 'Other',
          missingBucket: false,
          missingBucketLabel: 'Missing',
          customLabel: b.label,
        },
      };
  }
}

/** Vislib point-series parameters (the editor fills the same defaults). */
function pointSeriesParams(type: string, series: string, metrics: readonly Metric[]): JsonRecord {
  const horizontal = type === 'horizontal_bar';
  const seriesType = type === 'line' ? 'line' : type === 'area' ? 'area' : 'histogram';
  return {
    type,
    grid: { categoryLines: false },
    categoryAxes: [
      { id: 'CategoryAxis-1', type: 'category', position: horizontal ? 'left' : 'bottom', show: true, style: {}, scale: { type: 'linear' }, labels: { show: true, filter: !horizontal, truncate: 100 }, title: {} },
    ],
    valueAxes: [
      {
        id: 'ValueAxis-1',
        name: 'LeftAxis-1',
        type: 'value',
        position: horizontal ? 'bottom' : 'left',
        show: true,
        style: {},
        scale: { type: 'linear', mode: 'normal' },
        labels: { show: true, rotate: 0, filter: false, truncate: 100 },
        title: { text: metrics.length === 1 ? metrics[0].label : '' },
      },
    ],
    seriesParams: metrics.map((m, i) => ({
      show: true,
      type: seriesType,
      mode: series === 'bar_stacked' || series === 'bar_horizontal' ? 'stacked' : 'normal',
      data: { label: m.label, id: String(i + 1) },
      valueAxis: 'ValueAxis-1',
      drawLinesBetweenPoints: true,
      lineWidth: 2,
      showCircles: true,
      interpolate: 'linear',
    })),
    addTooltip: true,
    addLegend: true,
    legendPosition: 'right',
    times: [],
    addTimeMarker: false,
    labels: { show: false },
    thresholdLine: { show: false, value: 10, width: 1, style: 'full', color: '#E7664C' },
  };
}
