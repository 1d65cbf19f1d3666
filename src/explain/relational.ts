/**
 * Words for the relational model's lift (src/models/relational.ts): which linked entity's risk a
 * window carries, so a victim account's alert says "linked to source IP 203.0.113.7 (z 8.1)"
 * instead of only "1 failed login".
 */
import { fieldWords, formatNumber } from './words.js';

/** How a neighbour's risk reached a window: the same entity in another job, or a shared related.* value. */
export type RelationalVia = 'same_entity' | 'ip' | 'user' | 'hosts' | 'related';

/** The neighbour whose risk lifted a window (models/relational.ts finds it). */
export interface RelationalSource {
  readonly key: string;
  readonly entityValue: string;
  readonly fused: number;
  readonly via: RelationalVia;
}

const VIA_WORDS: Record<RelationalVia, string> = {
  same_entity: 'the same entity in',
  ip: 'related IP',
  user: 'related user',
  hosts: 'related host',
  related: 'related',
};

/**
 * One clause for a lifted window, e.g. "risk from related IP 203.0.113.7 (auth-by-source-ip, z 8.1)";
 * undefined when the window's own score stood (nothing to add). `jobOf` names the source's job from
 * its key (default: the part before "|"); `fieldOf` its entity field, for the word.
 */
export function relationalClause(
  score: { readonly lift: number; readonly source?: RelationalSource },
  options: { minLift?: number; jobOf?: (key: string) => string; fieldOf?: (key: string) => string | undefined } = {},
): string | undefined {
  const s = score.source;
  if (!s || !(score.lift > (options.minLift ?? 0.5))) return undefined;
  const job = (options.jobOf ?? ((k: string) => k.split('|')[0]))(s.key);
  const z = `z ${formatNumber(Math.round(s.fused * 10) / 10)}`;
  if (s.via === 'same_entity') return `anomalous in ${job} too (${z})`;
  const field = options.fieldOf?.(s.key);
  const what = field ? `related ${fieldWords(field)}` : VIA_WORDS[s.via];
  return `risk from ${what} ${s.entityValue} (${job}, ${z})`;
}
