import { z } from 'zod';

/**
 * `rule_hits:` — the SOC's own detection rules as soft labels (src/feedback/rule-hits.ts): Vigil
 * reads the matches a rule engine wrote to an index (ElastAlert2's writeback index by default, or
 * any index with a rule name, a match time and the matched event) and raises the fused score of
 * every entity-window a rule matched in, by `weight` · 3 σ per distinct rule, up to `max_rules`
 * rules. Risk-based alerting: a rule hit alone rarely fills the budget, a rule hit on an entity that
 * is also anomalous does.
 */
export const ruleHitsSchema = z.strictObject({
  /** The index (or pattern) holding the matches, e.g. ElastAlert2's writeback_index `elastalert`. */
  index: z.string().min(1, 'rule_hits.index: the index the rule engine writes its matches to, e.g. elastalert'),
  /** Field with the rule's name. */
  rule_field: z.string().min(1).default('rule_name'),
  /** Date field with the time of the matched event (ElastAlert2: match_time, the event's @timestamp). */
  time_field: z.string().min(1).default('match_time'),
  /** Object holding the matched event's fields ('' = the match document's root, as Elastic Security alerts). */
  body_field: z.string().default('match_body'),
  /**
   * Soft-label strength of one rule hit in [0, 1]: the fused score rises by weight · 3 σ per distinct
   * rule. Default 1 (3 σ, as a weight-1 list): across the suite's five worlds it was the best worst
   * case of 0.5, 0.67, 0.83 and 1 (docs/evaluation.md).
   */
  weight: z.number().min(0).max(1).default(1),
  /** Distinct rules counted per window at most (a rule storm cannot outweigh everything else). */
  max_rules: z.number().int().min(1).max(20).default(2),
  /**
   * Per rule, the field it counts per (its query_key): its hits raise only windows of that entity
   * field. A rule not listed raises every window whose entity appears in the matched event.
   */
  key_fields: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** Matches read per pass at most (newest windows keep theirs; the rest is logged). */
  max_hits_per_pass: z.number().int().min(1).max(1_000_000).default(100_000),
});

export type RuleHitsConfig = z.infer<typeof ruleHitsSchema>;
