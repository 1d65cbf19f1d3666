/**
 * Sequence surprise: a next-action model per entity (Markov chain of order 1 or 2) with Dirichlet
 * back-off to the population, scoring each action by −ln p(aₜ | previous actions).
 *
 *     p_uni(a)       = (U(a) + 1) / (N + V + 1)                       population unigram, add-one (+1 slot for unseen)
 *     p_pop(a | h₁)  = (C(h₁a) + α·p_uni(a)) / (C(h₁) + α)           population, order 1
 *     p_ent(a | h₁)  = (c(h₁a) + α·p_pop(a | h₁)) / (c(h₁) + α)       the entity, order 1
 *     p_ent(a | h₂)  = (c(h₂a) + α·p_ent(a | h₁)) / (c(h₂) + α)       the entity, order 2 (when order = 2)
 *
 * so a new entity is judged by what everybody does, and an entity's own habits take over as its
 * counts grow. Scored with the other entities of the same window (Ensemble.scoreMany), an action
 * most of them perform too has p at least their share. The context carries over from the entity's previous window ("^" before its first
 * action ever). Window score: mean, max or the blend (mean + max)/2 (default) of the surprises; a
 * window without actions has no sequence score (the ensemble then leaves this model out).
 *
 * A window that alerted is counted `quarantine` later (default one day, in the unit of the times
 * given to learnOne; its actions still set the context of the next window): an attack's new
 * actions stay new while it lasts, a new legitimate routine is learned by the next day.
 *
 * Memory: each entity keeps at most `maxTransitionsPerEntity` transitions; beyond that the rarest are
 * forgotten (and their contexts' totals recomputed), which can only make rare transitions look rarer.
 */
import type { Evidence } from '../explain/evidence.js';
import { ACTIONS_FIELD, type BatchContext } from './batch-context.js';
import { OnlineDetector, type DetectorFactory, type DetectorParams, type EvidenceContext, type ScoreContext } from './detector.js';
import { HashCounts } from './hash-counts.js';
import type { Observation } from './observation.js';
import { valueHash } from './value-hash.js';

export interface SequenceParams {
  readonly order: 1 | 2;
  /** Back-off strength α (default 1). */
  readonly alpha: number;
  readonly aggregate: 'mean' | 'max' | 'blend';
  /** Transitions remembered per entity (default 4096). */
  readonly maxTransitionsPerEntity: number;
  /** Delay before an alerted (flagged) window is counted, in the unit of learnOne's time (default 1 day in ms). */
  readonly quarantine: number;
}

export const DEFAULT_SEQUENCE_PARAMS: SequenceParams = {
  order: 1,
  alpha: 1,
  aggregate: 'blend',
  maxTransitionsPerEntity: 4096,
  quarantine: 86_400_000,
};

export interface SequenceScore {
  readonly score: number;
  readonly mean: number;
  readonly max: number;
  readonly transitions: number;
  /** The most surprising step of the window. */
  readonly worst: { readonly from: string; readonly to: string; readonly surprise: number; readonly firstSeen: boolean };
  /** Actions the entity performs for the first time. */
  readonly firstSeenActions: string[];
}

const START = '^';
const SEP = '\u0001';

class Counter {
  readonly counts = new Map<string, number>();
  add(key: string, by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}

/**
 * An entity's counts, keyed by fingerprints (value-hash.ts) in typed arrays rather than by
 * strings in maps: about 32 bytes a transition instead of some 200.
 */
interface EntityModel {
  /** Transition counts keyed by the fingerprint of "context␁action" (order-1 and, when used, order-2 contexts). */
  pairs: HashCounts;
  /** Transition fingerprint → its context's fingerprint (to recompute the totals after a prune). */
  pairContext: HashCounts;
  /** Totals per context fingerprint. */
  contexts: HashCounts;
  /** Actions performed, by fingerprint. */
  actions: HashCounts;
  /** Last `order` actions (the context for the next window). */
  last: string[];
}

/** Version 2: [transition fingerprint, context fingerprint, count] and [action fingerprint, count]; version 1: strings. */
export interface SequenceEntityState {
  pairs: [string, number][] | [number, number, number][];
  actions: [string | number, number][];
  last: string[];
}

export interface SequenceState {
  kind: 'sequence';
  version: 1 | 2;
  params: SequenceParams;
  population: { pairs: [string, number][]; contexts: [string, number][]; unigrams: [string, number][]; total: number };
  entities: Record<string, SequenceEntityState>;
  /** Alerted windows waiting to be counted: [entity, time, context before the window, actions] (absent in older states). */
  pending?: [string, number, string[], string[]][];
}

export class SequenceModel {
  readonly params: SequenceParams;
  private readonly popPairs = new Counter();
  private readonly popContexts = new Counter();
  private readonly unigrams = new Counter();
  private total = 0;
  private readonly entities = new Map<string, EntityModel>();
  /** Flagged windows in quarantine, in time order: [entity, time, context before, actions]. */
  private pending: [string, number, string[], string[]][] = [];

  constructor(params: Partial<SequenceParams> = {}) {
    const p = { ...DEFAULT_SEQUENCE_PARAMS, ...params };
    if (p.order !== 1 && p.order !== 2) throw new RangeError(`sequence: order must be 1 or 2, got ${String(p.order)}`);
    if (!(p.alpha > 0)) throw new RangeError(`sequence: alpha must be > 0, got ${p.alpha}`);
    if (!['mean', 'max', 'blend'].includes(p.aggregate))
      throw new RangeError(`sequence: aggregate must be mean, max or blend, got ${p.aggregate}`);
    if (!Number.isInteger(p.maxTransitionsPerEntity) || p.maxTransitionsPerEntity < 1)
      throw new RangeError('sequence: maxTransitionsPerEntity must be a whole number ≥ 1');
    if (!(p.quarantine >= 0)) throw new RangeError(`sequence: quarantine must be ≥ 0, got ${p.quarantine}`);
    this.params = p;
  }

  /**
   * Learn one window's actions. With a `time`, quarantined windows whose time has come are counted
   * first; a `flagged` (alerted) window with a time sets the entity's context now and is counted
   * once `quarantine` has passed.
   */
  learnOne(entity: string, actions: readonly string[], time?: number, flagged = false): void {
    const timed = time !== undefined && Number.isFinite(time);
    if (timed) {
      while (this.pending.length > 0 && time - this.pending[0][1] >= this.params.quarantine) {
        const [e, , before, acts] = this.pending.shift()!;
        this.count(this.model(e), before, acts);
      }
    }
    if (actions.length === 0) return;
    const m = this.model(entity);
    if (timed && flagged && this.params.quarantine > 0) {
      const before = [...m.last];
      const hist = [...before, ...actions].slice(-2);
      m.last = hist.slice(-this.params.order);
      let at = this.pending.length;
      while (at > 0 && this.pending[at - 1][1] > time) at--;
      this.pending.splice(at, 0, [entity, time, before, [...actions]]);
      return;
    }
    m.last = this.count(m, m.last, actions).slice(-this.params.order);
  }

  /** Windows waiting in quarantine. */
  get quarantined(): number {
    return this.pending.length;
  }

  private model(entity: string): EntityModel {
    let m = this.entities.get(entity);
    if (!m) {
      m = newModel([]);
      this.entities.set(entity, m);
    }
    return m;
  }

  /** Counts the actions after the context `before`; returns the last two actions. */
  private count(m: EntityModel, before: readonly string[], actions: readonly string[]): string[] {
    const hist = [...before];
    for (const a of actions) {
      const h1 = hist.length > 0 ? hist[hist.length - 1] : START;
      this.popPairs.add(h1 + SEP + a);
      this.popContexts.add(h1);
      this.unigrams.add(a);
      this.total++;
      addPair(m, h1, a);
      if (this.params.order === 2) addPair(m, context2(hist), a);
      m.actions.add(valueHash(a));
      hist.push(a);
      if (hist.length > 2) hist.shift();
    }
    if (m.pairs.size > this.params.maxTransitionsPerEntity) prune(m, Math.floor(this.params.maxTransitionsPerEntity * 0.9));
    return hist;
  }

  /**
   * Surprise of a window's actions for an entity; undefined when there are no actions. Does not
   * change state. With a batch, an action performed by a share q of the other entities of the same
   * window has p ≥ q.
   */
  scoreOne(entity: string, actions: readonly string[], batch?: BatchContext): SequenceScore | undefined {
    if (actions.length === 0) return undefined;
    const m = this.entities.get(entity);
    const hist = m ? [...m.last] : [];
    let sum = 0;
    let worst = { from: START, to: actions[0], surprise: -Infinity, firstSeen: false };
    const firstSeen = new Set<string>();
    for (const a of actions) {
      const h1 = hist.length > 0 ? hist[hist.length - 1] : START;
      let p = this.entityOrder1(m, h1, a);
      if (this.params.order === 2 && m) {
        const h2 = context2(hist);
        p = (m.pairs.get(valueHash(h2 + SEP + a)) + this.params.alpha * p) / (m.contexts.get(valueHash(h2)) + this.params.alpha);
      }
      if (batch) p = Math.max(p, batch.peerShare(ACTIONS_FIELD, a));
      const s = -Math.log(p);
      sum += s;
      const isNew = !m || m.actions.get(valueHash(a)) === 0;
      if (isNew) firstSeen.add(a);
      if (s > worst.surprise) worst = { from: h1, to: a, surprise: s, firstSeen: isNew };
      hist.push(a);
      if (hist.length > 2) hist.shift();
    }
    const mean = sum / actions.length;
    const max = worst.surprise;
    const agg = this.params.aggregate;
    const score = agg === 'mean' ? mean : agg === 'max' ? max : (mean + max) / 2;
    return { score, mean, max, transitions: actions.length, worst, firstSeenActions: [...firstSeen].sort() };
  }

  toJSON(): SequenceState {
    const entities: SequenceState['entities'] = {};
    for (const [e, m] of this.entities) entities[e] = modelToJSON(m);
    return {
      kind: 'sequence',
      version: 2,
      params: { ...this.params },
      population: {
        pairs: [...this.popPairs.counts],
        contexts: [...this.popContexts.counts],
        unigrams: [...this.unigrams.counts],
        total: this.total,
      },
      entities,
      pending: this.pending.map(([e, t, b, a]) => [e, t, [...b], [...a]]),
    };
  }

  static fromJSON(state: SequenceState): SequenceModel {
    if (state?.kind !== 'sequence' || (state.version !== 1 && state.version !== 2))
      throw new TypeError('sequence: not a sequence state (kind "sequence", version 1 or 2)');
    // States from before the quarantine existed get the default.
    const s = new SequenceModel({ ...state.params, quarantine: state.params.quarantine ?? DEFAULT_SEQUENCE_PARAMS.quarantine });
    s.pending = (state.pending ?? []).map(([e, t, b, a]) => [e, t, [...b], [...a]]);
    for (const [k, v] of state.population.pairs) s.popPairs.counts.set(k, v);
    for (const [k, v] of state.population.contexts) s.popContexts.counts.set(k, v);
    for (const [k, v] of state.population.unigrams) s.unigrams.counts.set(k, v);
    s.total = state.population.total;
    for (const [e, em] of Object.entries(state.entities)) s.entities.set(e, modelFromJSON(em));
    return s;
  }

  /** Removes the entity's model and returns it (JSON, fingerprints); undefined when it has none. */
  evictEntity(entity: string): SequenceEntityState | undefined {
    const m = this.entities.get(entity);
    if (!m) return undefined;
    this.entities.delete(entity);
    return modelToJSON(m);
  }

  /**
   * Puts back a model evictEntity returned. Transitions counted for the entity while it was away (a
   * quarantined window whose time came) are added to it, as they would have been.
   */
  restoreEntity(entity: string, state: SequenceEntityState): void {
    const m = modelFromJSON(state);
    const away = this.entities.get(entity);
    if (away) {
      for (const [key, count] of away.pairs.entries()) {
        m.pairs.add(key, count);
        m.pairContext.set(key, away.pairContext.get(key));
        m.contexts.add(away.pairContext.get(key), count);
      }
      for (const [key, count] of away.actions.entries()) m.actions.add(key, count);
    }
    this.entities.set(entity, m);
  }

  private entityOrder1(m: EntityModel | undefined, h1: string, a: string): number {
    const alpha = this.params.alpha;
    const V = this.unigrams.counts.size;
    const pUni = (this.unigrams.get(a) + 1) / (this.total + V + 1);
    const pPop = (this.popPairs.get(h1 + SEP + a) + alpha * pUni) / (this.popContexts.get(h1) + alpha);
    if (!m) return pPop;
    return (m.pairs.get(valueHash(h1 + SEP + a)) + alpha * pPop) / (m.contexts.get(valueHash(h1)) + alpha);
  }
}

function context2(hist: readonly string[]): string {
  const a = hist.length >= 2 ? hist[hist.length - 2] : START;
  const b = hist.length >= 1 ? hist[hist.length - 1] : START;
  return `${a}\u0002${b}`;
}

function modelToJSON(m: EntityModel): SequenceEntityState {
  return { pairs: m.pairs.entries().map(([k, v]) => [k, m.pairContext.get(k), v]), actions: m.actions.entries(), last: [...m.last] };
}

function modelFromJSON(em: SequenceEntityState): EntityModel {
  const m = newModel([...em.last]);
  for (const pair of em.pairs) {
    // Version 1 kept "context␁action" strings; version 2 their fingerprints and the context's.
    const [key, context, count] =
      typeof pair[0] === 'string'
        ? [valueHash(pair[0]), valueHash(pair[0].slice(0, pair[0].lastIndexOf(SEP))), pair[1]]
        : (pair as [number, number, number]);
    setPair(m, key, context, count);
  }
  for (const [k, v] of em.actions) m.actions.set(typeof k === 'string' ? valueHash(k) : k, v);
  return m;
}

function newModel(last: string[]): EntityModel {
  return { pairs: new HashCounts(), pairContext: new HashCounts(), contexts: new HashCounts(), actions: new HashCounts(), last };
}

/** Counts one step from `context` to `action`. */
function addPair(m: EntityModel, context: string, action: string): void {
  const key = valueHash(context + SEP + action);
  const ctx = valueHash(context);
  m.pairs.add(key);
  m.pairContext.set(key, ctx);
  m.contexts.add(ctx);
}

function setPair(m: EntityModel, key: number, context: number, count: number): void {
  m.pairs.set(key, count);
  m.pairContext.set(key, context);
  m.contexts.add(context, count);
}

/** Keep the `keep` most frequent transitions (ties: the smaller fingerprint) and recompute the context totals from them. */
function prune(m: EntityModel, keep: number): void {
  const entries = m.pairs
    .entries()
    .sort((x, y) => y[1] - x[1] || x[0] - y[0])
    .slice(0, keep)
    .sort((x, y) => x[0] - y[0])
    .map(([k, v]) => [k, m.pairContext.get(k), v] as const);
  m.pairs = new HashCounts(keep);
  m.pairContext = new HashCounts(keep);
  m.contexts = new HashCounts();
  for (const [k, c, v] of entries) setPair(m, k, c, v);
}

export interface SequenceDetectorParams extends DetectorParams {
  sequence?: Partial<SequenceParams>;
}

/** The ensemble's "sequence" detector: the window's ordered actions under the entity's Markov model. */
export class SequenceDetector extends OnlineDetector<SequenceScore, SequenceState> {
  readonly name = 'sequence';

  constructor(readonly model: SequenceModel) {
    super();
  }

  scoreOne(obs: Observation, ctx?: ScoreContext): SequenceScore | undefined {
    return obs.actions && obs.actions.length > 0 ? this.model.scoreOne(obs.entity, obs.actions, ctx?.batch) : undefined;
  }

  learnOne(obs: Observation, flagged = false): void {
    if (obs.actions && obs.actions.length > 0) this.model.learnOne(obs.entity, obs.actions, obs.time, flagged);
  }

  evictEntity(entity: string): unknown {
    return this.model.evictEntity(entity);
  }

  restoreEntity(entity: string, state: unknown): void {
    this.model.restoreEntity(entity, state as SequenceEntityState);
  }

  /** The most surprising step. */
  evidence(s: SequenceScore, ctx: EvidenceContext): Evidence[] {
    if (!(ctx.share > 0)) return [];
    const w = s.worst;
    return [
      {
        kind: 'sequence',
        from: w.from,
        to: w.to,
        surprise: s.score,
        typicalSurprise: ctx.typicalScore,
        firstSeen: w.firstSeen,
        contribution: ctx.share,
      },
    ];
  }

  /** The most surprising action and the first-time ones. */
  actionsOf(s: SequenceScore): string[] {
    return [s.worst.to, ...s.firstSeenActions];
  }

  toJSON(): SequenceState {
    return this.model.toJSON();
  }
}

export const sequenceFactory: DetectorFactory<'sequence', SequenceDetector, SequenceDetectorParams> = {
  name: 'sequence',
  minScale: 0.25,
  create: (params) => new SequenceDetector(new SequenceModel(params.sequence)),
  fromJSON: (state) => new SequenceDetector(SequenceModel.fromJSON(state as SequenceState)),
};
