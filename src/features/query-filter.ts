/**
 * The subset of the query DSL the memory executor evaluates itself, so a job's `filter` means the
 * same over an NDJSON file as on the cluster: term, terms, range, exists, match_all and bool
 * (filter / must / must_not / should with minimum_should_match). Anything else is refused with an
 * error naming the clause, rather than being ignored.
 */
import type { JsonObject, JsonValue } from '../engine/engine.js';
import { compareTermKeys } from './finish.js';
import { ECS_FIELD_TYPES, fieldPath, forEachTerm, parseEventTime, type FieldType } from './event.js';
import { isRecord } from '../guards.js';

export type EventPredicate = (doc: JsonObject) => boolean;

const SUPPORTED = 'term, terms, range, exists, match_all and bool (filter, must, must_not, should)';

export class UnsupportedFilterError extends Error {
  constructor(detail: string) {
    super(`the in-memory executor cannot evaluate this filter: ${detail} (it understands ${SUPPORTED})`);
    this.name = 'UnsupportedFilterError';
  }
}

export function compileFilter(query: JsonObject | undefined, typeOf: (field: string) => FieldType): EventPredicate {
  if (!query) return () => true;
  return compile(query, typeOf, 'filter');
}

/** ECS field types, for filters over events read back from elsewhere (rule matches, the rule baseline). */
export const ecsTypeOf = (f: string): FieldType => (f === '@timestamp' ? 'date' : (ECS_FIELD_TYPES[f] ?? 'keyword'));

function compile(q: JsonValue, typeOf: (field: string) => FieldType, at: string): EventPredicate {
  if (!isRecord<JsonObject>(q)) throw new UnsupportedFilterError(`${at} is not a query object`);
  const kinds = Object.keys(q);
  if (kinds.length !== 1)
    throw new UnsupportedFilterError(`${at} must hold exactly one query, found ${kinds.length === 0 ? 'none' : kinds.join(', ')}`);
  const kind = kinds[0];
  const body = q[kind];
  const here = `${at}.${kind}`;
  switch (kind) {
    case 'match_all':
      return () => true;
    case 'term':
      return termQuery(body, typeOf, here);
    case 'terms':
      return termsQuery(body, typeOf, here);
    case 'exists':
      return existsQuery(body, typeOf, here);
    case 'range':
      return rangeQuery(body, typeOf, here);
    case 'bool':
      return boolQuery(body, typeOf, here);
    default:
      throw new UnsupportedFilterError(`unsupported query "${kind}" at ${at}`);
  }
}

/** One field and its options, e.g. {"event.outcome": {"value": "failure"}}. */
function single(body: JsonValue, at: string): [string, JsonValue] {
  if (!isRecord<JsonObject>(body)) throw new UnsupportedFilterError(`${at} needs an object`);
  const entries = Object.entries(body).filter(([k]) => k !== 'boost' && k !== '_name');
  if (entries.length !== 1) throw new UnsupportedFilterError(`${at} must name exactly one field`);
  return entries[0];
}

/** True when any usable value of the field is in `wanted` (canonical terms). */
function anyValueIn(path: string, type: FieldType, wanted: ReadonlySet<string>): EventPredicate {
  const fp = fieldPath(path);
  return (doc) => {
    let hit = false;
    forEachTerm(
      fp.read(doc),
      type,
      (t) => (hit ||= wanted.has(t)),
      () => undefined,
    );
    return hit;
  };
}

function canonicalSet(path: string, type: FieldType, values: JsonValue[], at: string): Set<string> {
  const out = new Set<string>();
  for (const v of values) {
    if (v === null || typeof v === 'object') throw new UnsupportedFilterError(`${at}: ${path} values must be strings, numbers or booleans`);
    forEachTerm(
      v,
      type,
      (t) => out.add(t),
      () => undefined,
    );
  }
  return out;
}

function termQuery(body: JsonValue, typeOf: (f: string) => FieldType, at: string): EventPredicate {
  const [path, spec] = single(body, at);
  let value: JsonValue = spec;
  if (isRecord<JsonObject>(spec)) {
    const extra = Object.keys(spec).filter((k) => k !== 'value' && k !== 'boost' && k !== '_name');
    if (extra.length > 0) throw new UnsupportedFilterError(`${at}: option ${extra.join(', ')} is not supported`);
    value = spec.value;
  }
  return anyValueIn(path, typeOf(path), canonicalSet(path, typeOf(path), [value], at));
}

function termsQuery(body: JsonValue, typeOf: (f: string) => FieldType, at: string): EventPredicate {
  const [path, values] = single(body, at);
  if (!Array.isArray(values)) throw new UnsupportedFilterError(`${at}: ${path} needs an array of values (terms lookup is not supported)`);
  return anyValueIn(path, typeOf(path), canonicalSet(path, typeOf(path), values, at));
}

function existsQuery(body: JsonValue, typeOf: (f: string) => FieldType, at: string): EventPredicate {
  if (!isRecord<JsonObject>(body) || typeof body.field !== 'string') throw new UnsupportedFilterError(`${at} needs {"field": "name"}`);
  const path = body.field;
  const fp = fieldPath(path);
  const type = typeOf(path);
  return (doc) =>
    forEachTerm(
      fp.read(doc),
      type,
      () => undefined,
      () => undefined,
    ) > 0;
}

function rangeQuery(body: JsonValue, typeOf: (f: string) => FieldType, at: string): EventPredicate {
  const [path, spec] = single(body, at);
  if (!isRecord<JsonObject>(spec)) throw new UnsupportedFilterError(`${at}: ${path} needs bounds such as {"gte": …, "lt": …}`);
  const type = typeOf(path);
  const bounds: { op: 'gt' | 'gte' | 'lt' | 'lte'; value: string | number }[] = [];
  for (const [k, v] of Object.entries(spec)) {
    if (k === 'boost' || k === '_name') continue;
    if (k === 'format') {
      if (v !== 'epoch_millis' && v !== 'strict_date_optional_time' && v !== 'strict_date_optional_time||epoch_millis') {
        throw new UnsupportedFilterError(`${at}: format ${JSON.stringify(v)} (only epoch_millis and strict_date_optional_time)`);
      }
      continue;
    }
    if (k !== 'gt' && k !== 'gte' && k !== 'lt' && k !== 'lte') throw new UnsupportedFilterError(`${at}: option ${k} is not supported`);
    if (typeof v !== 'string' && typeof v !== 'number') throw new UnsupportedFilterError(`${at}: ${k} must be a string or a number`);
    bounds.push({ op: k, value: v });
  }
  const fp = fieldPath(path);
  if (type === 'date') {
    const limits = bounds.map((b) => {
      const t = parseEventTime(b.value);
      if (t === undefined)
        throw new UnsupportedFilterError(
          `${at}: ${b.op} ${JSON.stringify(b.value)} is not an absolute date (date math such as "now-1d" is not supported)`,
        );
      return { op: b.op, value: t };
    });
    return (doc) =>
      someValue(fp.read(doc), (v) => {
        const t = parseEventTime(v);
        return t !== undefined && limits.every((b) => holds(b.op, t - b.value));
      });
  }
  return (doc) => {
    let hit = false;
    forEachTerm(
      fp.read(doc),
      type,
      (t) => (hit ||= bounds.every((b) => holds(b.op, compareTermKeys(t, String(b.value), type)))),
      () => undefined,
    );
    return hit;
  };
}

function holds(op: 'gt' | 'gte' | 'lt' | 'lte', diff: number): boolean {
  return op === 'gt' ? diff > 0 : op === 'gte' ? diff >= 0 : op === 'lt' ? diff < 0 : diff <= 0;
}

function someValue(raw: unknown, test: (v: unknown) => boolean): boolean {
  if (raw === undefined || raw === null) return false;
  return Array.isArray(raw) ? raw.some((v) => someValue(v, test)) : test(raw);
}

function boolQuery(body: JsonValue, typeOf: (f: string) => FieldType, at: string): EventPredicate {
  if (!isRecord<JsonObject>(body)) throw new UnsupportedFilterError(`${at} needs an object`);
  const list = (key: string): EventPredicate[] => {
    const v = body[key];
    if (v === undefined) return [];
    const arr = Array.isArray(v) ? v : [v];
    return arr.map((q, i) => compile(q, typeOf, `${at}.${key}[${i}]`));
  };
  for (const k of Object.keys(body)) {
    if (!['filter', 'must', 'must_not', 'should', 'minimum_should_match', 'boost', '_name'].includes(k)) {
      throw new UnsupportedFilterError(`${at}: option ${k} is not supported`);
    }
  }
  const required = [...list('filter'), ...list('must')];
  const excluded = list('must_not');
  const should = list('should');
  const msm = body.minimum_should_match;
  if (msm !== undefined && typeof msm !== 'number') throw new UnsupportedFilterError(`${at}: minimum_should_match must be a number`);
  // The engines' default: at least one should clause must match when there is no must/filter.
  const minShould = msm ?? (should.length > 0 && required.length === 0 ? 1 : 0);
  return (doc) => {
    for (const p of required) if (!p(doc)) return false;
    for (const p of excluded) if (p(doc)) return false;
    if (minShould > 0) {
      let n = 0;
      for (const p of should) if (p(doc) && ++n >= minShould) return true;
      return false;
    }
    return true;
  };
}
