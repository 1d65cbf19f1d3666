/**
 * The platform-neutral description of Vigil's dashboards. Each panel is written once, in these
 * terms, and rendered three ways from the same value: a Kibana Lens panel (kibana.ts), an
 * OpenSearch Dashboards visualization (opensearch.ts) and the raw aggregation a test runs against
 * a real engine (query.ts). Only what all three can express is allowed here.
 */

/** The indices the dashboards read. */
export type SourceId = 'anomalies' | 'status' | 'deadLetter';

export interface DataSource {
  readonly id: SourceId;
  /** Saved object id of the data view / index pattern (stable: re-imports overwrite it). */
  readonly savedObjectId: string;
  /** Index pattern, e.g. "vigil-anomalies*"; must be covered by the template's index_patterns. */
  readonly title: string;
  /** Display name (Kibana data views). */
  readonly name: string;
  readonly timeField: string;
  /** Index template in mappings/ whose fields this source has. */
  readonly template: string;
  /** Field → URL template rendered as a link (drilldowns); `{{value}}` is the URL-encoded value. */
  readonly urlFields?: Readonly<Record<string, { readonly kibana: string; readonly opensearch: string; readonly label: string }>>;
}

/** A term / existence condition: rendered as KQL for the dashboards and as query DSL for the raw query. */
export type Condition =
  | { readonly field: string; readonly equals: string | boolean }
  | { readonly field: string; readonly exists: true };

export type Metric =
  | { readonly op: 'count'; readonly label: string }
  | { readonly op: 'sum' | 'avg' | 'max' | 'min'; readonly field: string; readonly label: string }
  | { readonly op: 'unique_count'; readonly field: string; readonly label: string }
  /** The value of the most recent document (by the source's time field). */
  | { readonly op: 'last_value'; readonly field: string; readonly label: string };

export type Bucket =
  | { readonly kind: 'date_histogram'; readonly field: string; readonly label: string }
  | {
      readonly kind: 'terms';
      readonly field: string;
      readonly label: string;
      readonly size: number;
      /** Index into the panel's metrics to order by (descending); must not be a last_value. Default 0. */
      readonly orderBy?: number;
    }
  | { readonly kind: 'histogram'; readonly field: string; readonly label: string; readonly interval: number; readonly min: number; readonly max: number };

export type Viz =
  | { readonly type: 'metric'; readonly metric: Metric }
  /** Time series or category chart: one x bucket, optional split (terms), one or more metrics. */
  | {
      readonly type: 'xy';
      readonly series: 'bar_stacked' | 'line' | 'bar_horizontal' | 'area';
      readonly x: Bucket;
      readonly split?: Extract<Bucket, { kind: 'terms' }>;
      readonly metrics: readonly Metric[];
    }
  | { readonly type: 'table'; readonly rows: readonly Bucket[]; readonly metrics: readonly Metric[]; readonly pageSize?: number }
  | { readonly type: 'markdown'; readonly kibana: string; readonly opensearch: string };

export interface Grid {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface Panel {
  /** Unique within the dashboard; becomes the panel index and part of saved object ids. */
  readonly key: string;
  readonly title: string;
  readonly source: SourceId;
  /**
   * Conditions every document of the panel must meet. Non-empty for data panels: Fleet's package
   * lint requires a filter or query on each panel, and it keeps panels on the right documents.
   */
  readonly where: readonly Condition[];
  readonly grid: Grid;
  readonly viz: Viz;
  /**
   * What an empty panel means, for panels whose index can legitimately be empty (the dead-letter
   * index when every alert was delivered). Shown as the panel's description in both products.
   */
  readonly emptyText?: string;
}

export interface Control {
  readonly key: string;
  readonly source: SourceId;
  readonly field: string;
  readonly label: string;
}

export interface DashboardSpec {
  /** File and id stem, e.g. "overview". */
  readonly key: string;
  /** Saved object id, e.g. "vigil-overview" (also the Elastic package file name). */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly timeFrom: string;
  /** Filter controls above the panels (Kibana controls / OSD input control visualization). */
  readonly controls: readonly Control[];
  readonly panels: readonly Panel[];
}

/** Kibana's and OpenSearch Dashboards' dashboard grid is 48 columns wide. */
export const GRID_COLUMNS = 48;

/** Fields a viz reads (for the field checks), with the operation that reads them. */
export type FieldUse = { readonly field: string; readonly as: 'bucket:date_histogram' | 'bucket:terms' | 'bucket:histogram' | `metric:${Exclude<Metric['op'], 'count'>}` | 'filter' | 'control' };

export function fieldUses(panel: Panel): FieldUse[] {
  const uses: FieldUse[] = panel.where.map((c) => ({ field: c.field, as: 'filter' as const }));
  const bucket = (b: Bucket): FieldUse => ({ field: b.field, as: `bucket:${b.kind}` });
  const metric = (m: Metric): FieldUse[] => (m.op === 'count' ? [] : [{ field: m.field, as: `metric:${m.op}` }]);
  const v = panel.viz;
  if (v.type === 'metric') uses.push(...metric(v.metric));
  if (v.type === 'xy') uses.push(bucket(v.x), ...(v.split ? [bucket(v.split)] : []), ...v.metrics.flatMap(metric));
  if (v.type === 'table') uses.push(...v.rows.map(bucket), ...v.metrics.flatMap(metric));
  return uses;
}

/** Renders conditions as the KQL string both dashboards put in the panel's query bar. */
export function conditionsToKql(where: readonly Condition[]): string {
  return where
    .map((c) => ('exists' in c ? `${c.field} : *` : typeof c.equals === 'boolean' ? `${c.field} : ${c.equals}` : `${c.field} : "${c.equals.replace(/(["\\])/g, '\\$1')}"`))
    .join(' and ');
}
