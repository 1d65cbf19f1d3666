/**
 * Renders dashboard specs as Kibana 8.x saved objects: one data view per source and one dashboard
 * whose panels are by-value Lens visualizations (no separate lens objects to lose or mis-reference).
 * Migration versions are pinned to the oldest supported release (Kibana 8.8+, REFERENCE.md §4) so
 * every 8.x from there on migrates the objects forward on import.
 */
import { fieldType, type Catalogues } from './catalogues.js';
import { isNumeric, type MappedType } from './fields.js';
import { conditionsToKql, type Bucket, type DashboardSpec, type DataSource, type Metric, type Panel, type SourceId } from './model.js';
import { SEVERITY_COLOURS, splitsBySeverity } from './palette.js';
import type { Json, JsonRecord, Reference, SavedObject } from './saved-object.js';
import { SOURCES } from './sources.js';

export const KIBANA_VERSIONS = {
  core: '8.8.0',
  'index-pattern': '8.0.0',
  lens: '8.9.0',
  dashboard: '8.7.0',
  /** By-value panels carry the version of the dashboard format they were written for. */
  panel: '8.8.0',
} as const;

/** The single Lens layer every Vigil panel uses. */
export const LENS_LAYER = 'layer1';
export const lensLayerReference = (layerId: string) => `indexpattern-datasource-layer-${layerId}`;
export const controlReference = (controlId: string) => `controlGroup_${controlId}:optionsListDataView`;

export function kibanaDataView(source: DataSource): SavedObject {
  const attributes: JsonRecord = { title: source.title, name: source.name, timeFieldName: source.timeField };
  if (source.urlFields) {
    const formats: JsonRecord = {};
    for (const [field, url] of Object.entries(source.urlFields)) {
      formats[field] = { id: 'url', params: { type: 'a', urlTemplate: url.kibana, labelTemplate: url.label } };
    }
    attributes.fieldFormatMap = JSON.stringify(formats);
  }
  return {
    id: source.savedObjectId,
    type: 'index-pattern',
    managed: false,
    coreMigrationVersion: KIBANA_VERSIONS.core,
    typeMigrationVersion: KIBANA_VERSIONS['index-pattern'],
    attributes,
    references: [],
  };
}

/** Data views first, then the dashboard: an import resolves references within the file. */
export function kibanaObjects(spec: DashboardSpec, catalogues: Catalogues): SavedObject[] {
  const sources = sourcesOf(spec).map((id) => kibanaDataView(SOURCES[id]));
  return [...sources, kibanaDashboard(spec, catalogues)];
}

export function sourcesOf(spec: DashboardSpec): SourceId[] {
  const ids = new Set<SourceId>([...spec.panels.filter((p) => p.viz.type !== 'markdown').map((p) => p.source), ...spec.controls.map((c) => c.source)]);
  return (Object.keys(SOURCES) as SourceId[]).filter((id) => ids.has(id));
}

function kibanaDashboard(spec: DashboardSpec, catalogues: Catalogues): SavedObject {
  const references: Reference[] = [];
  const panels: Json[] = spec.panels.map((panel) => {
    const rendered = kibanaPanel(panel, catalogues);
    references.push(...rendered.references);
    return rendered.panel;
  });
  const attributes: JsonRecord = {
    title: spec.title,
    description: spec.description,
    panelsJSON: JSON.stringify(panels),
    optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, syncCursor: true, syncTooltips: false, hidePanelTitles: false }),
    timeRestore: true,
    timeFrom: spec.timeFrom,
    timeTo: 'now',
    refreshInterval: { pause: true, value: 60000 },
    kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
  };
  if (spec.controls.length > 0) {
    const controls: JsonRecord = {};
    spec.controls.forEach((c, order) => {
      const id = `${spec.key}-${c.key}`;
      controls[id] = {
        order,
        width: 'medium',
        grow: true,
        type: 'optionsListControl',
        explicitInput: { id, fieldName: c.field, title: c.label, singleSelect: order === 0, enhancements: {} },
      };
      references.push({ name: controlReference(id), type: 'index-pattern', id: SOURCES[c.source].savedObjectId });
    });
    attributes.controlGroupInput = {
      controlStyle: 'oneLine',
      chainingSystem: 'HIERARCHICAL',
      panelsJSON: JSON.stringify(controls),
      ignoreParentSettingsJSON: JSON.stringify({ ignoreFilters: false, ignoreQuery: false, ignoreTimerange: false, ignoreValidations: false }),
    };
  }
  return {
    id: spec.id,
    type: 'dashboard',
    managed: false,
    coreMigrationVersion: KIBANA_VERSIONS.core,
    typeMigrationVersion: KIBANA_VERSIONS.dashboard,
    attributes,
    references,
  };
}

/** A by-value panel and the dashboard references it needs (`<panelIndex>:<lens reference name>`). */
function kibanaPanel(panel: Panel, catalogues: Catalogues): { panel: Json; references: Reference[] } {
  const gridData = { x: panel.grid.x, y: panel.grid.y, w: panel.grid.w, h: panel.grid.h, i: panel.key };
  const v = panel.viz;
  if (v.type === 'markdown') {
    const savedVis: JsonRecord = {
      title: panel.title,
      description: '',
      type: 'markdown',
      params: { fontSize: 12, openLinksInNewTab: false, markdown: v.kibana },
      uiState: {},
      data: { aggs: [], searchSource: { query: { query: '', language: 'kuery' }, filter: [] } },
    };
    return {
      panel: { version: KIBANA_VERSIONS.panel, type: 'visualization', gridData, panelIndex: panel.key, embeddableConfig: { savedVis, enhancements: {} }, title: panel.title },
      references: [],
    };
  }
  const source = SOURCES[panel.source];
  const lensRef: Reference = { type: 'index-pattern', id: source.savedObjectId, name: lensLayerReference(LENS_LAYER) };
  const attributes: JsonRecord = {
    title: panel.title,
    description: panel.emptyText ?? '',
    visualizationType: lensVisualizationType(panel),
    type: 'lens',
    references: [{ ...lensRef }],
    state: {
      visualization: lensVisualization(panel),
      query: { query: conditionsToKql(panel.where), language: 'kuery' },
      filters: [],
      datasourceStates: { formBased: { layers: { [LENS_LAYER]: lensLayer(panel, catalogues) } } },
      internalReferences: [],
      adHocDataViews: {},
    },
  };
  return {
    panel: {
      version: KIBANA_VERSIONS.panel,
      type: 'lens',
      gridData,
      panelIndex: panel.key,
      embeddableConfig: { attributes, enhancements: {}, ...(panel.emptyText ? { description: panel.emptyText } : {}) },
      title: panel.title,
    },
    references: [{ ...lensRef, name: `${panel.key}:${lensRef.name}` }],
  };
}

function lensVisualizationType(panel: Panel): string {
  switch (panel.viz.type) {
    case 'metric':
      return 'lnsMetric';
    case 'table':
      return 'lnsDatatable';
    default:
      return 'lnsXY';
  }
}

/** Column ids: buckets "x", "split", "row0…", metrics "m0…" (the raw query uses the same names). */
function bucketColumns(panel: Panel): [string, Bucket][] {
  const v = panel.viz;
  if (v.type === 'xy') return [['x', v.x], ...(v.split ? ([['split', v.split]] as [string, Bucket][]) : [])];
  if (v.type === 'table') return v.rows.map((b, i) => [`row${i}`, b]);
  return [];
}

function metricColumns(panel: Panel): [string, Metric][] {
  const v = panel.viz;
  if (v.type === 'metric') return [['m0', v.metric]];
  if (v.type === 'xy' || v.type === 'table') return v.metrics.map((m, i) => [`m${i}`, m]);
  return [];
}

function lensVisualization(panel: Panel): JsonRecord {
  const v = panel.viz;
  const metrics = metricColumns(panel).map(([id]) => id);
  if (v.type === 'metric') return { layerId: LENS_LAYER, layerType: 'data', metricAccessor: 'm0' };
  if (v.type === 'table') {
    const rows = bucketColumns(panel).map(([id]) => id);
    return {
      layerId: LENS_LAYER,
      layerType: 'data',
      columns: [...rows, ...metrics].map((columnId) => ({ columnId, isTransposed: false })),
      sorting: { columnId: rows.length > 0 ? 'm0' : metrics[0], direction: 'desc' },
      paging: { size: v.pageSize ?? 10, enabled: true },
    };
  }
  if (v.type !== 'xy') throw new Error(`panel ${panel.key}: no Lens visualization for ${v.type}`);
  const layer: JsonRecord = {
    layerId: LENS_LAYER,
    layerType: 'data',
    seriesType: v.series,
    xAccessor: 'x',
    accessors: metrics,
    palette: { type: 'palette', name: 'default' },
  };
  if (v.split) layer.splitAccessor = 'split';
  // Pinned severity colours (Lens colour mapping, Kibana 8.10+; 8.8–8.9 ignore it and use the default palette).
  if (splitsBySeverity(v.split)) layer.colorMapping = severityColorMapping();
  return {
    legend: { isVisible: v.split !== undefined || metrics.length > 1, position: 'right' },
    valueLabels: 'hide',
    fittingFunction: 'None',
    axisTitlesVisibilitySettings: { x: true, yLeft: true, yRight: true },
    tickLabelsVisibilitySettings: { x: true, yLeft: true, yRight: true },
    gridlinesVisibilitySettings: { x: true, yLeft: true, yRight: true },
    preferredSeriesType: v.series,
    layers: [layer],
  };
}

function severityColorMapping(): JsonRecord {
  return {
    assignments: Object.entries(SEVERITY_COLOURS).map(([severity, colorCode]) => ({
      rule: { type: 'matchExactly', values: [severity] },
      color: { type: 'colorCode', colorCode },
      touched: true,
    })),
    specialAssignments: [{ rule: { type: 'other' }, color: { type: 'loop' }, touched: false }],
    paletteId: 'eui_amsterdam_color_blind',
    colorMode: { type: 'categorical' },
  };
}

export function lensDataType(type: MappedType): string {
  if (type === 'keyword' || type === 'text') return 'string';
  if (isNumeric(type)) return 'number';
  return type; // ip, boolean, date
}

function lensLayer(panel: Panel, catalogues: Catalogues): JsonRecord {
  const columns: JsonRecord = {};
  const buckets = bucketColumns(panel);
  const metrics = metricColumns(panel);
  for (const [id, b] of buckets) columns[id] = lensBucketColumn(b, panel.source, catalogues);
  for (const [id, m] of metrics) columns[id] = lensMetricColumn(m, panel.source, catalogues);
  return { columns, columnOrder: [...buckets.map(([id]) => id), ...metrics.map(([id]) => id)], incompleteColumns: {}, sampling: 1 };
}

function lensBucketColumn(b: Bucket, source: SourceId, catalogues: Catalogues): JsonRecord {
  const base = { label: b.label, customLabel: true, sourceField: b.field, isBucketed: true };
  switch (b.kind) {
    case 'date_histogram':
      return { ...base, dataType: 'date', operationType: 'date_histogram', scale: 'interval', params: { interval: 'auto', includeEmptyRows: true, dropPartials: false } };
    case 'histogram':
      return {
        ...base,
        dataType: 'number',
        operationType: 'range',
        scale: 'interval',
        params: { type: 'histogram', maxBars: Math.round((b.max - b.min) / b.interval), ranges: [{ from: b.min, to: b.max, label: '' }], includeEmptyRows: true },
      };
    case 'terms':
      return {
        ...base,
        dataType: lensDataType(fieldType(catalogues, source, b.field)),
        operationType: 'terms',
        scale: 'ordinal',
        params: {
          size: b.size,
          orderBy: { type: 'column', columnId: `m${b.orderBy ?? 0}` },
          orderDirection: 'desc',
          otherBucket: false,
          missingBucket: false,
          parentFormat: { id: 'terms' },
          include: [],
          exclude: [],
          includeIsRegex: false,
          excludeIsRegex: false,
        },
      };
  }
}

function lensMetricColumn(m: Metric, source: SourceId, catalogues: Catalogues): JsonRecord {
  if (m.op === 'count') {
    return { label: m.label, customLabel: true, dataType: 'number', operationType: 'count', isBucketed: false, scale: 'ratio', sourceField: '___records___', params: { emptyAsNull: true } };
  }
  const dataType = m.op === 'unique_count' ? 'number' : lensDataType(fieldType(catalogues, source, m.field));
  if (m.op === 'last_value') {
    return {
      label: m.label,
      customLabel: true,
      dataType,
      operationType: 'last_value',
      isBucketed: false,
      scale: dataType === 'number' ? 'ratio' : 'ordinal',
      sourceField: m.field,
      params: { sortField: SOURCES[source].timeField, showArrayValues: true },
    };
  }
  return { label: m.label, customLabel: true, dataType, operationType: m.op, isBucketed: false, scale: 'ratio', sourceField: m.field, params: { emptyAsNull: true } };
}
