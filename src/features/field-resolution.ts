/**
 * Field resolution: which mapped field Vigil aggregates for each field a job names, decided once
 * for `vigil doctor` and for the executor that backfill / run use, so they cannot disagree.
 *
 * Indices written without an ECS template (plain Logstash, Fluent Bit, OpenSearch defaults) map
 * strings as `text` with a `keyword` sub-field. Text cannot be aggregated or matched exactly, so:
 *   - a text field with a keyword sub-field is read through it (`user.name` → `user.name.keyword`),
 *     and the choice is reported;
 *   - a text field without one is an error that names the mapping fix;
 *   - any other type the role cannot work with (a keyword `source.bytes` summed) is an error;
 *   - a field mapped nowhere is an error when the job names it itself, a warning when only its
 *     preset does (that input stays empty) — and never stops the executor, which sees no values.
 * Documents keep the names the job uses (`user.name`); only the engine requests use the resolved ones.
 */
import type { JobConfig } from '../config/job.js';
import type { FieldCapability, JsonObject, JsonValue } from '../engine/engine.js';
import { DEFAULT_RELATED_FIELDS, type RelatedFields } from './executor.js';
import { entityAlternatives, resolveJob, type EntityFallbacks } from './presets.js';
import type { FeatureSpec } from '../config/feature-spec.js';

const NUMERIC = ['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float', 'unsigned_long'];
/** Types a terms / composite aggregation groups by exactly. */
const EXACT = ['keyword', 'constant_keyword', 'wildcard', 'ip', 'boolean', 'version', ...NUMERIC];
const TIME = ['date', 'date_nanos'];
const TEXT = ['text', 'match_only_text'];
/** The sub-field dynamic mappings add to every string. */
export const KEYWORD_SUFFIX = '.keyword';

export interface FieldRequirement {
  readonly field: string;
  /** Why the job needs it, e.g. "entity_fields". */
  readonly role: string;
  readonly types: readonly string[];
  /**
   * Supplied by the job's preset, not named by the job itself: a missing field leaves that
   * feature empty (a warning that says how to override it) instead of failing the job.
   */
  readonly fromPreset?: boolean;
  /** Entity field alternatives (host.name then host.hostname): one of them mapped is enough. */
  readonly alternatives?: readonly string[];
  /** Context only (related.*): mapped nowhere is fine and not reported; text is still read through .keyword. */
  readonly optional?: boolean;
}

/** What requirements are read from: a resolved job, or one window request. */
export interface FieldSource {
  readonly timeField: string;
  readonly entityFields: readonly string[];
  readonly entityFallbacks?: EntityFallbacks;
  readonly features: readonly FeatureSpec[];
  readonly categoricalFields: readonly string[];
  readonly sequenceField?: string;
  readonly periodicityField?: string;
  readonly relatedFields?: RelatedFields;
}

/**
 * Every field the job reads — its own settings merged with its preset (src/features/presets.ts)
 * — with the mapping types it can work with. The time and entity fields are always required.
 */
export function fieldRequirements(job: JobConfig): FieldRequirement[] {
  const own = new Set<string>([
    ...(job.categorical_fields ?? []),
    ...(job.sequence_field ? [job.sequence_field] : []),
    ...(job.periodicity_field ? [job.periodicity_field] : []),
    ...(job.features ?? []).flatMap((f) => featureRequirements(f).map((r) => r.field)),
  ]);
  return sourceRequirements(resolveJob(job), (field) => !own.has(field));
}

/** Requirements of a resolved job or request; `fromPreset` tells which fields only a preset supplies. */
export function sourceRequirements(source: FieldSource, fromPreset: (field: string) => boolean = () => false): FieldRequirement[] {
  const tag = (r: FieldRequirement): FieldRequirement => (fromPreset(r.field) ? { ...r, fromPreset: true } : r);
  const out: FieldRequirement[] = [{ field: source.timeField, role: 'time_field', types: TIME }];
  for (const field of source.entityFields) {
    const alternatives = entityAlternatives(field, source.entityFallbacks);
    out.push({ field, role: 'entity_fields', types: EXACT, ...(alternatives.length > 1 ? { alternatives } : {}) });
  }
  for (const field of source.categoricalFields) out.push(tag({ field, role: 'categorical_fields', types: EXACT }));
  if (source.sequenceField) out.push(tag({ field: source.sequenceField, role: 'sequence_field', types: EXACT }));
  if (source.periodicityField) out.push(tag({ field: source.periodicityField, role: 'periodicity_field', types: EXACT }));
  for (const feature of source.features) out.push(...featureRequirements(feature).map(tag));
  const related = source.relatedFields ?? DEFAULT_RELATED_FIELDS;
  for (const field of [...related.ip, ...related.user, ...related.hosts])
    out.push({ field, role: 'related', types: EXACT, optional: true });
  // One requirement per field: the first role wins, the allowed types are intersected.
  const merged = new Map<string, FieldRequirement>();
  for (const r of out) {
    const seen = merged.get(r.field);
    if (seen && r.optional) continue; // a context field the job reads anyway keeps that role
    merged.set(
      r.field,
      seen
        ? {
            ...seen,
            types: seen.types.filter((t) => r.types.includes(t)),
            fromPreset: Boolean(seen.fromPreset && r.fromPreset) || undefined,
          }
        : r,
    );
  }
  return [...merged.values()];
}

function featureRequirements(feature: FeatureSpec): FieldRequirement[] {
  const role = `feature ${feature.name}`;
  const out: FieldRequirement[] = [];
  if ('field' in feature) {
    const numeric = feature.kind === 'sum' || feature.kind === 'max' || feature.kind === 'mean';
    out.push({ field: feature.field, role, types: numeric ? NUMERIC : EXACT });
  }
  if ('where' in feature && feature.where) {
    // Term conditions match exact values: text fields would silently never match.
    for (const field of Object.keys(feature.where)) out.push({ field, role: `${role} (where)`, types: [...EXACT, ...TIME] });
  }
  return out;
}

/** The fields to ask _field_caps about: each field, its keyword sub-field and every entity alternative. */
export function capabilityFields(requirements: readonly FieldRequirement[]): string[] {
  const names = requirements.flatMap((r) => r.alternatives ?? [r.field]);
  return [...new Set(names.flatMap((f) => [f, `${f}${KEYWORD_SUFFIX}`]))];
}

export interface FieldResolution {
  /** Field as the job names it → field the engine aggregates and matches on (only where they differ). */
  readonly names: ReadonlyMap<string, string>;
  /** "user.name keyword", or "user.name → user.name.keyword (text with a keyword sub-field)". */
  readonly ok: string[];
  /** The job cannot run: doctor fails, the executor refuses. */
  readonly problems: string[];
  /** An input stays empty (a preset field mapped nowhere). */
  readonly warnings: string[];
}

/** Resolves every requirement against field capabilities; pure. */
export function resolveFields(requirements: readonly FieldRequirement[], capabilities: readonly FieldCapability[]): FieldResolution {
  const byField = new Map(capabilities.map((c) => [c.field, c.types]));
  const typesOf = (field: string): readonly string[] => byField.get(field) ?? [];
  const names = new Map<string, string>();
  const ok: string[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const r of requirements) {
    const fields = r.alternatives ?? [r.field];
    const mapped = fields.filter((f) => typesOf(f).length > 0);
    if (mapped.length === 0) {
      if (r.optional) continue;
      const what = fields.length > 1 ? `none of ${fields.join(', ')} (${r.role}) is mapped` : `field ${r.field} (${r.role}) is not mapped`;
      if (r.fromPreset)
        warnings.push(
          `${what} — from the job's preset, so that input stays empty; map the field, or override the preset's features in the job`,
        );
      else problems.push(what);
      continue;
    }
    for (const field of mapped) {
      const one = resolveOne(field, r, typesOf(field), typesOf(`${field}${KEYWORD_SUFFIX}`));
      if ('problem' in one) problems.push(one.problem);
      else {
        if (one.use !== field) names.set(field, one.use);
        if (!r.optional || one.use !== field) ok.push(one.ok);
      }
    }
  }
  return { names, ok, problems, warnings };
}

function resolveOne(
  field: string,
  r: FieldRequirement,
  types: readonly string[],
  keywordTypes: readonly string[],
): { use: string; ok: string } | { problem: string } {
  const bad = types.filter((t) => !r.types.includes(t));
  if (bad.length === 0) return { use: field, ok: `${field} ${types.join('/')}` };
  const role = `field ${field} (${r.role})`;
  const textOnly = types.every((t) => TEXT.includes(t));
  if (textOnly && r.types.includes('keyword')) {
    const sub = `${field}${KEYWORD_SUFFIX}`;
    if (keywordTypes.length > 0 && keywordTypes.every((t) => t === 'keyword'))
      return { use: sub, ok: `${field} → ${sub} (text with a keyword sub-field)` };
    return {
      problem: `${role} is text without a keyword sub-field, so it cannot be grouped or matched exactly; map it as keyword (an ECS index template does), or add the multi-field "fields": {"keyword": {"type": "keyword"}} and reindex`,
    };
  }
  if (types.length > 1 && types.some((t) => TEXT.includes(t))) {
    return {
      problem: `${role} is ${types.join('/')} across the matched indices; give it one type in every index (keyword), e.g. with an index template, and reindex or roll over`,
    };
  }
  return { problem: `${role} is ${types.join('/')}, expected ${describeTypes(r.types)}` };
}

function describeTypes(types: readonly string[]): string {
  if (types.every((t) => TIME.includes(t))) return 'date';
  if (types.every((t) => NUMERIC.includes(t))) return 'a numeric type';
  return 'keyword, ip, a number or boolean';
}

/** A query with the fields of its term / terms / prefix / wildcard clauses renamed (text → keyword sub-field). */
export function renameQueryFields(query: JsonObject, names: ReadonlyMap<string, string>): JsonObject {
  return names.size === 0 ? query : (rename(query, names) as JsonObject);
}

const EXACT_CLAUSES = new Set(['term', 'terms', 'prefix', 'wildcard']);

function rename(value: JsonValue, names: ReadonlyMap<string, string>): JsonValue {
  if (Array.isArray(value)) return value.map((v) => rename(v, names));
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (EXACT_CLAUSES.has(key) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[key] = Object.fromEntries(Object.entries(v).map(([field, x]) => [names.get(field) ?? field, x]));
    } else out[key] = rename(v, names);
  }
  return out;
}
