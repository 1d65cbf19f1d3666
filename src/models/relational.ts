/**
 * The relational detector (the third family of the paper's ensemble, beside the instance and
 * sequence detectors): risk propagated between entity-windows of the same time window that are
 * linked through their entity values and `related.*`.
 *
 * Each job sees one slice of what an attacker does. A password spray is loud in the per-source-IP
 * job (forty accounts tried) and nearly silent in the per-user job (each account shows one failed
 * login); a beacon is visible only to the network job, while the compromised host also logs on and
 * runs processes. The windows that share an entity with the loud one are part of the same incident.
 * Two kinds of link, within one time window:
 *
 *   same entity   window n has the same entity value as e (another job's view of the same IP,
 *                 user or host)
 *   related       n's entity value is among e's related values of the same kind (an IP in
 *                 related.ip, a user in related.user, a host in related.hosts)
 *
 * Of k linked windows, the strongest counts, corrected for having had k chances (Šidák on its tail
 * probability: z_k = Φ⁻¹(1 − k·(1 − Φ(max z)))) — the most anomalous of twenty ordinary neighbours
 * is 2σ by chance alone. With S = that corrected score over the same-entity windows and L over the
 * related ones (scores ≤ 0 add nothing):
 *
 *   first(e)  = max( fused(e),
 *                    sameEntity · S(e),                                  the same actor
 *                    (fused(e) + linked · L(e)) / √(1 + linked²),        own evidence + a participant's
 *                    linkedAlone · L(e) )                                a participant's alone, damped
 *   fused'(e) = max( first(e), secondHop · L₁(e) )   L₁ = the corrected strongest first(n) of the related windows
 *
 * All fused scores are on the ensemble's standard-normal scale, so fused' is too. The same entity
 * seen by another job is the same actor: its risk carries over almost whole (sameEntity, default
 * 0.9). A related entity is only a participant: its risk is added to the window's own evidence as
 * a second, weighted standardised score (Stouffer, weight `linked`, default 0.9) — a victim
 * account that also shows a failed login from a new country rises far, an account that merely
 * shares a busy server rises less — and alone carries over only damped (linkedAlone, default
 * 0.7). The second hop (secondHop, default 0.5) reaches what one job sees two links away: the user
 * collecting files is anomalous in the file-access job, the host they log on from is linked to
 * them in the authentication job, and the network job's window of that host is linked to it only
 * through that. Every hop damps (< 1), a window never scores lower than its own fused score, and
 * each hop reads the previous one's results, so the result does not depend on the order of the
 * windows and cannot amplify itself around a cycle.
 *
 * Pure and deterministic: give it the scored windows of every job for one time window (windows of
 * different lengths: those overlapping the same interval), take `fused` back.
 */

import type { RelationalSource, RelationalVia } from '../explain/relational.js';
import { logUpperTail, zFromLogUpperTail } from './normal-tail.js';

/** related.* of a window: per kind, or one flat list (then any kind matches). */
export type RelatedValues =
  { readonly ip?: readonly string[]; readonly user?: readonly string[]; readonly hosts?: readonly string[] } | readonly string[];

export interface RelationalWindow {
  /** Unique within the call, e.g. `${job}|${entityValue}`. */
  readonly key: string;
  /** The entity field (e.g. "source.ip", "user.name"): decides which related.* list links to it. */
  readonly entityField?: string;
  readonly entityValue: string;
  readonly related?: RelatedValues;
  /** The ensemble's fused score of the window (standard-normal scale). */
  readonly fused: number;
}

export interface RelationalParams {
  /** Share of another job's risk for the same entity value that carries over (default 0.9). */
  readonly sameEntity: number;
  /** Weight of a related entity's risk added to the window's own evidence (default 0.9). */
  readonly linked: number;
  /** Share of a related entity's risk that carries over without own evidence (default 0.7). */
  readonly linkedAlone: number;
  /** Share of a related window's first-hop score that carries over a second hop (default 0.5; 0 = one hop). */
  readonly secondHop: number;
}

export const DEFAULT_RELATIONAL_PARAMS: RelationalParams = { sameEntity: 0.9, linked: 0.9, linkedAlone: 0.7, secondHop: 0.5 };

export interface RelationalScore {
  readonly key: string;
  /** fused' — the window's score with its neighbours' risk; ≥ its own fused score. */
  readonly fused: number;
  /** The window's own fused score, as given. */
  readonly own: number;
  /** fused' − own: how much the neighbours added (0 when nothing). */
  readonly lift: number;
  /** The neighbour that contributed most, when one lifted the score. */
  readonly source?: RelationalSource;
  /**
   * Key of the window whose own evidence the score rests on: the window itself when nothing lifted
   * it, else its source's root. Windows sharing a root are one incident (group their alerts).
   */
  readonly root: string;
}

type Kind = Exclude<RelationalVia, 'same_entity' | 'related'>;
type Via = RelationalVia;

/** Which related.* list an entity field's values appear in (as the evaluation's label rule). */
export function relatedKindOf(field: string | undefined): Kind | undefined {
  if (!field) return undefined;
  if (field === 'ip' || field.endsWith('.ip')) return 'ip';
  if (field === 'user.name' || field.endsWith('.user.name')) return 'user';
  if (field === 'host.name' || field === 'host.hostname' || field.endsWith('.host.name')) return 'hosts';
  return undefined;
}

function validate(p: RelationalParams): void {
  for (const k of ['sameEntity', 'linked', 'linkedAlone', 'secondHop'] as const) {
    if (!(p[k] >= 0 && p[k] <= 1)) throw new RangeError(`relational: ${k} must be in [0, 1], got ${p[k]}`);
  }
}

/** The related values of a window that could link to an entity of `kind` (all of them for a flat list or an unknown kind). */
function relatedOf(related: RelatedValues | undefined, kind: Kind | undefined): readonly string[] {
  if (!related) return [];
  if (Array.isArray(related)) return related as readonly string[];
  const r = related as { ip?: readonly string[]; user?: readonly string[]; hosts?: readonly string[] };
  if (kind) return r[kind] ?? [];
  return [...(r.ip ?? []), ...(r.user ?? []), ...(r.hosts ?? [])];
}

/**
 * The strongest of k neighbours' scores, corrected for having had k chances (Šidák/Bonferroni on
 * the tail probability): the most anomalous of twenty ordinary neighbours is about 2σ by chance
 * alone, and must not pass for evidence. −∞ when there is nothing to correct.
 */
export function strongestOf(best: number, k: number): number {
  if (k <= 0 || !(best > -Infinity)) return -Infinity;
  if (k === 1) return best;
  const logP = logUpperTail(best) + Math.log(k);
  return logP >= 0 ? -Infinity : zFromLogUpperTail(logP);
}

interface Neighbourhood {
  /** Other windows of the same entity value. */
  readonly same: readonly number[];
  /** Windows whose entity is among this window's related values, with the kind of the link. */
  readonly linked: ReadonlyMap<number, Via>;
}

/**
 * Who links to whom within one time window. A link through a hub (a value in `hubs`, keyed
 * "kind=value", e.g. "ip=10.0.0.18") is no link: a window of the hub links to nothing by its
 * related values, and no window links to the hub through them — everybody touches the domain
 * controller. Same-entity links stay.
 */
function neighbourhoods(windows: readonly RelationalWindow[], hubs: ReadonlySet<string>): Neighbourhood[] {
  const byValue = new Map<string, number[]>();
  windows.forEach((w, i) => {
    const list = byValue.get(w.entityValue);
    if (list) list.push(i);
    else byValue.set(w.entityValue, [i]);
  });
  const kinds = windows.map((w) => relatedKindOf(w.entityField));
  const isHub = (kind: Kind | undefined, v: string): boolean =>
    hubs.size > 0 && (kind ? hubs.has(`${kind}=${v}`) : hubs.has(`ip=${v}`) || hubs.has(`user=${v}`) || hubs.has(`hosts=${v}`));
  return windows.map((w, i) => {
    const same = (byValue.get(w.entityValue) ?? []).filter((j) => j !== i);
    const linked = new Map<number, Via>();
    if (kinds[i] !== undefined && isHub(kinds[i], w.entityValue)) return { same, linked };
    const add = (values: readonly string[], kind: Kind | undefined): void => {
      for (const v of values) {
        if (v === w.entityValue || isHub(kind, v)) continue;
        for (const j of byValue.get(v) ?? []) {
          // A typed related list links only to entities of its kind (an IP list to IP entities).
          if (j === i || linked.has(j) || (kind !== undefined && kinds[j] !== undefined && kinds[j] !== kind)) continue;
          linked.set(j, kind ?? 'related');
        }
      }
    };
    if (Array.isArray(w.related)) add(w.related as readonly string[], undefined);
    else if (w.related) for (const kind of ['ip', 'user', 'hosts'] as const) add(relatedOf(w.related, kind), kind);
    return { same, linked };
  });
}

/** The strongest of some neighbours' scores, corrected for their number, and which one it was. */
function strongest(scores: readonly number[], among: Iterable<number>): { z: number; from: number } {
  let best = -Infinity;
  let from = -1;
  let k = 0;
  for (const j of among) {
    k++;
    if (scores[j] > best) {
      best = scores[j];
      from = j;
    }
  }
  return { z: strongestOf(best, k), from };
}

/** Propagates risk between the linked windows of one time window; see the file comment. Output in input order. */
export function propagateRelational(
  windows: readonly RelationalWindow[],
  params: Partial<RelationalParams> = {},
  hubs: ReadonlySet<string> = new Set(),
): RelationalScore[] {
  const p = { ...DEFAULT_RELATIONAL_PARAMS, ...params };
  validate(p);
  const own = windows.map((w) => (Number.isFinite(w.fused) ? w.fused : 0));
  const hoods = neighbourhoods(windows, hubs);
  const norm = Math.sqrt(1 + p.linked * p.linked);
  type Best = { score: number; source?: RelationalScore['source']; from?: number };
  const offer = (b: Best, score: number, j: number, via: Via): void => {
    if (score > b.score) {
      b.score = score;
      b.source = { key: windows[j].key, entityValue: windows[j].entityValue, fused: own[j], via };
      b.from = j;
    }
  };
  // First hop: from the neighbours' own scores.
  const first: Best[] = hoods.map((h, i) => {
    const b: Best = { score: own[i] };
    const same = strongest(own, h.same);
    if (same.from >= 0) offer(b, p.sameEntity * same.z, same.from, 'same_entity');
    const link = strongest(own, h.linked.keys());
    if (link.from >= 0 && link.z > 0) {
      const via = h.linked.get(link.from) ?? 'related';
      offer(b, (own[i] + p.linked * link.z) / norm, link.from, via);
      offer(b, p.linkedAlone * link.z, link.from, via);
    }
    return b;
  });
  // Second hop: a related window's first-hop score, damped again (the host an exfiltrating user
  // logged on from, seen by a job that cannot see the exfiltration).
  const hop1 = first.map((b) => b.score);
  const root1 = first.map((b, i) => windows[b.from ?? i].key);
  return hoods.map((h, i) => {
    const b: Best = { ...first[i] };
    let root = root1[i];
    if (p.secondHop > 0) {
      const link = strongest(hop1, h.linked.keys());
      if (link.from >= 0 && link.z > 0 && p.secondHop * link.z > b.score) {
        offer(b, p.secondHop * link.z, link.from, h.linked.get(link.from) ?? 'related');
        root = root1[link.from];
      }
    }
    return { key: windows[i].key, fused: b.score, own: own[i], lift: b.score - own[i], ...(b.source ? { source: b.source } : {}), root };
  });
}
