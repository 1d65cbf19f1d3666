/**
 * One severity palette for every visualization in both products, so "critical" is the same red
 * on every panel and after every reload (unpinned, the products assign colours by series order:
 * critical came out blue on one panel and purple on another). EUI's danger / warning family.
 */
import type { Severity } from '../anomaly/document.js';
import type { Bucket } from './model.js';

export const SEVERITY_FIELD = 'vigil.severity';

export const SEVERITY_COLOURS: Readonly<Record<Severity, string>> = {
  critical: '#BD271E',
  high: '#E7664C',
  medium: '#D6BF57',
  low: '#54B399',
};

export function splitsBySeverity(split: Bucket | undefined): boolean {
  return split?.kind === 'terms' && split.field === SEVERITY_FIELD;
}
