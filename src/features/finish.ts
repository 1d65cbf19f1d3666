/**
 * The arithmetic shared by both executors: per-entity partial aggregates (as the engine returns
 * them, or as the memory executor accumulates them) → the EntityWindow row. Keeping it in one
 * place is what makes the two executors agree bit for bit on everything but floating-point
 * summation order.
 */
import type { EntityWindow, FirstSeenBaseline, WindowRequest } from './executor.js';
import type { FieldType } from './event.js';
import type { FeaturePlan } from './plan.js';

/** A terms list in engine order (count desc, then key asc), at most `size` long. */
export interface TermsResult {
  readonly keys: readonly string[];
  readonly counts: readonly number[];
  /** Events×values beyond the list (the engine's sum_other_doc_count). */
  readonly other: number;
  /** Distinct values in total (only when the plan asked for it; else keys.length). */
  readonly cardinality: number;
}

export interface StatsResult {
  /** Number of values (not events). */
  readonly count: number;
  readonly sum: number;
  readonly max: number;
}

/** Histogram buckets as parallel arrays, keys ascending (epoch ms of the bucket start). */
export interface HistogramResult {
  readonly keys: readonly number[];
  readonly counts: readonly number[];
}

export interface EntityPartial {
  readonly values: readonly string[];
  readonly docCount: number;
  readonly whereCounts: ArrayLike<number>;
  readonly distincts: ArrayLike<number>;
  readonly terms: readonly TermsResult[];
  readonly stats: readonly StatsResult[];
  readonly histograms: readonly HistogramResult[];
}

/** The entity's value from its fields' values: the one value, or all of them joined by "|" (not the ensemble's entity key). */
export function joinEntityValues(values: readonly string[]): string {
  return values.length === 1 ? values[0] : values.join('|');
}

export function finishEntity(
  plan: FeaturePlan,
  req: WindowRequest,
  p: EntityPartial,
  baseline: FirstSeenBaseline | undefined,
): EntityWindow {
  const value = joinEntityValues(p.values);
  const entityValues: Record<string, string> = {};
  plan.entityFields.forEach((f, i) => (entityValues[plan.fields[f].path] = p.values[i]));

  const features: Record<string, number> = { ...plan.featureTemplate };
  const firstSeen: Record<string, string[]> = {};
  for (const b of plan.features) {
    switch (b.kind) {
      case 'count':
        features[b.name] = b.where < 0 ? p.docCount : p.whereCounts[b.where];
        break;
      case 'ratio':
        features[b.name] = p.docCount > 0 ? p.whereCounts[b.where] / p.docCount : 0;
        break;
      case 'distinct_count':
        features[b.name] = p.distincts[b.distinct];
        break;
      case 'entropy':
        features[b.name] = entropyBits(p.terms[b.terms]);
        break;
      case 'sum':
        features[b.name] = p.stats[b.stats].count > 0 ? p.stats[b.stats].sum : 0;
        break;
      case 'max':
        features[b.name] = p.stats[b.stats].count > 0 ? p.stats[b.stats].max : 0;
        break;
      case 'mean': {
        const s = p.stats[b.stats];
        features[b.name] = s.count > 0 ? s.sum / s.count : 0;
        break;
      }
      case 'burst':
        features[b.name] = maxOf(p.histograms[b.histogram].counts);
        break;
      case 'first_seen': {
        const seen = baseline?.seen(value, b.field);
        const t = p.terms[b.terms];
        const fresh = seen ? capped(t.keys, plan.limits.termsCap).filter((k) => !seen.has(k)) : capped(t.keys, plan.limits.termsCap);
        firstSeen[b.name] = exactSorted(fresh);
        features[b.name] = fresh.length;
        break;
      }
      case 'off_hours_share': {
        const h = p.histograms[plan.clockHistogram];
        let off = 0;
        let total = 0;
        for (let i = 0; i < h.keys.length; i++) {
          const c = b.clock.at(h.keys[i]);
          total += h.counts[i];
          const weekend = c.weekday === 0 || c.weekday === 6;
          if ((b.weekendsOff && weekend) || c.hour < b.workStart || c.hour >= b.workEnd) off += h.counts[i];
        }
        features[b.name] = total > 0 ? off / total : 0;
        break;
      }
      case 'hour_of_day': {
        const h = p.histograms[plan.clockHistogram];
        let s = 0;
        let c = 0;
        for (let i = 0; i < h.keys.length; i++) {
          const angle = (2 * Math.PI * b.clock.at(h.keys[i]).hour) / 24;
          s += h.counts[i] * Math.sin(angle);
          c += h.counts[i] * Math.cos(angle);
        }
        features[b.name] = circularHour(s, c, p.docCount);
        break;
      }
    }
  }

  const categorical: Record<string, string[]> = {};
  for (const c of plan.categorical) categorical[c.field] = exactSorted(capped(p.terms[c.terms].keys, plan.limits.termsCap));

  const related = { ip: new Set<string>(), user: new Set<string>(), hosts: new Set<string>() };
  for (const r of plan.related) for (const k of capped(p.terms[r.terms].keys, plan.limits.relatedCap)) related[r.kind].add(k);

  return {
    entity: { fields: plan.entityFieldPaths, value },
    entityValues,
    start: req.start,
    end: req.end,
    eventCount: p.docCount,
    features,
    categorical,
    firstSeen,
    related: { ip: exactSorted(related.ip), user: exactSorted(related.user), hosts: exactSorted(related.hosts) },
  };
}

const EMPTY: string[] = Object.freeze([]) as unknown as string[];

/**
 * A sorted copy allocated at its exact length: there is one row per entity and each holds ~9 of
 * these lists, so growth slack (push / spread) costs more memory than the values at 100k entities.
 * Empty lists share one frozen array.
 */
function exactSorted(values: Iterable<string> & ({ readonly length: number } | { readonly size: number })): string[] {
  const n = 'length' in values ? values.length : values.size;
  if (n === 0) return EMPTY;
  const out = new Array<string>(n);
  let i = 0;
  for (const v of values) out[i++] = v;
  return out.sort();
}

function capped(keys: readonly string[], cap: number): readonly string[] {
  return keys.length > cap ? keys.slice(0, cap) : keys;
}

function maxOf(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (v > m) m = v;
  return m;
}

/**
 * Shannon entropy in bits of the value distribution. Values beyond the terms cap are known only
 * as a total (`other`) and a distinct count; they are taken as evenly spread over the unseen
 * values — exact when the list is complete, a close estimate above the cap.
 */
export function entropyBits(t: TermsResult): number {
  let total = t.other;
  for (const c of t.counts) total += c;
  if (total <= 0) return 0;
  let h = 0;
  for (const c of t.counts) {
    if (c > 0) h -= (c / total) * Math.log2(c / total);
  }
  if (t.other > 0) {
    const unseen = Math.max(1, t.cardinality - t.keys.length);
    const share = t.other / total;
    h -= share * Math.log2(share / unseen);
  }
  return h;
}

/** Circular mean hour in [0, 24); 0 when the hours cancel out (e.g. as many at 0h as at 12h). */
export function circularHour(sin: number, cos: number, n: number): number {
  if (n <= 0 || Math.hypot(sin, cos) / n < 1e-9) return 0;
  const h = (Math.atan2(sin, cos) * 24) / (2 * Math.PI);
  const r = h < 0 ? h + 24 : h;
  return r >= 24 ? 0 : r;
}

/**
 * Engine order of terms keys on count ties: ascending by the field's doc-value order — numeric
 * for numbers, byte order of the 16-byte form for IPs, code-unit order for keywords.
 */
export function compareTermKeys(a: string, b: string, type: FieldType): number {
  if (type === 'long' || type === 'double' || type === 'date') return Number(a) - Number(b);
  if (type === 'ip') {
    const x = ipSortKey(a);
    const y = ipSortKey(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function ipSortKey(ip: string): string {
  if (!ip.includes(':')) {
    return (
      '00000000000000000000ffff' +
      ip
        .split('.')
        .map((o) => Number(o).toString(16).padStart(2, '0'))
        .join('')
    );
  }
  const [head, tail = ''] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.padStart(4, '0')).join('');
}

/**
 * Top `size` of a value→count map in engine order, with the remainder as `other`. When no
 * consumer truncates (at most `minCap` values) the order is irrelevant and the sort is skipped.
 */
export function termsFromCounts(counts: ReadonlyMap<string, number>, size: number, type: FieldType, minCap = 0): TermsResult {
  if (counts.size <= minCap && counts.size <= size) {
    return { keys: [...counts.keys()], counts: [...counts.values()], other: 0, cardinality: counts.size };
  }
  // Decorate once: computing the sort key inside the comparator (IPs especially) dominated the profile.
  const entries: { key: string; count: number; sort: string | number }[] = [];
  const numeric = type === 'long' || type === 'double' || type === 'date';
  for (const [key, count] of counts) entries.push({ key, count, sort: numeric ? Number(key) : type === 'ip' ? ipSortKey(key) : key });
  entries.sort((a, b) => b.count - a.count || (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
  const n = Math.min(size, entries.length);
  const keys = new Array<string>(n);
  const top = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    keys[i] = entries[i].key;
    top[i] = entries[i].count;
  }
  let other = 0;
  for (let i = n; i < entries.length; i++) other += entries[i].count;
  return { keys, counts: top, other, cardinality: counts.size };
}

/** Deterministic output order of both executors. */
export function byEntityValue(a: EntityWindow, b: EntityWindow): number {
  return a.entity.value < b.entity.value ? -1 : a.entity.value > b.entity.value ? 1 : 0;
}
