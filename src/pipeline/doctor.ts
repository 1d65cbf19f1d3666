/**
 * The checks behind `vigil doctor`: is the configuration valid, can the cluster be reached, is it
 * a supported engine, may Vigil read each job's source and write its own indices, and does every
 * configured field exist in the source mapping with a usable type, and does the rule-match index
 * (`rule_hits:`) exist with its time field mapped as a date.
 *
 * Results are reported one by one through `onResult` (the command prints them as they come).
 * When the cluster cannot be reached, the report is that single line: nothing else can be said.
 */
import { randomBytes } from 'node:crypto';
import type { ClusterConfig } from '../config/cluster.js';
import type { JobConfig } from '../config/job.js';
import { ConfigError, loadConfig } from '../config/load.js';
import type { VigilConfig } from '../config/schema.js';
import { noEntityQuery } from '../features/aggregation-executor.js';
import {
  capabilityFields,
  fieldRequirements,
  renameQueryFields,
  resolveFields,
  type FieldResolution,
} from '../features/field-resolution.js';
import { entityAlternatives, resolveJob, type ResolvedJob } from '../features/presets.js';
import { share } from '../features/field-issues.js';
import { connectEngine } from '../engine/connect.js';
import { displayUrl } from '../engine/connection-options.js';
import { ElasticsearchEngine, type IndexPrivilegeCheck } from '../engine/elasticsearch.js';
import { EngineRequestError, EngineUnavailableError, type Engine, type EngineInfo, type JsonObject } from '../engine/engine.js';
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
    const readable = new Map<string, JobFields>();
    for (const job of config.jobs) {
      const fields = await jobFields(engine, job);
      const result = await readCheck(engine, job, privileges, fields);
      if (result.status !== 'fail') readable.set(job.id, fields);
      report(result);
    }
    report(await writeCheck(engine, config, privileges));
    // A source that cannot be read has no mapping worth checking: its read line already failed.
    for (const job of config.jobs) {
      const fields = readable.get(job.id);
      if (!fields) continue;
      for (const result of fieldChecks(job, fields)) report(result);
      const skipped = await entityCheck(engine, job, fields);
      if (skipped) report(skipped);
    }
    if (config.rule_hits) report(await ruleHitsCheck(engine, config.rule_hits));
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
  const lifecycle =
    info.flavour === 'elasticsearch'
      ? info.capabilities.ilm
        ? 'ILM available'
        : 'no ILM: retention is not managed'
      : info.capabilities.ism
        ? 'ISM available'
        : 'no ISM: retention is not managed';
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

async function readCheck(engine: Engine, job: JobConfig, security: SecurityReport | undefined, fields: JobFields): Promise<CheckResult> {
  const what = `read ${job.index} (job ${job.id})`;
  const lacking = security?.missing.get(job.index);
  if (lacking?.length) return { status: 'fail', message: `${what}: user ${security!.user} lacks ${lacking.join(', ')}` };
  try {
    // Counted with the job's whole filter, its preset's event.category included: what the job reads.
    const answer = await engine.search(job.index, { size: 0, track_total_hits: true, query: scopeQuery(fields) });
    const shards = (answer._shards as { total?: number } | undefined)?.total ?? 0;
    if (shards === 0) return { status: 'fail', message: `${what}: no index matches ${job.index}` };
    const events = totalHits(answer);
    const scope = fields.job?.filter ? ` matching the job's filter${job.preset ? ` (preset ${job.preset})` : ''}` : '';
    return {
      status: events > 0 ? 'ok' : 'warn',
      message: `${what}: ${plural(events, 'event')}${scope}${events === 0 ? ' (nothing to learn from yet)' : ''}`,
    };
  } catch (error) {
    return { status: 'fail', message: `${what}: ${errorText(error)}` };
  }
}

/** A job merged with its preset, and its fields resolved against the source mapping (as the executor resolves them). */
interface JobFields {
  readonly job?: ResolvedJob;
  readonly resolution?: FieldResolution;
  readonly error?: string;
}

async function jobFields(engine: Engine, job: JobConfig): Promise<JobFields> {
  try {
    const requirements = fieldRequirements(job);
    const resolved = resolveJob(job);
    return { job: resolved, resolution: resolveFields(requirements, await engine.fieldCaps(job.index, capabilityFields(requirements))) };
  } catch (error) {
    return { error: errorText(error) };
  }
}

function scopeQuery(fields: JobFields, extra?: JsonObject): JsonObject {
  const filter = fields.job?.filter ? [renameQueryFields(fields.job.filter, fields.resolution?.names ?? new Map<string, string>())] : [];
  return { bool: { filter: extra ? [...filter, extra] : filter } };
}

function totalHits(answer: JsonObject): number {
  const total = (answer.hits as { total?: { value?: number } | number } | undefined)?.total;
  return typeof total === 'number' ? total : (total?.value ?? 0);
}

/** Events the job would skip because no entity field (nor fallback) has a value: a warning with the share. */
async function entityCheck(engine: Engine, job: JobConfig, fields: JobFields): Promise<CheckResult | undefined> {
  if (!fields.job) return undefined;
  try {
    const all = totalHits(await engine.search(job.index, { size: 0, track_total_hits: true, query: scopeQuery(fields) }));
    const skipped = totalHits(
      await engine.search(job.index, { size: 0, track_total_hits: true, query: scopeQuery(fields, noEntityQuery(fields.job)) }),
    );
    if (skipped === 0) return undefined;
    const names = fields.job.entityFields.map((f) => entityAlternatives(f, fields.job?.entityFallbacks).join(' / ')).join(' + ');
    return {
      status: 'warn',
      message: `entity in ${job.index} (job ${job.id}): ${plural(skipped, 'event')} of ${all.toLocaleString('en-US')} (${share(skipped, all)}) have no ${names} and will be skipped (counted in the run summary); add a fallback, e.g. entity_fields: [[host.name, host.hostname]]`,
    };
  } catch (error) {
    return { status: 'fail', message: `entity in ${job.index} (job ${job.id}): ${errorText(error)}` };
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
    return {
      status: 'ok',
      message: `${what}: probe document written and deleted${existed ? '' : ' (index created for the probe and removed)'}`,
    };
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

/**
 * The rule engine's match index: missing is a warning (ElastAlert2 creates it on first start; no
 * rule hits are read until then); a time field that is not a date fails, because the pass reads
 * matches by a range on it and would silently find none.
 */
async function ruleHitsCheck(engine: Engine, cfg: NonNullable<VigilConfig['rule_hits']>): Promise<CheckResult> {
  const at = `rule_hits ${cfg.index}`;
  try {
    if (!(await indexExists(engine, cfg.index)))
      return {
        status: 'warn',
        message: `${at}: no such index yet, so no rule matches are read; point rule_hits.index at your rule engine's match index (ElastAlert2: its writeback_index, created by elastalert-create-index)`,
      };
    const [time] = await engine.fieldCaps(cfg.index, [cfg.time_field]);
    const types = time?.types ?? [];
    if (!types.some((t) => t === 'date' || t === 'date_nanos'))
      return {
        status: 'fail',
        message: `${at}: rule_hits.time_field ${cfg.time_field} is ${types.length ? `mapped as ${types.join(', ')}` : 'not mapped'}; it must be a date (the matched event's time: ElastAlert2 match_time), or no match is ever read`,
      };
    return { status: 'ok', message: `${at}: ${plural(await engine.count(cfg.index), 'document')}, ${cfg.time_field} is a date` };
  } catch (error) {
    return { status: 'fail', message: `${at}: ${errorText(error)}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Fields

function fieldChecks(job: JobConfig, fields: JobFields): CheckResult[] {
  const where = `in ${job.index} (job ${job.id})`;
  if (!fields.resolution) return [{ status: 'fail', message: `fields ${where}: ${fields.error ?? 'unknown error'}` }];
  // The same resolution the executor applies before backfill / run read anything.
  const { ok, problems, warnings } = fields.resolution;
  const results: CheckResult[] = [
    ...problems.map((p): CheckResult => ({ status: 'fail', message: `${p} ${where}` })),
    ...warnings.map((w): CheckResult => ({ status: 'warn', message: `${w} ${where}` })),
  ];
  // Which field each input is read from (e.g. user.name → user.name.keyword) is worth seeing beside warnings too.
  return problems.length > 0 ? results : [{ status: 'ok', message: `fields ${where}: ${ok.join(', ')}` }, ...results];
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
