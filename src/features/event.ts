/**
 * Reading ECS events the way the engines index them, so the in-memory executor sees the same
 * values as the aggregations:
 * - dotted paths resolve through nested objects, flat dotted keys and any mix of the two
 *   ({"source":{"ip":…}}, {"source.ip":…}, {"source":{"geo.country_iso_code":…}}), and through
 *   arrays of objects (which the engines flatten);
 * - values are normalised per field type like the engines' doc values: IPs in canonical form,
 *   numeric strings coerced, longs truncated, booleans as "true"/"false";
 * - a value that cannot be used (an object where a term is expected, "abc" in a numeric field, a
 *   malformed IP) is *mistyped*: counted in FieldIssues and treated as absent, which is what an
 *   engine does with `ignore_malformed` (it keeps the event, leaves the field out and records the
 *   field in `_ignored`).
 */
import { isIP } from 'node:net';
import { z } from 'zod';

export type FieldType = 'keyword' | 'ip' | 'long' | 'double' | 'boolean' | 'date';

/** Mapped types of the ECS fields the presets use; any other field is read as a keyword (terms) or a double (numbers). */
export const ECS_FIELD_TYPES: Readonly<Record<string, FieldType>> = {
  '@timestamp': 'date',
  'event.created': 'date',
  'event.ingested': 'date',
  'source.ip': 'ip',
  'destination.ip': 'ip',
  'client.ip': 'ip',
  'server.ip': 'ip',
  'host.ip': 'ip',
  'observer.ip': 'ip',
  'related.ip': 'ip',
  'source.nat.ip': 'ip',
  'destination.nat.ip': 'ip',
  'source.bytes': 'long',
  'destination.bytes': 'long',
  'network.bytes': 'long',
  'source.packets': 'long',
  'destination.packets': 'long',
  'network.packets': 'long',
  'source.port': 'long',
  'destination.port': 'long',
  'client.port': 'long',
  'server.port': 'long',
  'process.pid': 'long',
  'process.parent.pid': 'long',
  'file.size': 'long',
  'event.duration': 'long',
  'event.severity': 'long',
  'http.response.status_code': 'long',
  'http.request.bytes': 'long',
  'http.response.bytes': 'long',
  'event.risk_score': 'double',
};

export type FieldTypes = Readonly<Record<string, FieldType>>;

// ---------------------------------------------------------------------------------------------
// Dotted-path access

/** A compiled dotted path; `read(doc)` returns the raw value (scalar, array or undefined). */
export interface FieldPath {
  readonly path: string;
  read(doc: unknown): unknown;
}

const pathCache = new Map<string, FieldPath>();

/** Compiles (and caches) a dotted path such as "source.geo.country_iso_code". */
export function fieldPath(path: string): FieldPath {
  let p = pathCache.get(path);
  if (!p) {
    p = compilePath(path);
    pathCache.set(path, p);
  }
  return p;
}

/** Raw value at a dotted path (see fieldPath). */
export function getPath(doc: unknown, path: string): unknown {
  return fieldPath(path).read(doc);
}

function compilePath(path: string): FieldPath {
  const segments = path.split('.');
  const n = segments.length;
  // joined[from][to] = segments[from..to) joined with dots: every key a level may use.
  const joined: string[][] = [];
  for (let from = 0; from < n; from++) {
    joined.push([]);
    for (let to = 0; to <= n; to++) joined[from].push(to > from ? segments.slice(from, to).join('.') : '');
  }

  const descend = (value: unknown, from: number): unknown => {
    if (from === n) return value;
    if (value === null || typeof value !== 'object') return undefined;
    if (Array.isArray(value)) {
      // An array of objects: the engines index the union of the elements' values.
      let out: unknown[] | undefined;
      for (const element of value) {
        const v = descend(element, from);
        if (v === undefined || v === null) continue;
        out ??= [];
        if (Array.isArray(v)) out.push(...(v as unknown[]));
        else out.push(v);
      }
      return out;
    }
    const obj = value as Record<string, unknown>;
    // Longest key first: a flat "source.ip" key wins over walking "source" → "ip".
    for (let to = n; to > from; to--) {
      const v = obj[joined[from][to]];
      if (v === undefined) continue;
      const r = descend(v, to);
      if (r !== undefined) return r;
    }
    return undefined;
  };

  return { path, read: (doc) => descend(doc, 0) };
}

// ---------------------------------------------------------------------------------------------
// Value normalisation

/** Returned by the converters for a value that is present but unusable. */
export const MISTYPED: unique symbol = Symbol('mistyped');
export type Mistyped = typeof MISTYPED;

/** Canonical term (the string an engine's terms aggregation would return as key), MISTYPED, or undefined for null. */
export function toTerm(value: unknown, type: FieldType): string | Mistyped | undefined {
  if (value === null || value === undefined) return undefined;
  switch (type) {
    case 'ip':
      return typeof value === 'string' ? (canonicalIp(value) ?? MISTYPED) : MISTYPED;
    case 'long':
    case 'double': {
      const n = toNumber(value, type);
      return typeof n === 'number' ? String(n) : n;
    }
    case 'boolean':
      if (value === true || value === 'true') return 'true';
      if (value === false || value === 'false') return 'false';
      return MISTYPED;
    case 'date': {
      const t = parseEventTime(value);
      return t === undefined ? MISTYPED : String(t);
    }
    default:
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return MISTYPED;
  }
}

/** Number as a numeric field's doc values hold it (numeric strings coerced, longs truncated), MISTYPED, or undefined for null. */
export function toNumber(value: unknown, type: FieldType = 'double'): number | Mistyped | undefined {
  if (value === null || value === undefined) return undefined;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && value.trim() !== '') n = Number(value);
  else return MISTYPED;
  if (!Number.isFinite(n)) return MISTYPED;
  return type === 'long' ? Math.trunc(n) : n;
}

/**
 * Calls `fn` for each usable value of a raw field value (arrays flattened), reporting mistyped
 * elements through `onMistyped`. Returns the number of usable values.
 */
export function forEachTerm(raw: unknown, type: FieldType, fn: (term: string) => void, onMistyped: (value: unknown) => void): number {
  if (raw === undefined || raw === null) return 0;
  if (!Array.isArray(raw)) {
    const t = toTerm(raw, type);
    if (t === MISTYPED) onMistyped(raw);
    else if (t !== undefined) {
      fn(t);
      return 1;
    }
    return 0;
  }
  let used = 0;
  for (const element of raw) used += forEachTerm(element, type, fn, onMistyped);
  return used;
}

// ---------------------------------------------------------------------------------------------
// IP addresses, formatted like the engines (RFC 5952; IPv4-mapped IPv6 printed as IPv4)

export function canonicalIp(text: string): string | undefined {
  const kind = isIP(text);
  if (kind === 4) return validIpv4(text) ? text : undefined;
  if (kind !== 6 || text.includes('%')) return undefined;
  const groups = ipv6Groups(text);
  if (!groups) return undefined;
  // ::ffff:a.b.c.d is an IPv4 address to the engines.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
  }
  // Longest run (≥ 2) of zero groups becomes "::" (the first one on a tie).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The engines refuse octets with leading zeros (ambiguous between decimal and octal). */
function validIpv4(text: string): boolean {
  return text.split('.').every((o) => o.length === 1 || !o.startsWith('0'));
}

function ipv6Groups(text: string): number[] | undefined {
  let s = text.toLowerCase();
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    if (!validIpv4(v4[1])) return undefined;
    const o = v4[1].split('.').map(Number);
    tail.push((o[0] << 8) | o[1], (o[2] << 8) | o[3]);
    s = s.slice(0, -v4[1].length);
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  let groups: number[];
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    const head = parse(s.slice(0, dbl));
    const rest = parse(s.slice(dbl + 2));
    const zeros = 8 - head.length - rest.length - tail.length;
    if (zeros < 0) return undefined;
    groups = [...head, ...new Array<number>(zeros).fill(0), ...rest, ...tail];
  } else {
    groups = [...parse(s), ...tail];
  }
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

// ---------------------------------------------------------------------------------------------
// Event time and envelope

// The engines' default date format: strict_date_optional_time || epoch_millis. A date-time
// without an offset is UTC (JavaScript's Date.parse would read it as local time).
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Epoch ms of an event time (ISO 8601 string, epoch-millis number or digit string), undefined when it does not parse. */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value !== 'string') return undefined;
  if (/^-?\d+$/.test(value)) return Number(value);
  const m = ISO.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let t = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3)));
  if (new Date(t).getUTCDate() !== day) return undefined; // 2024-02-31
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return t;
}

/** An event's time value: must parse as a date. */
export const eventTimeSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const t = parseEventTime(v);
  if (t === undefined) {
    ctx.addIssue({ code: 'custom', message: 'not a date (ISO 8601 such as 2024-05-01T12:00:00Z, or epoch milliseconds)' });
    return z.NEVER;
  }
  return t;
});

/** The envelope every event must have: a JSON object whose time field parses as a date. */
export function eventEnvelopeSchema(timeField: string) {
  const time = fieldPath(timeField);
  return z.record(z.string(), z.unknown()).transform((doc, ctx) => {
    const raw = time.read(doc);
    if (raw === undefined || raw === null) {
      ctx.addIssue({ code: 'custom', path: [timeField], message: `missing time field ${timeField}` });
      return z.NEVER;
    }
    const t = eventTimeSchema.safeParse(Array.isArray(raw) && raw.length === 1 ? raw[0] : raw);
    if (!t.success) {
      ctx.addIssue({ code: 'custom', path: [timeField], message: t.error.issues[0]?.message ?? 'not a date' });
      return z.NEVER;
    }
    return { time: t.data, doc };
  });
}

export type EnvelopeResult =
  | { readonly ok: true; readonly time: number }
  | { readonly ok: false; readonly problem: 'not_object' | 'missing_time' | 'bad_time'; readonly value?: unknown };

/**
 * Fast path of eventEnvelopeSchema for the executors' hot loop: the object check is a typeof and
 * only the time value goes through zod, so a million events do not allocate a copy each.
 */
export function readEnvelope(doc: unknown, time: FieldPath): EnvelopeResult {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, problem: 'not_object' };
  const raw = time.read(doc);
  if (raw === undefined || raw === null) return { ok: false, problem: 'missing_time' };
  const value: unknown = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  // Numbers are by far the common case in generated data; skip zod for them.
  if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, time: Math.trunc(value) };
  const t = eventTimeSchema.safeParse(value);
  return t.success ? { ok: true, time: t.data } : { ok: false, problem: 'bad_time', value };
}
export { FieldIssues, type FieldIssueCount, type FieldIssueSummary } from './field-issues.js';
