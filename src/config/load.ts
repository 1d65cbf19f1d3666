/**
 * Reads the job configuration file (YAML or JSON), substitutes `${ENV_VAR}` references, validates
 * it with the zod schema and turns every problem into one line a person can act on:
 *
 *   jobs[0].window: expected a duration such as 30s, 15m, 1h or 1d, got "soon"
 *   cluster.urls: required (a list of cluster URLs)
 *   jobs[0].colour: unknown field "colour" (remove it or check its spelling)
 *   cluster.request_timeout_ms: expected a number, got string "fast"
 *
 * `redactConfig` gives the copy of a configuration that may be logged.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { configSchema, type VigilConfig } from './schema.js';
import { isRecord } from '../guards.js';

/** A configuration that cannot be used; `problems` holds one line per problem. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export async function loadConfig(path: string): Promise<VigilConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? String(error));
    throw new ConfigError(path, [`cannot read the file (${why})`]);
  }
  const config = parseConfig(text, path);
  // List files are named relative to the configuration file; resolved here, read by the pipeline.
  return { ...config, lists: config.lists.map((l) => (l.values_file ? { ...l, values_file: resolve(dirname(path), l.values_file) } : l)) };
}

/**
 * Parses configuration text. JSON when `sourceName` ends in .json, YAML otherwise (JSON is valid
 * YAML too). `env` defaults to the process environment.
 */
export function parseConfig(text: string, sourceName: string, env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const raw = parseText(text, sourceName);
  if (raw === null || raw === undefined) throw new ConfigError(sourceName, ['the file is empty: it needs at least `cluster` and `jobs`']);
  const problems: string[] = [];
  const substituted = substituteEnv(raw, [], env, problems);
  if (problems.length > 0) throw new ConfigError(sourceName, problems);
  const result = configSchema.safeParse(substituted);
  if (result.success) return result.data;
  throw new ConfigError(sourceName, describeIssues(result.error.issues, substituted));
}

function parseText(text: string, sourceName: string): unknown {
  if (/\.json$/i.test(sourceName)) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ConfigError(sourceName, [`not valid JSON: ${(error as Error).message}`]);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      sourceName,
      doc.errors.map((e) => `not valid YAML: ${e.message.split('\n')[0].replace(/:$/, '')}`),
    );
  }
  return doc.toJS() as unknown;
}

// ---------------------------------------------------------------------------------------------
// ${ENV_VAR} substitution

/** `${NAME}` or `${NAME:-default}`; `$${…}` stays literal. */
const ENV_REF = /\$?\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function substituteEnv(value: unknown, path: (string | number)[], env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (match: string, name: string, fallback: string | undefined) => {
      if (match.startsWith('$$')) return match.slice(1);
      const found = env[name];
      if (found !== undefined) return found;
      if (fallback !== undefined) return fallback;
      const shown = isSecretKey(path.at(-1)) ? '' : ` (the value is "${value}")`;
      problems.push(`${formatPath(path)}: environment variable ${name} is not set${shown}`);
      return match;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, [...path, i], env, problems));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, [...path, k], env, problems);
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// zod issues → one line each

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** What a required field is, where "a string" would not help. Paths use [] for any list index. */
const REQUIRED_HINTS: Readonly<Record<string, string>> = {
  cluster: 'the cluster Vigil reads events from and writes results to, with at least `urls`',
  'cluster.urls': 'a list of cluster URLs',
  'cluster.auth.username': 'a user name',
  'cluster.auth.password': 'a password, e.g. ${VIGIL_PASSWORD}',
  'cluster.auth.api_key': 'an API key, e.g. ${VIGIL_API_KEY}',
  jobs: 'a list of jobs',
  'jobs[].id': 'a job id such as auth-by-user',
  'jobs[].index': 'the source index pattern, e.g. logs-*',
  'jobs[].features[].kind': 'a feature kind such as count or distinct_count',
  'jobs[].features[].name': 'a feature name such as failed_logins',
  'jobs[].features[].field': 'the event field the feature reads',
  'jobs[].features[].where': 'a condition such as {event.outcome: failure}',
  'alerting.connectors[].name': 'a connector name',
  'alerting.connectors[].url': 'the URL alerts are sent to',
};

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys to values',
  record: 'a mapping of keys to values',
  bigint: 'a number',
  date: 'a date',
  null: 'null',
};

export function describeIssues(issues: readonly Issue[], input: unknown, prefix: readonly PathKey[] = []): string[] {
  return issues.flatMap((issue) => describeIssue(issue, input, [...prefix, ...issue.path]));
}

function describeIssue(issue: Issue, input: unknown, path: PathKey[]): string[] {
  const at = formatPath(path);
  // Values are echoed to help, but never a secret's: a mistyped password is still a password.
  const raw = valueAt(input, path);
  const value = redact(raw, path.map(String));
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (value === undefined) return [`${at}: required (${REQUIRED_HINTS[hintKey(path)] ?? expected})`];
      return [`${at}: expected ${expected}, got ${typeName(raw)}${value === raw ? ` ${short(value)}` : ''}`];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const near = closest(key, knownKeys(path));
        const advice = near ? `did you mean "${near}"?` : 'remove it or check its spelling';
        return `${formatPath([...path, key])}: unknown field "${key}" (${advice})`;
      });
    case 'invalid_union': {
      if ('discriminator' in issue && issue.discriminator !== undefined) {
        const options = ((issue as { options?: unknown[] }).options ?? []).map((o) => JSON.stringify(o)).join(', ');
        if (value === undefined) return [`${at}: required (one of ${options})`];
        return [`${at}: expected one of ${options}, got ${short(value)}`];
      }
      return describeUnion(issue.errors, input, path, value);
    }
    case 'invalid_value':
      return [`${at}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${short(value)}`];
    case 'invalid_format':
      return [`${at}: ${expectation(issue.message, formatName(issue))}, got ${short(value)}`];
    case 'too_small':
    case 'too_big':
      return [`${at}: ${expectation(issue.message, boundName(issue))}, got ${short(value)}`];
    case 'custom':
      // refine() messages from the schemas: noun phrases ("an IANA time zone such as UTC") or sentences.
      return [`${at}: ${expectation(issue.message, issue.message)}${value === undefined ? '' : `, got ${short(value)}`}`];
    default:
      return [`${at}: ${issue.message}${value === undefined ? '' : `, got ${short(value)}`}`];
  }
}

/**
 * A union (e.g. auth: username+password or api_key) failed: report the branch that came closest
 * (fewest problems); when nothing was given to choose by, list the accepted shapes.
 */
function describeUnion(branches: readonly (readonly Issue[])[], input: unknown, path: PathKey[], value: unknown): string[] {
  const at = formatPath(path);
  const shapes = unionShapes(path);
  const empty = value === undefined || (isRecord(value) && Object.keys(value).length === 0);
  if (branches.length === 0 || (empty && shapes.length > 0)) {
    const expected = shapes.length > 0 ? `one of ${shapes.join(' or ')}` : 'a different value';
    return [value === undefined ? `${at}: required (${expected})` : `${at}: expected ${expected}, got ${short(value)}`];
  }
  const best = [...branches].sort((a, b) => a.length - b.length)[0];
  return describeIssues(best, input, path);
}

/**
 * Our schema messages are mostly noun phrases ("a duration such as 30s …") and read well after
 * "expected"; whole sentences ("feature names are snake_case …") stand alone; zod's own defaults
 * ("Too small: …") are replaced by `fallback`.
 */
function expectation(message: string, fallback: string): string {
  if (/^(Invalid|Too (small|big)|Unrecognized|Expected)\b/.test(message)) return `expected ${fallback}`;
  if (/\b(is|are|must|should|needs?|cannot)\b/.test(message)) return message;
  return `expected ${message}`;
}

function formatName(issue: Extract<Issue, { code: 'invalid_format' }>): string {
  if (issue.format === 'url') return 'an http(s) URL such as https://search.example:9200';
  if (issue.format === 'regex' && 'pattern' in issue) return `text matching ${String(issue.pattern)}`;
  return `a valid ${issue.format}`;
}

function boundName(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const n = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'string':
      if (small && n === 1) return 'a non-empty string';
      return `${small ? 'at least' : 'at most'} ${n} characters`;
    case 'array':
    case 'set':
      if (small && n === 1) return 'at least one item';
      return `${small ? 'at least' : 'at most'} ${n} items`;
    default:
      return `a number ${small ? (inclusive ? '≥' : '>') : inclusive ? '≤' : '<'} ${n}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Paths and values

export function formatPath(path: readonly PathKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function hintKey(path: readonly PathKey[]): string {
  return formatPath(path).replace(/\[\d+\]/g, '[]');
}

function valueAt(input: unknown, path: readonly PathKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === 'number') current = current[key];
    else if (isRecord(current) && typeof key === 'string') current = current[key];
    else return undefined;
  }
  return current;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (isRecord(value)) return 'mapping';
  return typeof value;
}

function short(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= 60 ? json : `${json.slice(0, 57)}...`;
}

// ---------------------------------------------------------------------------------------------
// Schema navigation (for "did you mean" and union shapes)

interface DefLike {
  type: string;
  innerType?: SchemaLike;
  in?: SchemaLike;
  shape?: Record<string, SchemaLike>;
  element?: SchemaLike;
  options?: SchemaLike[];
  valueType?: SchemaLike;
  getter?: () => SchemaLike;
}
interface SchemaLike {
  _zod: { def: DefLike };
}

/** Strips wrappers (optional, default, pipe…) and expands unions. */
function concrete(schema: SchemaLike): SchemaLike[] {
  const def = schema._zod.def;
  if (def.innerType) return concrete(def.innerType);
  if (def.type === 'pipe' && def.in) return concrete(def.in);
  if (def.type === 'lazy' && def.getter) return concrete(def.getter());
  if (def.type === 'union' && def.options) return def.options.flatMap(concrete);
  return [schema];
}

function schemasAt(path: readonly PathKey[]): SchemaLike[] {
  let current = concrete(configSchema as unknown as SchemaLike);
  for (const key of path) {
    current = current.flatMap((s) => {
      const def = s._zod.def;
      if (typeof key === 'number') return def.element ? concrete(def.element) : [];
      if (def.shape && typeof key === 'string' && def.shape[key]) return concrete(def.shape[key]);
      if (def.type === 'record' && def.valueType) return concrete(def.valueType);
      return [];
    });
  }
  return current;
}

function knownKeys(path: readonly PathKey[]): string[] {
  return [...new Set(schemasAt(path).flatMap((s) => Object.keys(s._zod.def.shape ?? {})))];
}

function unionShapes(path: readonly PathKey[]): string[] {
  const shapes = schemasAt(path).filter((s) => s._zod.def.shape);
  return shapes.length > 1 ? shapes.map((s) => `{${Object.keys(s._zod.def.shape ?? {}).join(', ')}}`) : [];
}

/** The known key within edit distance 2 (or sharing all but separators), if any. */
function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= Math.min(2, Math.floor(candidate.length / 3)) && (!best || distance < best.distance))
      best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

// ---------------------------------------------------------------------------------------------
// Redaction

const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'passphrase',
  'api_key',
  'apikey',
  'secret',
  'token',
  'authorization',
  'private_key',
  'client_secret',
  'routing_key',
  'key',
]);

/** password, api_key, token, … and names ending in one of them (bearer_token, keystore_password). */
function isSecretKey(key: PathKey | undefined): boolean {
  if (typeof key !== 'string') return false;
  const k = key.toLowerCase();
  return SECRET_KEYS.has(k) || [...SECRET_KEYS].some((s) => k.endsWith(`_${s}`));
}
/** Alerting URLs may be capability URLs (Slack, Shuffle: the path is the credential). */
const ALERTING_URL_KEYS = new Set(['url', 'webhook_url']);
export const REDACTED = '[redacted]';

/**
 * A copy safe to log: passwords, API keys, connector secrets and tokens, credentials inside URLs,
 * and the path of alerting URLs (capability URLs) are replaced; hosts stay visible.
 */
export function redactConfig<T>(config: T): T {
  return redact(config, []) as T;
}

function redact(value: unknown, path: readonly string[]): unknown {
  const key = path.at(-1);
  if (isSecretKey(key) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string') {
    const safe = redactUrlCredentials(value);
    return path[0] === 'alerting' && key !== undefined && ALERTING_URL_KEYS.has(key) ? redactUrlPath(safe) : safe;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, path));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, [...path, k]);
    return out;
  }
  return value;
}

function redactUrlCredentials(text: string): string {
  return text.replace(/^(https?:\/\/)([^/@\s]+)@/i, (_m, scheme: string) => `${scheme}${REDACTED}@`);
}

function redactUrlPath(text: string): string {
  return text.replace(/^(https?:\/\/[^/?#\s]+)[/?#].+$/i, (_m, origin: string) => `${origin}/${REDACTED}`);
}
