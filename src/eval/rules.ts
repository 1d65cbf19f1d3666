/**
 * The static-threshold baseline: ElastAlert-style rules a SOC would write by hand, per job —
 * `frequency` (N matching events per entity per window), `cardinality` (N distinct values of a
 * field per entity) and `new_term` (a value never seen for the entity before), plus a sum
 * threshold on bytes. Thresholds are the round numbers an engineer would pick up front; they are
 * not fitted to the labels. Each rule is a feature spec computed by the same executor as the
 * models' features, over the same entity-windows.
 *
 * For ranking metrics a rule set needs a score, not just fire / no fire: the score of a window is
 * max over rules of value / threshold (≥ 1 means at least one rule fires). That is generous to the
 * rules — a plain rule engine gives every alert the same rank.
 */
import type { JobConfig } from '../config/job.js';
import type { FeatureSpec } from '../config/feature-spec.js';
import type { ResolvedFeatures } from '../pipeline/job-plan.js';

export interface StaticRule {
  /** Feature name, prefixed rule_. */
  readonly name: string;
  /** ElastAlert rule type it mirrors. */
  readonly type: 'frequency' | 'cardinality' | 'new_term' | 'sum';
  readonly description: string;
  readonly spec: FeatureSpec;
  /** Fires at value ≥ threshold. */
  readonly threshold: number;
}

const FAILURE = { 'event.outcome': 'failure' };

function rule(type: StaticRule['type'], spec: FeatureSpec, threshold: number, description: string): StaticRule {
  return { name: spec.name, type, spec, threshold, description };
}

/** Rules for the preset a job starts from, keyed by the job's entity field. */
const PRESET_RULES: Readonly<Record<string, () => StaticRule[]>> = {
  auth_by_user: () => [
    rule('frequency', { kind: 'count', name: 'rule_failed_logins', where: FAILURE }, 10, '≥ 10 failed logins by one user in a window'),
    rule('cardinality', { kind: 'distinct_count', name: 'rule_distinct_hosts', field: 'host.name' }, 15, '≥ 15 distinct hosts logged on to by one user'),
    rule('new_term', { kind: 'first_seen', name: 'rule_new_country', field: 'source.geo.country_iso_code' }, 1, 'login from a country never seen for the user'),
  ],
  auth_by_source_ip: () => [
    rule('frequency', { kind: 'count', name: 'rule_failed_logins', where: FAILURE }, 20, '≥ 20 failed logins from one source IP'),
    rule('cardinality', { kind: 'distinct_count', name: 'rule_distinct_users', field: 'user.name' }, 10, '≥ 10 distinct accounts from one source IP'),
  ],
  process_by_host: () => [rule('new_term', { kind: 'first_seen', name: 'rule_new_process', field: 'process.name' }, 1, 'a process name never seen on the host')],
  network_by_source: () => [
    rule('sum', { kind: 'sum', name: 'rule_bytes_out', field: 'source.bytes' }, 1e9, '≥ 1 GB sent by one source'),
    rule('cardinality', { kind: 'distinct_count', name: 'rule_distinct_destinations', field: 'destination.ip' }, 50, '≥ 50 distinct destinations from one source'),
  ],
  data_access_by_user: () => [
    rule('frequency', { kind: 'count', name: 'rule_file_accesses' }, 300, '≥ 300 file accesses by one user'),
    rule('sum', { kind: 'sum', name: 'rule_bytes_read', field: 'file.size' }, 1e9, '≥ 1 GB of files read by one user'),
  ],
};

/**
 * The rules of a job: those of its preset; for a job without a preset, one frequency rule on the
 * event count whose threshold is set from the warm-up (the 99.9th percentile, what an engineer
 * would eyeball from a histogram) — `threshold: NaN` until `setWarmupThresholds` is called.
 */
export function rulesForJob(job: Pick<JobConfig, 'preset'>, _resolved?: ResolvedFeatures): StaticRule[] {
  const make = job.preset ? PRESET_RULES[job.preset] : undefined;
  if (make) return make();
  return [{ name: 'rule_event_count', type: 'frequency', spec: { kind: 'count', name: 'rule_event_count' }, threshold: Number.NaN, description: 'event count ≥ the 99.9th percentile of the warm-up' }];
}

/** Fills NaN thresholds from warm-up values of the rule's feature (99.9th percentile, at least 1). */
export function setWarmupThresholds(rules: StaticRule[], warmupValues: ReadonlyMap<string, number[]>): StaticRule[] {
  return rules.map((r) => {
    if (Number.isFinite(r.threshold)) return r;
    const values = [...(warmupValues.get(r.name) ?? [])].sort((a, b) => a - b);
    const p = values.length ? values[Math.min(values.length - 1, Math.floor(values.length * 0.999))] : 1;
    return { ...r, threshold: Math.max(1, p + 1) };
  });
}

/** max over rules of value / threshold: ≥ 1 when at least one rule fires. */
export function ruleScore(rules: readonly StaticRule[], features: Readonly<Record<string, number>>): number {
  let best = 0;
  for (const r of rules) {
    const v = features[r.name];
    if (!Number.isFinite(v) || !Number.isFinite(r.threshold) || r.threshold <= 0) continue;
    best = Math.max(best, v / r.threshold);
  }
  return best;
}

/** Names of the rules that fire. */
export function firedRules(rules: readonly StaticRule[], features: Readonly<Record<string, number>>): string[] {
  return rules.filter((r) => Number.isFinite(features[r.name]) && features[r.name] >= r.threshold).map((r) => r.name);
}
