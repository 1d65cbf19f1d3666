/**
 * Checks a rendered NDJSON bundle the way an import would, without a running Kibana or OpenSearch
 * Dashboards: every line parses, every JSON-encoded attribute parses, every reference resolves
 * inside the bundle under the name the platform looks for, every field a panel reads exists in the
 * mapping with a compatible type, panels fit the grid without overlapping, and migration versions
 * are the pinned ones. It reads the bundle only (not the specs), so it also catches renderer bugs.
 */
import type { Catalogues } from './catalogues.js';
import { fieldProblem } from './compat.js';
import type { FieldCatalogue } from './fields.js';
import { KIBANA_VERSIONS, controlReference, lensLayerReference } from './kibana.js';
import type { FieldUse, Grid, SourceId } from './model.js';
import { OSD_VERSIONS, SEARCH_SOURCE_INDEX_REF } from './opensearch.js';
import { isRecord } from '../guards.js';
import { parseNdjson, type SavedObject } from './saved-object.js';
import { SOURCES } from './sources.js';
import { gridProblems } from './validate.js';

export type Platform = 'kibana' | 'opensearch';

interface Ctx {
  readonly file: string;
  readonly problems: string[];
  readonly objects: readonly SavedObject[];
  readonly catalogues: Catalogues;
}

/** All problems found in one NDJSON bundle (empty when it is sound). */
export function checkBundle(platform: Platform, text: string, file: string, catalogues: Catalogues): string[] {
  let objects: SavedObject[];
  try {
    objects = parseNdjson(text, file);
  } catch (error) {
    return [(error as Error).message];
  }
  const ctx: Ctx = { file, problems: [], objects, catalogues };
  if (!text.endsWith('\n')) ctx.problems.push(`${file}: the last line must end with a newline`);
  const seen = new Set<string>();
  for (const o of objects) {
    const key = `${o.type}:${o.id}`;
    if (seen.has(key)) ctx.problems.push(`${file}: ${key} appears twice`);
    seen.add(key);
    checkMigrationVersions(platform, o, ctx);
    for (const r of o.references) {
      if (!objects.some((t) => t.type === r.type && t.id === r.id)) ctx.problems.push(`${file}: ${key} references ${r.type}:${r.id} (${r.name}), which is not in the bundle`);
    }
    if (o.type === 'index-pattern') checkIndexPattern(o, ctx);
    else if (o.type === 'dashboard') (platform === 'kibana' ? checkKibanaDashboard : checkOsdDashboard)(o, ctx);
    else if (o.type === 'visualization' && platform === 'opensearch') checkOsdVisualization(o, ctx);
    else ctx.problems.push(`${file}: ${key} has a type the ${platform} bundle does not ship`);
  }
  return ctx.problems;
}

function checkMigrationVersions(platform: Platform, o: SavedObject, ctx: Ctx): void {
  const key = `${o.type}:${o.id}`;
  if (platform === 'kibana') {
    const expected = (KIBANA_VERSIONS as Record<string, string>)[o.type];
    if (o.coreMigrationVersion !== KIBANA_VERSIONS.core) ctx.problems.push(`${ctx.file}: ${key} coreMigrationVersion is ${o.coreMigrationVersion}, expected ${KIBANA_VERSIONS.core}`);
    if (!expected || o.typeMigrationVersion !== expected) ctx.problems.push(`${ctx.file}: ${key} typeMigrationVersion is ${o.typeMigrationVersion}, expected ${expected}`);
    if (o.migrationVersion) ctx.problems.push(`${ctx.file}: ${key} has a legacy migrationVersion`);
  } else {
    const expected = (OSD_VERSIONS as Record<string, string>)[o.type];
    const mv = o.migrationVersion;
    if (!expected || mv?.[o.type] !== expected || Object.keys(mv).length !== 1) ctx.problems.push(`${ctx.file}: ${key} migrationVersion is ${JSON.stringify(mv)}, expected {"${o.type}":"${expected}"}`);
    if (o.coreMigrationVersion || o.typeMigrationVersion) ctx.problems.push(`${ctx.file}: ${key} carries Kibana 8 migration fields OpenSearch Dashboards does not know`);
  }
}

/** Parses a JSON-encoded attribute, recording a problem when it does not parse. */
function decode(o: SavedObject, path: string, value: unknown, ctx: Ctx): unknown {
  if (typeof value !== 'string') {
    ctx.problems.push(`${ctx.file}: ${o.type}:${o.id} ${path} must be a JSON-encoded string`);
    return undefined;
  }
  try {
    return JSON.parse(value);
  } catch (error) {
    ctx.problems.push(`${ctx.file}: ${o.type}:${o.id} ${path} does not parse: ${(error as Error).message}`);
    return undefined;
  }
}

function searchSource(o: SavedObject, ctx: Ctx): Record<string, unknown> | undefined {
  const meta = o.attributes.kibanaSavedObjectMeta;
  const parsed = decode(o, 'kibanaSavedObjectMeta.searchSourceJSON', isRecord(meta) ? meta.searchSourceJSON : undefined, ctx);
  return isRecord(parsed) ? parsed : undefined;
}

function sourceOfDataView(id: string): SourceId | undefined {
  return (Object.keys(SOURCES) as SourceId[]).find((s) => SOURCES[s].savedObjectId === id);
}

function catalogueFor(o: SavedObject, dataViewId: string, ctx: Ctx): FieldCatalogue | undefined {
  const source = sourceOfDataView(dataViewId);
  if (!source) {
    ctx.problems.push(`${ctx.file}: ${o.type}:${o.id} reads data view ${dataViewId}, which is not one of Vigil's sources`);
    return undefined;
  }
  return ctx.catalogues[source];
}

function checkFields(o: SavedObject, where: string, catalogue: FieldCatalogue | undefined, uses: FieldUse[], ctx: Ctx): void {
  if (!catalogue) return;
  for (const use of uses) {
    const problem = fieldProblem(use, catalogue);
    if (problem) ctx.problems.push(`${ctx.file}: ${o.type}:${o.id} ${where}: ${problem}`);
  }
}

/** Fields named in a KQL string of the form Vigil writes (`field : value and …`). */
export function kqlFields(query: string): string[] {
  return [...query.matchAll(/([A-Za-z0-9_@.]+)\s*:/g)].map((m) => m[1]);
}

function checkIndexPattern(o: SavedObject, ctx: Ctx): void {
  const source = sourceOfDataView(o.id);
  if (!source) return void ctx.problems.push(`${ctx.file}: index-pattern:${o.id} is not one of Vigil's sources`);
  if (o.attributes.title !== SOURCES[source].title) ctx.problems.push(`${ctx.file}: index-pattern:${o.id} title ${String(o.attributes.title)} is not ${SOURCES[source].title}`);
  const catalogue = ctx.catalogues[source];
  if (!catalogue.fields.has(String(o.attributes.timeFieldName))) ctx.problems.push(`${ctx.file}: index-pattern:${o.id} time field ${String(o.attributes.timeFieldName)} is not mapped`);
  if (o.attributes.fieldFormatMap !== undefined) {
    const formats = decode(o, 'fieldFormatMap', o.attributes.fieldFormatMap, ctx);
    if (isRecord(formats)) checkFields(o, 'fieldFormatMap', catalogue, Object.keys(formats).map((field) => ({ field, as: 'filter' })), ctx);
  }
  if (o.attributes.fields !== undefined) {
    const fields = decode(o, 'fields', o.attributes.fields, ctx);
    if (!Array.isArray(fields)) ctx.problems.push(`${ctx.file}: index-pattern:${o.id} fields is not a list`);
    else for (const f of fields) if (isRecord(f) && typeof f.name === 'string' && !f.name.startsWith('_') && !catalogue.fields.has(f.name)) ctx.problems.push(`${ctx.file}: index-pattern:${o.id} lists field ${f.name}, which is not mapped`);
  }
}

// ---------------------------------------------------------------------------------------------
// Kibana

const LENS_USE: Readonly<Record<string, FieldUse['as'] | null>> = {
  count: null,
  date_histogram: 'bucket:date_histogram',
  terms: 'bucket:terms',
  range: 'bucket:histogram',
  sum: 'metric:sum',
  average: 'metric:avg',
  avg: 'metric:avg',
  max: 'metric:max',
  min: 'metric:min',
  unique_count: 'metric:unique_count',
  last_value: 'metric:last_value',
};

function checkKibanaDashboard(o: SavedObject, ctx: Ctx): void {
  decode(o, 'optionsJSON', o.attributes.optionsJSON, ctx);
  searchSource(o, ctx);
  const panels = decode(o, 'panelsJSON', o.attributes.panelsJSON, ctx);
  if (!Array.isArray(panels)) return;
  const expectedRefs = new Set<string>();
  const grids: { name: string; grid: Grid }[] = [];
  for (const p of panels) {
    if (!isRecord(p) || typeof p.panelIndex !== 'string' || !isRecord(p.gridData)) {
      ctx.problems.push(`${ctx.file}: dashboard:${o.id} has a panel without panelIndex / gridData`);
      continue;
    }
    const where = `panel ${p.panelIndex}`;
    const g = p.gridData;
    grids.push({ name: `${ctx.file}: dashboard:${o.id} ${where}`, grid: { x: Number(g.x), y: Number(g.y), w: Number(g.w), h: Number(g.h) } });
    if (g.i !== p.panelIndex) ctx.problems.push(`${ctx.file}: dashboard:${o.id} ${where} gridData.i must equal panelIndex`);
    const config = isRecord(p.embeddableConfig) ? p.embeddableConfig : {};
    if (p.type === 'visualization' && isRecord(config.savedVis)) continue; // by-value markdown
    if (p.type !== 'lens' || !isRecord(config.attributes)) {
      ctx.problems.push(`${ctx.file}: dashboard:${o.id} ${where} is not a by-value Lens or markdown panel`);
      continue;
    }
    const attrs = config.attributes;
    const state = isRecord(attrs.state) ? attrs.state : {};
    const inner = Array.isArray(attrs.references) ? attrs.references.filter(isRecord) : [];
    const ds = isRecord(state.datasourceStates) && isRecord(state.datasourceStates.formBased) ? state.datasourceStates.formBased : {};
    const layers = isRecord(ds.layers) ? ds.layers : {};
    if (Object.keys(layers).length === 0) ctx.problems.push(`${ctx.file}: dashboard:${o.id} ${where} has no formBased Lens layer`);
    for (const [layerId, layer] of Object.entries(layers)) {
      const refName = lensLayerReference(layerId);
      const own = inner.find((r) => r.name === refName);
      const dashRef = o.references.find((r) => r.name === `${String(p.panelIndex)}:${refName}`);
      expectedRefs.add(`${p.panelIndex}:${refName}`);
      if (!own) ctx.problems.push(`${ctx.file}: dashboard:${o.id} ${where} Lens attributes lack the reference ${refName}`);
      if (dashRef?.type !== 'index-pattern') {
        ctx.problems.push(`${ctx.file}: dashboard:${o.id} ${where} needs a dashboard reference "${p.panelIndex}:${refName}" of type index-pattern`);
        continue;
      }
      if (own && own.id !== dashRef.id) ctx.problems.push(`${ctx.file}: dashboard:${o.id} ${where} layer ${layerId} points at two data views`);
      const catalogue = catalogueFor(o, dashRef.id, ctx);
      const columns = isRecord(layer) && isRecord(layer.columns) ? layer.columns : {};
      const uses: FieldUse[] = [];
      for (const [columnId, col] of Object.entries(columns)) {
        if (!isRecord(col)) continue;
        const op = String(col.operationType);
        const use = LENS_USE[op];
        if (use === undefined) ctx.problems.push(`${ctx.file}: dashboard:${o.id} ${where} column ${columnId} uses Lens operation ${op}, which the checks do not know`);
        else if (use !== null) uses.push({ field: String(col.sourceField), as: use });
        const params = isRecord(col.params) ? col.params : {};
        if (typeof params.sortField === 'string') uses.push({ field: params.sortField, as: 'metric:max' });
        if (isRecord(params.orderBy) && params.orderBy.type === 'column' && !(String(params.orderBy.columnId) in columns)) ctx.problems.push(`${ctx.file}: dashboard:${o.id} ${where} column ${columnId} orders by a missing column`);
      }
      const order = isRecord(layer) && Array.isArray(layer.columnOrder) ? layer.columnOrder : [];
      if (order.length !== Object.keys(columns).length || order.some((c) => !(String(c) in columns))) ctx.problems.push(`${ctx.file}: dashboard:${o.id} ${where} columnOrder does not match the columns`);
      const query = isRecord(state.query) && typeof state.query.query === 'string' ? state.query.query : '';
      if (query === '') ctx.problems.push(`${ctx.file}: dashboard:${o.id} ${where} has no query (Fleet lint requires a filter or query on each panel)`);
      uses.push(...kqlFields(query).map((field) => ({ field, as: 'filter' as const })));
      checkFields(o, where, catalogue, uses, ctx);
    }
  }
  const controls = o.attributes.controlGroupInput;
  if (isRecord(controls)) {
    decode(o, 'controlGroupInput.ignoreParentSettingsJSON', controls.ignoreParentSettingsJSON, ctx);
    const parsed = decode(o, 'controlGroupInput.panelsJSON', controls.panelsJSON, ctx);
    for (const [id, control] of Object.entries(isRecord(parsed) ? parsed : {})) {
      const ref = o.references.find((r) => r.name === controlReference(id));
      expectedRefs.add(controlReference(id));
      if (!ref) {
        ctx.problems.push(`${ctx.file}: dashboard:${o.id} control ${id} needs the reference ${controlReference(id)}`);
        continue;
      }
      const input = isRecord(control) && isRecord(control.explicitInput) ? control.explicitInput : {};
      checkFields(o, `control ${id}`, catalogueFor(o, ref.id, ctx), [{ field: String(input.fieldName), as: 'control' }], ctx);
    }
  }
  for (const r of o.references) if (!expectedRefs.has(r.name)) ctx.problems.push(`${ctx.file}: dashboard:${o.id} reference ${r.name} is not used by any panel or control`);
  ctx.problems.push(...gridProblems(grids));
}

// ---------------------------------------------------------------------------------------------
// OpenSearch Dashboards

const OSD_AGG_USE: Readonly<Record<string, FieldUse['as'] | null>> = {
  count: null,
  date_histogram: 'bucket:date_histogram',
  terms: 'bucket:terms',
  histogram: 'bucket:histogram',
  sum: 'metric:sum',
  avg: 'metric:avg',
  max: 'metric:max',
  min: 'metric:min',
  cardinality: 'metric:unique_count',
  top_hits: 'metric:last_value',
};

function checkOsdDashboard(o: SavedObject, ctx: Ctx): void {
  decode(o, 'optionsJSON', o.attributes.optionsJSON, ctx);
  searchSource(o, ctx);
  const panels = decode(o, 'panelsJSON', o.attributes.panelsJSON, ctx);
  if (!Array.isArray(panels)) return;
  const grids: { name: string; grid: Grid }[] = [];
  panels.forEach((p, n) => {
    if (!isRecord(p) || !isRecord(p.gridData)) return void ctx.problems.push(`${ctx.file}: dashboard:${o.id} panel ${n} has no gridData`);
    const g = p.gridData;
    grids.push({ name: `${ctx.file}: dashboard:${o.id} panel ${String(p.panelIndex)}`, grid: { x: Number(g.x), y: Number(g.y), w: Number(g.w), h: Number(g.h) } });
    if (p.panelRefName !== `panel_${n}`) ctx.problems.push(`${ctx.file}: dashboard:${o.id} panel ${n} has panelRefName ${String(p.panelRefName)}, expected panel_${n}`);
    const ref = o.references.find((r) => r.name === p.panelRefName);
    if (!ref) ctx.problems.push(`${ctx.file}: dashboard:${o.id} panel ${n} has no reference named ${String(p.panelRefName)}`);
    else if (ref.type !== 'visualization') ctx.problems.push(`${ctx.file}: dashboard:${o.id} reference ${ref.name} is a ${ref.type}, expected a visualization`);
  });
  if (o.references.length !== panels.length) ctx.problems.push(`${ctx.file}: dashboard:${o.id} has ${o.references.length} references for ${panels.length} panels`);
  ctx.problems.push(...gridProblems(grids));
}

function checkOsdVisualization(o: SavedObject, ctx: Ctx): void {
  decode(o, 'uiStateJSON', o.attributes.uiStateJSON, ctx);
  const vis = decode(o, 'visState', o.attributes.visState, ctx);
  const ss = searchSource(o, ctx);
  if (!isRecord(vis)) return;
  const aggs = Array.isArray(vis.aggs) ? vis.aggs.filter(isRecord) : [];
  const params = isRecord(vis.params) ? vis.params : {};
  if (vis.type === 'markdown') return;
  if (vis.type === 'input_control_vis') {
    const controls = Array.isArray(params.controls) ? params.controls.filter(isRecord) : [];
    for (const c of controls) {
      const ref = o.references.find((r) => r.name === c.indexPatternRefName);
      if (ref?.type !== 'index-pattern') ctx.problems.push(`${ctx.file}: visualization:${o.id} control ${String(c.id)} needs a reference named ${String(c.indexPatternRefName)}`);
      else checkFields(o, `control ${String(c.id)}`, catalogueFor(o, ref.id, ctx), [{ field: String(c.fieldName), as: 'control' }], ctx);
    }
    return;
  }
  if (ss?.indexRefName !== SEARCH_SOURCE_INDEX_REF) return void ctx.problems.push(`${ctx.file}: visualization:${o.id} searchSourceJSON must name its index pattern with indexRefName ${SEARCH_SOURCE_INDEX_REF}`);
  const ref = o.references.find((r) => r.name === SEARCH_SOURCE_INDEX_REF);
  if (ref?.type !== 'index-pattern') return void ctx.problems.push(`${ctx.file}: visualization:${o.id} has no index-pattern reference named ${SEARCH_SOURCE_INDEX_REF}`);
  const uses: FieldUse[] = [];
  const ids = new Set(aggs.map((a) => String(a.id)));
  for (const a of aggs) {
    const type = String(a.type);
    const use = OSD_AGG_USE[type];
    const p = isRecord(a.params) ? a.params : {};
    if (use === undefined) ctx.problems.push(`${ctx.file}: visualization:${o.id} agg ${String(a.id)} has type ${type}, which the checks do not know`);
    else if (use !== null) uses.push({ field: String(p.field), as: use });
    if (typeof p.sortField === 'string') uses.push({ field: p.sortField, as: 'metric:max' });
    if (type === 'terms' && !ids.has(String(p.orderBy))) ctx.problems.push(`${ctx.file}: visualization:${o.id} terms agg ${String(a.id)} orders by missing agg ${String(p.orderBy)}`);
  }
  const query = isRecord(ss.query) && typeof ss.query.query === 'string' ? ss.query.query : '';
  uses.push(...kqlFields(query).map((field) => ({ field, as: 'filter' as const })));
  checkFields(o, 'visState', catalogueFor(o, ref.id, ctx), uses, ctx);
}
