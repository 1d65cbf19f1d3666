/**
 * The checks behind `vigil doctor`: is the configuration valid, can the cluster be reached, is it
 * a supported engine, may Vigil read each job's source and write its own indices, and does every
 * configured field exist in the source mapping with a usable type.
 *
 * Results are reported one by one through `onResult` (the command prints them as they come).
 * When the cluster cannot be reached, the report is that single line: nothing else can be said.
 */
import { randomBytes } from 'node:crypto';
import type { ClusterConfig } from '../config/cluster.js';
import type { JobConfig } from '../config/job.js';
import { ConfigError, loadConfig } from '../config/load.js';
import type { VigilConfig } from '../config/schema.js';
import type { FeatureSpec } from '../config/feature-spec.js';
import { resolveJob } from '../features/presets.js';
import { connectEngine } from '../engine/connect.js';
import { displayUrl } from '../engine/connection-options.js';
import { ElasticsearchEngine, type IndexPrivilegeCheck } from '../engine/elasticsearch.js';
import { EngineRequestError, EngineUnavailableError, type Engine, type EngineInfo, type FieldCapability, type JsonObject } from '../engine/engine.js';
import { isSupportedVersion } from '../engine/identify.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  readonly status: CheckStatus;
  /** One line, e.g. "engine opensearch 2.19.6 (cluster vigil)". */
  readonly message: string;
  /** Further lines (printed indented), e.g. each configuration problem. */
  readonly details?: readonly string[];
}

export interface DoctorOptions {
  /** How to reach the cluster (tests may pass their own). */
  readonly connect?: (cluster: ClusterConfig) => Promise<Engine>;
  readonly onResult?: (result: CheckResult) => void;
}

export async function runDoctor(configPath: string, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const report = (result: CheckResult) => {
    results.push(result);
    options.onResult?.(result);
  };

  let config: VigilConfig;
  try {
    config = await loadConfig(configPath);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report({ status: 'fail', message: `config ${configPath} is invalid`, details: error.problems });
    return results;
  }
  const configOk: CheckResult = { status: 'ok', message: `config ${configPath} is valid (${plural(config.jobs.length, 'job')})` };

  const url = displayUrl(config.cluster.urls);
  let engine: Engine;
  let info: EngineInfo;
  try {
    engine = await (options.connect ?? connectEngine)(config.cluster);
    info = await engine.info();
  } catch (error) {
    if (error instanceof EngineUnavailableError) {
      report({ status: 'fail', message: `cluster ${url} unreachable: ${error.detail}` });
      return results;
    }
    report(configOk);
    report({ status: 'fail', message: `cluster ${url}: ${errorText(error)}` });
    return results;
  }

  try {
    report(configOk);
    report({ status: 'ok', message: `cluster ${url} reachable (cluster name ${info.clusterName})` });
    report(engineCheck(info));
    const privileges = engine instanceof ElasticsearchEngine ? await securityPrivileges(engine, config) : undefined;
    const readable = new Set<string>();
    for (const job of config.jobs) {
      const result = await readCheck(engine, job, privileges);
      if (result.status !== 'fail') readable.add(job.id);
      report(result);
    }
    report(await writeCheck(engine, config, privileges));
    // A source that cannot be read has no mapping worth checking: its read line already failed.
    for (const job of config.jobs) if (readable.has(job.id)) for (const result of await fieldChecks(engine, job)) report(result);
  } finally {
    await engine.close().catch(() => undefined);
  }
  return results;
}

/** Exit status of a doctor run: 1 when any check failed (warnings do not fail). */
export function doctorExitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------

function engineCheck(info: EngineInfo): CheckResult {
  const name = `${info.flavour} ${info.version}`;
  const lifecycle = info.flavour === 'elasticsearch' ? (info.capabilities.ilm ? 'ILM available' : 'no ILM: retention is not managed') : info.capabilities.ism ? 'ISM available' : 'no ISM: retention is not managed';
  if (!isSupportedVersion(info.flavour, info.major)) {
    return { status: 'warn', message: `engine ${name} is not a supported version (supported: OpenSearch 2.x/3.x, Elasticsearch 8.x/9.x)` };
  }
  return { status: 'ok', message: `engine ${name} is supported (${lifecycle})` };
}

/** Indices Vigil writes to. */
function outputIndices(config: VigilConfig): string[] {
  const o = config.output;
  return [o.anomaly_index, o.state_index, o.dead_letter_index, o.status_index];
}

interface SecurityReport {
  readonly user: string;
  /** "index → missing privileges" */
  readonly missing: ReadonlyMap<string, readonly string[]>;
}

/** With Elasticsearch security on: which read / write privileges the configured user lacks. */
async function securityPrivileges(engine: ElasticsearchEngine, config: VigilConfig): Promise<SecurityReport | undefined> {
  const checks: IndexPrivilegeCheck[] = [
    ...config.jobs.map((job) => ({ names: [job.index], privileges: ['read', 'view_index_metadata'] })),
    { names: outputIndices(config), privileges: ['read', 'write', 'create_index'] },
  ];
  const report = await engine.indexPrivileges(checks);
  if (!report.security) return undefined;
  const missing = new Map<string, string[]>();
  for (const { index, privilege } of report.missing) missing.set(index, [...(missing.get(index) ?? []), privilege]);
  return { user: report.user, missing };
}

async function readCheck(engine: Engine, job: JobConfig, security: SecurityReport | undefined): Promise<CheckResult> {
  const what = `read ${job.index} (job ${job.id})`;
  const lacking = security?.missing.get(job.index);
  if (lacking?.length) return { status: 'fail', message: `${what}: user ${security!.user} lacks ${lacking.join(', ')}` };
  try {
    const body: JsonObject = { size: 0, track_total_hits: true };
    if (job.filter) body.query = job.filter as JsonObject;
    const answer = await engine.search(job.index, body);
    const shards = (answer._shards as { total?: number } | undefined)?.total ?? 0;
    if (shards === 0) return { status: 'fail', message: `${what}: no index matches ${job.index}` };
    const total = (answer.hits as { total?: { value?: number } | number } | undefined)?.total;
    const events = typeof total === 'number' ? total : (total?.value ?? 0);
    return { status: events > 0 ? 'ok' : 'warn', message: `${what}: ${plural(events, 'event')}${events === 0 ? ' (nothing to learn from yet)' : ''}` };
  } catch (error) {
    return { status: 'fail', message: `${what}: ${errorText(error)}` };
  }
}

/** Writes and deletes a probe state document; an index created only for the probe is removed again. */
async function writeCheck(engine: Engine, config: VigilConfig, security: SecurityReport | undefined): Promise<CheckResult> {
  const index = config.output.state_index;
  const what = `write ${index}`;
  if (security) {
    const lacking = outputIndices(config).flatMap((i) => (security.missing.get(i) ?? []).map((p) => `${p} on ${i}`));
    if (lacking.length) return { status: 'fail', message: `${what}: user ${security.user} lacks ${lacking.join(', ')}` };
  }
  const existed = await indexExists(engine, index);
  const id = `vigil-doctor-probe-${randomBytes(6).toString('hex')}`;
  try {
    await engine.putState(index, id, { probe: true, written_at: new Date().toISOString() }, { kind: 'create' });
    await engine.deleteState(index, id);
    if (!existed) await engine.deleteIndex(index);
    return { status: 'ok', message: `${what}: probe document written and deleted${existed ? '' : ' (index created for the probe and removed)'}` };
  } catch (error) {
    return { status: 'fail', message: `${what}: ${errorText(error)}` };
  }
}

async function indexExists(engine: Engine, index: string): Promise<boolean> {
  try {
    await engine.count(index);
    return true;
  } catch (error) {
    if (error instanceof EngineRequestError && error.status === 404) return false;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Fields

const NUMERIC = ['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float', 'unsigned_long'];
/** Types a terms / composite aggregation groups by exactly. */
const EXACT = ['keyword', 'constant_keyword', 'wildcard', 'ip', 'boolean', 'version', ...NUMERIC];
const TIME = ['date', 'date_nanos'];

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
}

/**
 * Every field the job reads — its own settings merged with its preset (src/features/presets.ts)
 * — with the mapping types it can work with. The time and entity fields are always required.
 */
export function fieldRequirements(job: JobConfig): FieldRequirement[] {
  const resolved = resolveJob(job);
  const own = new Set<string>([
    ...(job.categorical_fields ?? []),
    ...(job.sequence_field ? [job.sequence_field] : []),
    ...(job.periodicity_field ? [job.periodicity_field] : []),
    ...(job.features ?? []).flatMap((f) => featureRequirements(f).map((r) => r.field)),
  ]);
  const tag = (r: FieldRequirement): FieldRequirement => (own.has(r.field) ? r : { ...r, fromPreset: true });
  const out: FieldRequirement[] = [{ field: resolved.timeField, role: 'time_field', types: TIME }];
  for (const field of resolved.entityFields) out.push({ field, role: 'entity_fields', types: EXACT });
  for (const field of resolved.categoricalFields) out.push(tag({ field, role: 'categorical_fields', types: EXACT }));
  if (resolved.sequenceField) out.push(tag({ field: resolved.sequenceField, role: 'sequence_field', types: EXACT }));
  if (resolved.periodicityField) out.push(tag({ field: resolved.periodicityField, role: 'periodicity_field', types: EXACT }));
  for (const feature of resolved.features) out.push(...featureRequirements(feature).map(tag));
  // One requirement per field: the first role wins, the allowed types are intersected.
  const merged = new Map<string, FieldRequirement>();
  for (const r of out) {
    const seen = merged.get(r.field);
    merged.set(r.field, seen ? { ...seen, types: seen.types.filter((t) => r.types.includes(t)), fromPreset: Boolean(seen.fromPreset && r.fromPreset) || undefined } : r);
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

/** Compares requirements with field capabilities; pure. */
export function compareFields(
  requirements: readonly FieldRequirement[],
  capabilities: readonly FieldCapability[],
): { ok: string[]; problems: string[]; warnings: string[] } {
  const byField = new Map(capabilities.map((c) => [c.field, c.types]));
  const ok: string[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const r of requirements) {
    const types = byField.get(r.field) ?? [];
    const bad = types.filter((t) => !r.types.includes(t));
    const problem =
      types.length === 0 ? `field ${r.field} (${r.role}) is not mapped` : bad.length > 0 ? `field ${r.field} (${r.role}) is ${types.join('/')}, expected ${describeTypes(r.types)}` : undefined;
    if (problem === undefined) ok.push(`${r.field} ${types.join('/')}`);
    else if (r.fromPreset) warnings.push(`${problem} — from the job's preset, so that input stays empty; map the field, or override the preset's features in the job`);
    else problems.push(problem);
  }
  return { ok, problems, warnings };
}

function describeTypes(types: readonly string[]): string {
  if (types === TIME || types.every((t) => TIME.includes(t))) return 'date';
  if (types.every((t) => NUMERIC.includes(t))) return 'a numeric type';
  return 'keyword, ip, a number or boolean';
}

async function fieldChecks(engine: Engine, job: JobConfig): Promise<CheckResult[]> {
  const requirements = fieldRequirements(job);
  const where = `in ${job.index} (job ${job.id})`;
  let capabilities: readonly FieldCapability[];
  try {
    capabilities = await engine.fieldCaps(job.index, requirements.map((r) => r.field));
  } catch (error) {
    return [{ status: 'fail', message: `fields ${where}: ${errorText(error)}` }];
  }
  const { ok, problems, warnings } = compareFields(requirements, capabilities);
  const results: CheckResult[] = [
    ...problems.map((p): CheckResult => ({ status: 'fail', message: `${p} ${where}` })),
    ...warnings.map((w): CheckResult => ({ status: 'warn', message: `${w} ${where}` })),
  ];
  return results.length > 0 ? results : [{ status: 'ok', message: `fields ${where}: ${ok.join(', ')}` }];
}

// ---------------------------------------------------------------------------------------------

function errorText(error: unknown): string {
  if (error instanceof EngineRequestError) return `${error.status ? `${error.status} ` : ''}${error.type}: ${error.reason}`;
  if (error instanceof EngineUnavailableError) return `unreachable: ${error.detail}`;
  return error instanceof Error ? error.message : String(error);
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}
