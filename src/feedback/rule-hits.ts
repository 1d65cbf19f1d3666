/**
 * The SOC's detection rules as soft labels (weak supervision): matches a rule engine wrote to an
 * index — ElastAlert2's writeback index, Elastic Security's alerts, anything with a rule name, a
 * match time and the matched event — raise the fused score of the entity-windows they fall in.
 *
 * A match counts for a window when
 * - its time lies in the window [start, end),
 * - the matched event names the window's entity (its entity field holds the entity's value),
 * - the rule counts per that field, when its key field is known (`key_fields`: its query_key),
 * - and the window's job reads that kind of event (the job's filter accepts the matched event),
 * which is exactly how the evaluation's built-in rule engine credits windows (src/eval/rules.ts,
 * ruleWindowScores). Each distinct rule adds `weight` · 3 σ, up to `max_rules` rules: as a soft
 * label y* a rule says "attack" with probability `weight`, the same scale as the lists (lists.ts).
 * Risk-based alerting: one rule hit on an ordinary window rarely reaches the budget's cut; a hit on
 * an entity that is also anomalous, or two rules on one entity, does.
 */
import { z } from 'zod';
import type { RuleHitsConfig } from '../config/rule-hits.js';
import type { Engine, JsonObject } from '../engine/engine.js';
import { getPath } from '../features/event.js';
import type { EventPredicate } from '../features/query-filter.js';

/** z-units a weight-1 soft label moves the fused score (the lists' default). */
export const RULE_HIT_SHIFT = 3;

export interface RuleHit {
  readonly rule: string;
  /** Time of the matched event, epoch ms. */
  readonly ts: number;
  /** The matched event (its ECS fields). */
  readonly event: JsonObject;
}

export interface RuleHitWindow {
  readonly job: string;
  readonly entityField: string;
  readonly entityValue: string;
  readonly start: number;
  readonly end: number;
}

export interface RuleLabel {
  /** Added to the fused score (z scale). */
  readonly shift: number;
  /** The distinct rules that matched in the window, sorted. */
  readonly rules: readonly string[];
}

export interface RuleHitOptions {
  readonly weight: number;
  readonly maxRules: number;
  /** Rule name → the field it counts per. */
  readonly keyFields?: Readonly<Record<string, string>>;
  /** Job id → whether the job reads an event; a job not listed reads every event. */
  readonly jobs?: ReadonlyMap<string, EventPredicate>;
  /** The pseudonymiser's lookup (privacy.pseudonymise): documents name entities by token, matches by value. */
  readonly tokenise?: (field: string, value: string) => string;
}

/** How much rule hits count: weight · 3 σ per distinct rule, at most maxRules of them. */
export type RuleHitWeights = Pick<RuleHitOptions, 'weight' | 'maxRules'>;

/** A job as rule matches see it: the entity fields it scores and whether it reads an event. */
export interface RuleHitJob {
  readonly id: string;
  readonly entityFields: readonly string[];
  readonly accepts: EventPredicate;
}

/** The shift of `n` distinct rules: weight · 3 σ each, at most maxRules of them. */
export function ruleShift(n: number, o: RuleHitWeights): number {
  return Math.min(n, o.maxRules) * o.weight * RULE_HIT_SHIFT;
}

const valuesAt = (event: JsonObject, field: string): string[] => {
  const v = getPath(event, field);
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).filter((x) => typeof x === 'string' || typeof x === 'number').map(String);
};

/** The matches of one pass, looked up by entity. */
export class RuleHitIndex {
  private readonly byEntity = new Map<string, RuleHit[]>();

  /** @param fields the entity fields of the jobs (only these are indexed). */
  constructor(
    hits: readonly RuleHit[],
    fields: readonly string[],
    private readonly options: RuleHitOptions,
  ) {
    const keyFields = options.keyFields ?? {};
    for (const hit of hits) {
      const key = keyFields[hit.rule];
      for (const field of new Set(fields)) {
        if (key !== undefined && key !== field) continue;
        for (const raw of valuesAt(hit.event, field)) {
          const value = options.tokenise ? options.tokenise(field, raw) : raw;
          const k = `${field}\u0000${value}`;
          const list = this.byEntity.get(k);
          if (list) list.push(hit);
          else this.byEntity.set(k, [hit]);
        }
      }
    }
  }

  /** An index over the entity fields of `jobs`, crediting each job only with the events it reads. */
  static forJobs(hits: readonly RuleHit[], jobs: readonly RuleHitJob[], options: Omit<RuleHitOptions, 'jobs'>): RuleHitIndex {
    return new RuleHitIndex(
      hits,
      jobs.flatMap((j) => j.entityFields),
      { ...options, jobs: new Map(jobs.map((j) => [j.id, j.accepts])) },
    );
  }

  get size(): number {
    return this.byEntity.size;
  }

  /** The rules that matched in a window, and the shift they add up to. */
  label(w: RuleHitWindow): RuleLabel {
    const hits = this.byEntity.get(`${w.entityField}\u0000${w.entityValue}`);
    if (!hits) return { shift: 0, rules: [] };
    const accepts = this.options.jobs?.get(w.job);
    const rules = new Set<string>();
    for (const h of hits) if (h.ts >= w.start && h.ts < w.end && (!accepts || accepts(h.event))) rules.add(h.rule);
    const sorted = [...rules].sort();
    return { shift: ruleShift(sorted.length, this.options), rules: sorted };
  }
}

const isoOrEpoch = z.union([z.string().min(1), z.number()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a date: ${String(v)}` });
    return z.NEVER;
  }
  return ms;
});

export interface RuleHitsRead {
  readonly hits: RuleHit[];
  /** Match documents that could not be used (no rule name, no time, no event), with the reason. */
  readonly malformed: { readonly id: string; readonly reason: string }[];
  /** More matches than max_hits_per_pass: the oldest were left out. */
  readonly truncated: boolean;
}

/**
 * Reads the matches whose time lies in [from, to) from the rule engine's index, oldest first, at
 * most `max_hits_per_pass` (the newest kept). A document without a rule name, a parsable time or
 * an event object is reported, never silently used or dropped.
 */
export async function readRuleHits(engine: Engine, cfg: RuleHitsConfig, from: number, to: number): Promise<RuleHitsRead> {
  const hits: RuleHit[] = [];
  const malformed: { id: string; reason: string }[] = [];
  let truncated = false;
  const fields = cfg.body_field ? [cfg.rule_field, cfg.time_field, cfg.body_field] : ['*'];
  for await (const page of engine.stream({
    index: cfg.index,
    query: { range: { [cfg.time_field]: { gte: new Date(from).toISOString(), lt: new Date(to).toISOString() } } },
    fields,
    sort: [cfg.time_field],
    pageSize: 1000,
  })) {
    for (const h of page) {
      const rule = getPath(h.source, cfg.rule_field);
      const ts = isoOrEpoch.safeParse(getPath(h.source, cfg.time_field));
      const event = cfg.body_field ? getPath(h.source, cfg.body_field) : h.source;
      if (typeof rule !== 'string' || rule === '') malformed.push({ id: h.id, reason: `${cfg.rule_field}: missing or not a string` });
      else if (!ts.success) malformed.push({ id: h.id, reason: `${cfg.time_field}: ${ts.error.issues[0]?.message ?? 'not a date'}` });
      else if (event === null || typeof event !== 'object' || Array.isArray(event))
        malformed.push({ id: h.id, reason: `${cfg.body_field}: missing or not an object` });
      else hits.push({ rule, ts: ts.data, event: event as JsonObject });
    }
    if (hits.length > cfg.max_hits_per_pass) {
      hits.splice(0, hits.length - cfg.max_hits_per_pass);
      truncated = true;
    }
  }
  return { hits, malformed, truncated };
}
