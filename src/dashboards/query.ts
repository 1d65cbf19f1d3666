/**
 * Each panel as the raw search its visualization runs: the same conditions, buckets and metrics,
 * nested the way Lens and OSD nest them (x, then split / rows in order; metrics in the innermost
 * bucket). Tests run these against real engines to prove every panel has data to show, and
 * `panelData` reads the answer the way the chart would.
 */
import type { Bucket, Condition, Metric, Panel, SourceId } from './model.js';
import { SOURCES } from './sources.js';
import type { JsonRecord } from './saved-object.js';
import { isRecord } from '../guards.js';

export interface PanelQuery {
  readonly source: SourceId;
  readonly body: JsonRecord;
}

export interface QueryOptions {
  /** Date histogram interval the raw query uses in place of Lens/OSD "auto" (default 1h). */
  readonly fixedInterval?: string;
  /** Optional time range on the source's time field (ISO strings or date math). */
  readonly from?: string;
  readonly to?: string;
}

export function conditionToDsl(c: Condition): JsonRecord {
  return 'exists' in c ? { exists: { field: c.field } } : { term: { [c.field]: c.equals } };
}

/** The raw search a panel runs; undefined for panels that run no query (markdown). */
export function panelSearch(panel: Panel, options: QueryOptions = {}): PanelQuery | undefined {
  const v = panel.viz;
  if (v.type === 'markdown') return undefined;
  const timeField = SOURCES[panel.source].timeField;
  const filter: JsonRecord[] = panel.where.map(conditionToDsl);
  if (options.from || options.to) filter.push({ range: { [timeField]: { ...(options.from ? { gte: options.from } : {}), ...(options.to ? { lte: options.to } : {}) } } });
  const metrics = v.type === 'metric' ? [v.metric] : v.metrics;
  const buckets: [string, Bucket][] = v.type === 'xy' ? [['x', v.x], ...(v.split ? ([['split', v.split]] as [string, Bucket][]) : [])] : v.type === 'table' ? v.rows.map((b, i) => [`row${i}`, b]) : [];
  let aggs: JsonRecord = metricAggs(metrics, timeField);
  for (const [name, b] of [...buckets].reverse()) {
    const agg = bucketAgg(b, options, metrics);
    aggs = { [name]: Object.keys(aggs).length > 0 ? { ...agg, aggs } : agg };
  }
  return { source: panel.source, body: { size: 0, track_total_hits: true, query: { bool: { filter } }, aggs } };
}

function metricAggs(metrics: readonly Metric[], timeField: string): JsonRecord {
  const out: JsonRecord = {};
  metrics.forEach((m, i) => {
    const name = `m${i}`;
    switch (m.op) {
      case 'count':
        return; // doc_count of the enclosing bucket (or hits.total)
      case 'unique_count':
        out[name] = { cardinality: { field: m.field } };
        return;
      case 'last_value':
        out[name] = { top_hits: { size: 1, sort: [{ [timeField]: { order: 'desc' } }], _source: { includes: [m.field] } } };
        return;
      default:
        out[name] = { [m.op]: { field: m.field } };
    }
  });
  return out;
}

function bucketAgg(b: Bucket, options: QueryOptions, metrics: readonly Metric[]): JsonRecord {
  switch (b.kind) {
    case 'date_histogram':
      return { date_histogram: { field: b.field, fixed_interval: options.fixedInterval ?? '1h', min_doc_count: 1 } };
    case 'histogram':
      return { histogram: { field: b.field, interval: b.interval, min_doc_count: 1, extended_bounds: { min: b.min, max: b.max } } };
    case 'terms': {
      // Ordering by a count column is ordering by the bucket's own document count.
      const i = b.orderBy ?? 0;
      const key = metrics[i] && metrics[i].op !== 'count' ? `m${i}` : '_count';
      return { terms: { field: b.field, size: b.size, order: { [key]: 'desc' } } };
    }
  }
}

export interface PanelData {
  /** Rows the visualization would draw (leaf buckets, or 1 for a metric). */
  readonly rows: number;
  /** Leaf rows where every metric has a value. */
  readonly completeRows: number;
  /** First leaf row, flattened: bucket keys and metric values (for error messages and asserts). */
  readonly sample?: Record<string, unknown>;
}

/** Reads a search response the way the panel would, counting the rows it would draw. */
export function panelData(panel: Panel, response: unknown): PanelData {
  const v = panel.viz;
  if (v.type === 'markdown') return { rows: 0, completeRows: 0 };
  const metrics = v.type === 'metric' ? [v.metric] : v.metrics;
  const bucketNames = v.type === 'xy' ? ['x', ...(v.split ? ['split'] : [])] : v.type === 'table' ? v.rows.map((_, i) => `row${i}`) : [];
  if (!isRecord(response)) throw new Error('search response is not an object');
  const total = totalHits(response);
  const leaves: { node: Record<string, unknown>; keys: Record<string, unknown> }[] = [];
  const walk = (node: Record<string, unknown>, depth: number, keys: Record<string, unknown>) => {
    if (depth === bucketNames.length) {
      leaves.push({ node, keys });
      return;
    }
    const agg = node[bucketNames[depth]];
    const buckets = isRecord(agg) && Array.isArray(agg.buckets) ? agg.buckets : [];
    for (const b of buckets) if (isRecord(b)) walk(b, depth + 1, { ...keys, [bucketNames[depth]]: b.key_as_string ?? b.key });
  };
  const root = isRecord(response.aggregations) ? response.aggregations : {};
  if (bucketNames.length === 0) leaves.push({ node: { ...root, doc_count: total }, keys: {} });
  else walk(root, 0, {});
  let complete = 0;
  let sample: Record<string, unknown> | undefined;
  for (const leaf of leaves) {
    const values = metrics.map((m, i) => metricValue(m, leaf.node, `m${i}`));
    if ((leaf.node.doc_count as number) > 0 && values.every((x) => x !== null && x !== undefined)) {
      complete++;
      sample ??= { ...leaf.keys, ...Object.fromEntries(values.map((x, i) => [`m${i}`, x])) };
    }
  }
  return { rows: leaves.filter((l) => (l.node.doc_count as number) > 0).length, completeRows: complete, ...(sample ? { sample } : {}) };
}

function totalHits(response: Record<string, unknown>): number {
  const hits = response.hits;
  if (!isRecord(hits)) return 0;
  const t = hits.total;
  return typeof t === 'number' ? t : isRecord(t) && typeof t.value === 'number' ? t.value : 0;
}

function metricValue(m: Metric, node: Record<string, unknown>, name: string): unknown {
  if (m.op === 'count') return node.doc_count;
  const agg = node[name];
  if (!isRecord(agg)) return undefined;
  if (m.op === 'last_value') {
    const hits = isRecord(agg.hits) && Array.isArray(agg.hits.hits) ? agg.hits.hits : [];
    const first: unknown = hits[0];
    if (!isRecord(first) || !isRecord(first._source)) return undefined;
    return m.field.split('.').reduce<unknown>((acc, k) => (isRecord(acc) ? acc[k] : undefined), first._source);
  }
  return agg.value;
}
