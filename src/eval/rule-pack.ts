/**
 * The ElastAlert2 rule pack shipped in rules/elastalert2/*.yaml, read and checked for the built-in
 * `rules` baseline: the same files ElastAlert2 runs in `npm run bench:peers`, so the baseline and
 * the peer apply the same thresholds, windows, histories and off-hours definition.
 *
 * Only the rule types and options the pack uses are accepted (frequency, cardinality, new_term,
 * spike, any; query_key, timeframe, filter, terms_window_size, off_hours, …); anything else is an
 * error naming the file and the option, never silently ignored.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { JsonObject } from '../engine/engine.js';

const timedelta = z
  .strictObject({
    weeks: z.number().optional(),
    days: z.number().optional(),
    hours: z.number().optional(),
    minutes: z.number().optional(),
    seconds: z.number().optional(),
  })
  .refine((t) => Object.keys(t).length > 0, { error: 'a duration such as {hours: 1}' });

export type Timedelta = z.infer<typeof timedelta>;

export function timedeltaMs(t: Timedelta): number {
  return ((((t.weeks ?? 0) * 7 + (t.days ?? 0)) * 24 + (t.hours ?? 0)) * 60 + (t.minutes ?? 0)) * 60_000 + (t.seconds ?? 0) * 1000;
}

const common = {
  name: z.string().min(1),
  description: z.string().min(1, 'say what the rule is for'),
  index: z.string().min(1),
  timestamp_field: z.literal('@timestamp').default('@timestamp'),
  query_key: z.string().min(1, 'the entity the rule counts per, e.g. user.name'),
  filter: z.array(z.record(z.string(), z.unknown())).default([]),
  realert: timedelta.optional(),
  alert: z.array(z.string()).min(1),
  use_keyword_postfix: z.boolean().optional(),
  off_hours: z
    .strictObject({ tz: z.string().min(1), day_start: z.number().int().min(0).max(24), day_end: z.number().int().min(0).max(24) })
    .optional(),
  match_enhancements: z.array(z.literal('elastalert_modules.off_hours.OffHours')).optional(),
  run_enhancements_first: z.boolean().optional(),
};

const ruleSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...common, type: z.literal('frequency'), num_events: z.number().int().min(1), timeframe: timedelta }),
  z.strictObject({
    ...common,
    type: z.literal('cardinality'),
    cardinality_field: z.string().min(1),
    max_cardinality: z.number().int().min(0),
    timeframe: timedelta,
  }),
  z.strictObject({
    ...common,
    type: z.literal('new_term'),
    fields: z.array(z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).min(1),
    terms_window_size: timedelta.default({ days: 30 }),
  }),
  z.strictObject({
    ...common,
    type: z.literal('spike'),
    spike_height: z.number().positive(),
    spike_type: z.enum(['up', 'down', 'both']),
    threshold_cur: z.number().min(0).optional(),
    threshold_ref: z.number().min(0).optional(),
    timeframe: timedelta,
  }),
  z.strictObject({ ...common, type: z.literal('any') }),
]);

export type PackRuleConfig = z.infer<typeof ruleSchema>;

/** A rule of the pack, as the baseline applies it. */
export interface PackRule {
  readonly file: string;
  readonly config: PackRuleConfig;
  /** The rule's filter list as one query (what ElastAlert2 puts in its bool filter). */
  readonly query: JsonObject;
}

/** Parses one rule file's text; errors name the file and the option at fault. */
export function parseRule(text: string, file: string): PackRule {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new Error(`${file}: not YAML: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = ruleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join('.') || '(rule)'}: ${issue.message}`);
  }
  const config = parsed.data;
  if (config.off_hours && !config.match_enhancements?.length)
    throw new Error(`${file}: off_hours needs match_enhancements: [elastalert_modules.off_hours.OffHours]`);
  return { file, config, query: { bool: { filter: config.filter } } as JsonObject };
}

/** rules/elastalert2 of the package, found upwards from this module (works from src/ and dist/src/). */
export function findRulePackDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'rules', 'elastalert2');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find the rules/elastalert2 directory of the Vigil package');
}

/** Every *.yaml rule of the pack, in file-name order. */
export function loadRulePack(dir = findRulePackDir()): PackRule[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  if (files.length === 0) throw new Error(`${dir}: no rule files (*.yaml)`);
  const rules = files.map((f) => parseRule(readFileSync(join(dir, f), 'utf8'), f));
  const names = new Set<string>();
  for (const r of rules) {
    if (names.has(r.config.name)) throw new Error(`${r.file}: rule name ${r.config.name} is used twice`);
    names.add(r.config.name);
  }
  return rules;
}
