import { strictUriComponent } from './escape.js';

/**
 * Links from an alert back to the events behind it: Discover in Kibana or OpenSearch Dashboards,
 * filtered on the entity (KQL) and the anomaly's window. State is passed the way both apps expect
 * it, as rison in the URL hash (`_g` for time, `_a` / `_q` for the query).
 */

/** Minimal rison encoder for the plain objects, strings and numbers used in Discover URLs. */
export function rison(value: unknown): string {
  if (value === null || value === undefined) return '!n';
  if (typeof value === 'boolean') return value ? '!t' : '!f';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '!n';
  if (typeof value === 'string') return risonString(value);
  if (Array.isArray(value)) return `!(${value.map(rison).join(',')})`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `(${entries.map(([k, v]) => `${risonString(k)}:${rison(v)}`).join(',')})`;
}

function risonString(s: string): string {
  // Identifiers may stay bare; everything else is quoted with ! escaping ! and '.
  if (/^[A-Za-z_./~][A-Za-z0-9_./~-]*$/.test(s)) return s;
  return `'${s.replace(/!/g, '!!').replace(/'/g, "!'")}'`;
}

/** `user.name : "alice"` with KQL escaping of the quoted value. */
export function kqlTerm(field: string, value: string): string {
  return `${field} : "${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Kibana 8 Discover on the default data view, entity filter in the query bar, time = window. */
export function kibanaDiscoverUrl(kibanaUrl: string, kql: string, from: string, to: string): string {
  const g = rison({ time: { from, to } });
  const a = rison({ query: { language: 'kuery', query: kql } });
  return `${trimBase(kibanaUrl)}/app/discover#/?_g=${strictUriComponent(g)}&_a=${strictUriComponent(a)}`;
}

/** OpenSearch Dashboards 2.x Discover (data-explorer), same filter and time range. */
export function dashboardsDiscoverUrl(dashboardsUrl: string, kql: string, from: string, to: string): string {
  const g = rison({ time: { from, to } });
  const q = rison({ filters: [], query: { language: 'kuery', query: kql } });
  return `${trimBase(dashboardsUrl)}/app/data-explorer/discover#?_g=${strictUriComponent(g)}&_q=${strictUriComponent(q)}`;
}
