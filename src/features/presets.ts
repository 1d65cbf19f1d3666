/**
 * Job presets mirroring what SOC teams know from Elastic's prebuilt security ML jobs
 * (auth_rare_user, auth_high_count_logon_fails, suspicious_login_activity, rare_process_by_host,
 * high_count_network_denies, rare_destination_country, …), written with ECS field names.
 *
 * A job picks one with `preset:` and overrides any part (resolveJob):
 * - entity_fields, categorical_fields, sequence_field, periodicity_field, event_category replace
 *   the preset's value;
 * - features merge by name: a job feature with a preset feature's name replaces it, other job
 *   features are added;
 * - filter is *added* to the preset's event.category filter (both must match).
 */
import type { JobConfig } from '../config/job.js';
import type { JsonObject } from '../engine/engine.js';
import { DEFAULT_RELATED_FIELDS, type EntityFallbacks, type RelatedFields } from './executor.js';
import { assertUniqueNames, featureSpecSchema, type FeatureSpec, type FeatureSpecInput } from '../config/feature-spec.js';

export type PresetName = NonNullable<JobConfig['preset']>;

export interface Preset {
  readonly name: PresetName;
  readonly description: string;
  /** ECS event.category values the preset reads (its filter) and its anomalies carry. */
  readonly eventCategory: readonly string[];
  /** Entity fields; an entry that is a list names alternatives used in order per event (see EntityFallbacks). */
  readonly entityFields: readonly (string | readonly string[])[];
  readonly features: readonly FeatureSpec[];
  readonly categoricalFields: readonly string[];
  readonly sequenceField?: string;
  readonly periodicityField?: string;
  readonly relatedFields: RelatedFields;
}

/** What a job runs with once its preset and overrides are merged. */
export interface ResolvedJob {
  readonly id: string;
  readonly preset?: PresetName;
  readonly index: string;
  readonly timeField: string;
  /** The preset's category filter AND the job's own filter; undefined when neither has one. */
  readonly filter?: JsonObject;
  readonly eventCategory: readonly string[];
  /** The first alternative of each entity field: the name the entity carries in documents. */
  readonly entityFields: readonly string[];
  /** Further alternatives per entity field, read when an event lacks the first (absent when there are none). */
  readonly entityFallbacks?: EntityFallbacks;
  readonly features: readonly FeatureSpec[];
  readonly categoricalFields: readonly string[];
  readonly relatedFields: RelatedFields;
  readonly sequenceField?: string;
  readonly periodicityField?: string;
}

const FAILURE = { 'event.outcome': 'failure' };
const SUCCESS = { 'event.outcome': 'success' };

function specs(list: FeatureSpecInput[]): FeatureSpec[] {
  const parsed = list.map((s) => featureSpecSchema.parse(s));
  assertUniqueNames(parsed);
  return parsed;
}

function preset(p: Omit<Preset, 'features' | 'relatedFields'> & { features: FeatureSpecInput[]; relatedFields?: RelatedFields }): Preset {
  return { ...p, features: specs(p.features), relatedFields: p.relatedFields ?? DEFAULT_RELATED_FIELDS };
}

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  auth_by_user: preset({
    name: 'auth_by_user',
    description:
      'Authentication per user: brute force, logins from new places, unusual hours (auth_rare_user, auth_rare_source_ip_for_a_user, auth_rare_hour_for_a_user, suspicious_login_activity)',
    eventCategory: ['authentication'],
    entityFields: ['user.name'],
    features: [
      { kind: 'count', name: 'auth_attempts', label: 'authentication attempts', technique: 'T1110' },
      { kind: 'count', name: 'failed_logins', where: FAILURE, label: 'failed logins', technique: 'T1110.001' },
      { kind: 'ratio', name: 'failure_ratio', where: FAILURE, label: 'share of failed logins', technique: 'T1110.001' },
      {
        kind: 'count',
        name: 'privileged_logons',
        where: { 'event.type': 'admin' },
        label: 'logons with admin privileges',
        technique: 'T1078',
      },
      { kind: 'distinct_count', name: 'distinct_source_ips', field: 'source.ip', label: 'distinct source IPs', technique: 'T1078' },
      {
        kind: 'distinct_count',
        name: 'distinct_hosts',
        field: 'host.name',
        where: SUCCESS,
        label: 'distinct hosts logged on to',
        technique: 'T1021',
      },
      {
        kind: 'distinct_count',
        name: 'distinct_countries',
        field: 'source.geo.country_iso_code',
        label: 'distinct source countries',
        technique: 'T1078',
      },
      { kind: 'entropy', name: 'source_ip_entropy', field: 'source.ip', label: 'spread of source IPs (bits)', technique: 'T1078' },
      {
        kind: 'first_seen',
        name: 'first_seen_country',
        field: 'source.geo.country_iso_code',
        label: 'logins from a new country',
        technique: 'T1078',
      },
      { kind: 'first_seen', name: 'first_seen_source_ip', field: 'source.ip', label: 'logins from a new source IP', technique: 'T1078' },
      { kind: 'first_seen', name: 'first_seen_host', field: 'host.name', label: 'logins to a new host', technique: 'T1021' },
      { kind: 'off_hours_share', name: 'off_hours_share', label: 'share of logins outside working hours', technique: 'T1078' },
      { kind: 'burst', name: 'burst_per_minute', interval_seconds: 60, label: 'most logins in one minute', technique: 'T1110' },
      { kind: 'hour_of_day', name: 'hour_of_day', label: 'usual hour of logins', technique: 'T1078' },
    ],
    categoricalFields: ['source.geo.country_iso_code', 'source.ip', 'host.name'],
    sequenceField: 'event.action',
  }),

  auth_by_source_ip: preset({
    name: 'auth_by_source_ip',
    description:
      'Authentication per source IP: password spraying and brute force across accounts (auth_high_count_logon_fails, auth_rare_user)',
    eventCategory: ['authentication'],
    entityFields: ['source.ip'],
    features: [
      { kind: 'count', name: 'auth_attempts', label: 'authentication attempts', technique: 'T1110' },
      { kind: 'count', name: 'failed_logins', where: FAILURE, label: 'failed logins', technique: 'T1110' },
      { kind: 'ratio', name: 'failure_ratio', where: FAILURE, label: 'share of failed logins', technique: 'T1110' },
      { kind: 'distinct_count', name: 'distinct_users', field: 'user.name', label: 'distinct accounts tried', technique: 'T1110.003' },
      {
        kind: 'distinct_count',
        name: 'distinct_failed_users',
        field: 'user.name',
        where: FAILURE,
        label: 'distinct accounts with failed logins',
        technique: 'T1110.003',
      },
      { kind: 'entropy', name: 'user_entropy', field: 'user.name', label: 'spread of accounts tried (bits)', technique: 'T1110.003' },
      { kind: 'distinct_count', name: 'distinct_hosts', field: 'host.name', label: 'distinct hosts targeted', technique: 'T1021' },
      { kind: 'first_seen', name: 'first_seen_user', field: 'user.name', label: 'accounts never used from this IP', technique: 'T1078' },
      { kind: 'burst', name: 'burst_per_minute', interval_seconds: 60, label: 'most attempts in one minute', technique: 'T1110' },
      { kind: 'off_hours_share', name: 'off_hours_share', label: 'share of attempts outside working hours' },
    ],
    categoricalFields: ['user.name', 'host.name', 'source.geo.country_iso_code'],
  }),

  process_by_host: preset({
    name: 'process_by_host',
    description:
      'Process starts and admin changes per host: rare and new processes, admin activity (rare_process_by_host_windows / _linux, linux_rare_sudo_user)',
    eventCategory: ['process', 'iam'],
    // Elastic Agent adds host.name; system/auth and plain syslog shippers only carry host.hostname.
    entityFields: [['host.name', 'host.hostname']],
    features: [
      { kind: 'count', name: 'process_starts', where: { 'event.category': 'process' }, label: 'process starts' },
      { kind: 'distinct_count', name: 'distinct_processes', field: 'process.name', label: 'distinct processes', technique: 'T1059' },
      {
        kind: 'first_seen',
        name: 'first_seen_process',
        field: 'process.name',
        label: 'processes never seen on this host',
        technique: 'T1543',
      },
      { kind: 'entropy', name: 'process_entropy', field: 'process.name', label: 'spread of processes (bits)', technique: 'T1059' },
      { kind: 'distinct_count', name: 'distinct_users', field: 'user.name', label: 'distinct users running processes', technique: 'T1078' },
      {
        kind: 'count',
        name: 'privileged_actions',
        where: { 'event.type': 'admin' },
        label: 'admin actions (account / group changes)',
        technique: 'T1098',
      },
      {
        kind: 'count',
        name: 'admin_tool_runs',
        where: {
          'process.name': [
            'sudo',
            'su',
            'pkexec',
            'doas',
            'runas.exe',
            'net.exe',
            'net1.exe',
            'psexec.exe',
            'wmic.exe',
            'vssadmin.exe',
            'sc.exe',
            'schtasks.exe',
          ],
        },
        label: 'runs of admin tools',
        technique: 'T1548',
      },
      { kind: 'off_hours_share', name: 'off_hours_share', label: 'share of activity outside working hours' },
      { kind: 'burst', name: 'burst_per_minute', interval_seconds: 60, label: 'most process starts in one minute' },
    ],
    categoricalFields: ['process.name', 'process.parent.name', 'user.name'],
    sequenceField: 'process.name',
  }),

  network_by_source: preset({
    name: 'network_by_source',
    description:
      'Network flows per source: exfiltration volume, scanning, beaconing, new destinations (high_count_network_denies, rare_destination_country)',
    eventCategory: ['network'],
    entityFields: ['source.ip'],
    features: [
      { kind: 'count', name: 'connections', label: 'connections' },
      { kind: 'sum', name: 'bytes_out', field: 'source.bytes', label: 'bytes sent', technique: 'T1048' },
      { kind: 'max', name: 'bytes_out_max', field: 'source.bytes', label: 'largest single upload (bytes)', technique: 'T1048' },
      { kind: 'sum', name: 'bytes_total', field: 'network.bytes', label: 'bytes transferred', technique: 'T1041' },
      {
        kind: 'distinct_count',
        name: 'distinct_destinations',
        field: 'destination.ip',
        label: 'distinct destinations',
        technique: 'T1046',
      },
      {
        kind: 'distinct_count',
        name: 'distinct_destination_ports',
        field: 'destination.port',
        label: 'distinct destination ports',
        technique: 'T1046',
      },
      {
        kind: 'first_seen',
        name: 'first_seen_destination',
        field: 'destination.ip',
        label: 'destinations never contacted before',
        technique: 'T1071',
      },
      {
        kind: 'first_seen',
        name: 'first_seen_destination_country',
        field: 'destination.geo.country_iso_code',
        label: 'destination countries never contacted before',
        technique: 'T1041',
      },
      { kind: 'burst', name: 'burst_per_minute', interval_seconds: 60, label: 'most connections in one minute', technique: 'T1046' },
      { kind: 'off_hours_share', name: 'off_hours_share', label: 'share of traffic outside working hours' },
    ],
    categoricalFields: ['destination.ip', 'destination.port', 'destination.geo.country_iso_code'],
    periodicityField: 'destination.ip',
  }),

  data_access_by_user: preset({
    name: 'data_access_by_user',
    description: 'File access per user: bulk collection, unusual paths and volumes, off-hours access',
    eventCategory: ['file'],
    entityFields: ['user.name'],
    features: [
      { kind: 'count', name: 'file_events', label: 'file events', technique: 'T1005' },
      { kind: 'distinct_count', name: 'distinct_files', field: 'file.path', label: 'distinct files', technique: 'T1005' },
      { kind: 'distinct_count', name: 'distinct_directories', field: 'file.directory', label: 'distinct directories', technique: 'T1083' },
      {
        kind: 'sum',
        name: 'bytes_read',
        field: 'file.size',
        where: { 'event.type': 'access' },
        label: 'bytes of files read',
        technique: 'T1005',
      },
      { kind: 'count', name: 'deletions', where: { 'event.type': 'deletion' }, label: 'files deleted', technique: 'T1485' },
      { kind: 'distinct_count', name: 'distinct_hosts', field: 'host.name', label: 'distinct hosts accessed', technique: 'T1039' },
      { kind: 'first_seen', name: 'first_seen_host', field: 'host.name', label: 'hosts never accessed before', technique: 'T1039' },
      { kind: 'off_hours_share', name: 'off_hours_share', label: 'share of access outside working hours', technique: 'T1078' },
      { kind: 'burst', name: 'burst_per_minute', interval_seconds: 60, label: 'most file events in one minute', technique: 'T1119' },
    ],
    categoricalFields: ['host.name', 'file.extension'],
  }),
};

/** Merges a job with its preset (if any); throws a clear error when entity fields or features end up missing. */
export function resolveJob(job: JobConfig): ResolvedJob {
  const base = job.preset ? PRESETS[job.preset] : undefined;
  const configured = job.entity_fields ?? base?.entityFields;
  if (!configured || configured.length === 0) throw new Error(`job ${job.id}: set entity_fields (e.g. [user.name]) or choose a preset`);
  const { entityFields, entityFallbacks } = splitEntityFields(configured);
  const features = mergeFeatures(base?.features ?? [], job.features ?? []);
  if (features.length === 0) throw new Error(`job ${job.id}: set features or choose a preset`);
  try {
    assertUniqueNames(features);
  } catch (e) {
    throw new Error(`job ${job.id}: ${(e as Error).message}`, { cause: e });
  }
  const eventCategory = job.event_category ?? base?.eventCategory ?? [];
  const filter = combineFilters(
    base ? categoryFilter(base.eventCategory) : undefined,
    job.filter ? asJsonObject(job.filter, `job ${job.id}: filter`) : undefined,
  );
  const sequenceField = job.sequence_field ?? base?.sequenceField;
  const periodicityField = job.periodicity_field ?? base?.periodicityField;
  return {
    id: job.id,
    ...(job.preset ? { preset: job.preset } : {}),
    index: job.index,
    timeField: job.time_field,
    ...(filter ? { filter } : {}),
    eventCategory,
    entityFields,
    ...(entityFallbacks ? { entityFallbacks } : {}),
    features,
    categoricalFields: [...(job.categorical_fields ?? base?.categoricalFields ?? [])],
    relatedFields: base?.relatedFields ?? DEFAULT_RELATED_FIELDS,
    ...(sequenceField ? { sequenceField } : {}),
    ...(periodicityField ? { periodicityField } : {}),
  };
}

/** Primary entity field → the alternatives read, in order, when an event lacks it. */
export type { EntityFallbacks } from './executor.js';

/** [a, [b, c]] → fields [a, b] with fallbacks {b: [c]} (undefined when no entry has alternatives). */
export function splitEntityFields(list: readonly (string | readonly string[])[]): {
  entityFields: string[];
  entityFallbacks?: EntityFallbacks;
} {
  const entityFields: string[] = [];
  const fallbacks: Record<string, readonly string[]> = {};
  for (const entry of list) {
    const [first, ...rest] = typeof entry === 'string' ? [entry] : [...new Set(entry)];
    entityFields.push(first);
    if (rest.length > 0) fallbacks[first] = rest;
  }
  return Object.keys(fallbacks).length > 0 ? { entityFields, entityFallbacks: fallbacks } : { entityFields };
}

/** Every field an entity may be read from: the primary field, then its fallbacks. */
export function entityAlternatives(field: string, fallbacks: EntityFallbacks | undefined): readonly string[] {
  return [field, ...(fallbacks?.[field] ?? [])];
}

function mergeFeatures(preset: readonly FeatureSpec[], own: readonly FeatureSpec[]): FeatureSpec[] {
  const byName = new Map(own.map((f) => [f.name, f]));
  const merged = preset.map((f) => byName.get(f.name) ?? f);
  const presetNames = new Set(preset.map((f) => f.name));
  return [...merged, ...own.filter((f) => !presetNames.has(f.name))];
}

function categoryFilter(categories: readonly string[]): JsonObject | undefined {
  if (categories.length === 0) return undefined;
  return categories.length === 1 ? { term: { 'event.category': categories[0] } } : { terms: { 'event.category': [...categories] } };
}

function combineFilters(a: JsonObject | undefined, b: JsonObject | undefined): JsonObject | undefined {
  if (a && b) return { bool: { filter: [a, b] } };
  return a ?? b;
}

function asJsonObject(value: Record<string, unknown>, what: string): JsonObject {
  try {
    return JSON.parse(JSON.stringify(value)) as JsonObject;
  } catch (e) {
    throw new Error(`${what} is not plain JSON: ${(e as Error).message}`, { cause: e });
  }
}
