/**
 * The incident pass: one call per time slice turns every job's scored entity-windows into the
 * decisions an analyst sees. In order:
 *
 *   1. benign recurrence   the window's own score minus what its (job, entity) usually scores at
 *                          this hour of the week / day (recurrence.ts)
 *   2. relational          risk propagated between the slice's linked windows (models/relational.ts),
 *                          never through hubs: values usually shared by many entities (hubs.ts)
 *   3. entity risk         per entity, evidence accumulated with decay over a horizon (risk.ts)
 *   4. incidents           windows at risk ≥ incidentMin grouped by the entity their evidence rests
 *                          on (their relational root): their own entity's incident when they are at
 *                          least as strong as the neighbour that lifted them, else the root's open
 *                          incident, else the one the root (then their own entity) was lately a
 *                          member of, else one whose root their related.* name, else a new one.
 *                          Incidents never merge, close after `gapMs` without a window and
 *                          after `maxSpanMs` in all — so linked noise cannot fuse the estate into
 *                          one incident that alerts once and swallows every later attack
 *   5. decision            one per incident: it alerts once (status new) when a window reaches the
 *                          cut and the day's budget has a slot; later windows at the cut are updates
 *
 * Incident ids are sha256(first window start, root entity key) — the same events give the same ids
 * on a re-run or after a restart from a checkpoint (toJSON / fromJSON).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { severityOf } from '../anomaly/document.js';
import { propagateRelational, relatedKindOf, type RelatedValues } from '../models/relational.js';
import { AlertBudget, budgetStateSchema, cutOfRisk, scoreOfRisk, type BudgetState } from './budget.js';
import { HubIndex, hubStateSchema, type HubState } from './hubs.js';
import { RecurrenceBaseline, recurrenceDiscounted, type RecurrenceState } from './recurrence.js';
import { EntityRisk, type RiskState } from './risk.js';
import {
  DAY_MS,
  incidentOptions,
  type EntityWindowInput,
  type IncidentDecision,
  type IncidentOptions,
  type IncidentOptionsInput,
  type IncidentStatus,
  type SliceDecision,
  type SliceInput,
  type WindowDecision,
} from './types.js';

const STATE_VERSION = 1;

interface OpenIncident {
  id: string;
  firstStart: number;
  lastEnd: number;
  root: string;
  entities: string[];
  /** Per entity (same order), the end of its last window in the incident: only recently seen members link new windows. */
  seen: number[];
  alerted: boolean;
  peakScore: number;
  peakRisk: number;
}

export interface IncidentStateJson {
  readonly version: number;
  readonly lastEnd: number | null;
  readonly incidents: readonly OpenIncident[];
  readonly risk: RiskState;
  readonly recurrence: RecurrenceState;
  readonly budget: BudgetState;
  readonly hubs?: HubState;
}

const stateSchema = z.object({
  version: z.literal(STATE_VERSION),
  lastEnd: z.number().nullable(),
  incidents: z.array(
    z.object({
      id: z.string(),
      firstStart: z.number(),
      lastEnd: z.number(),
      root: z.string(),
      entities: z.array(z.string()),
      seen: z.array(z.number()).optional(),
      alerted: z.boolean(),
      peakScore: z.number(),
      peakRisk: z.number(),
    }),
  ),
  risk: z.object({ entities: z.record(z.string(), z.record(z.string(), z.object({ t: z.number(), own: z.number(), prop: z.number() }))) }),
  recurrence: z.object({
    keys: z.record(
      z.string(),
      z.object({
        how: z.record(z.string(), z.array(z.object({ d: z.number(), t: z.number(), s: z.number() }))),
        days: z.array(z.object({ d: z.number(), t: z.number(), s: z.number() })),
      }),
    ),
  }),
  budget: budgetStateSchema,
  hubs: hubStateSchema.optional(),
});

/** The key an entity is known by across jobs: the kind of value (ip, user, hosts) or the field, and the value. */
export function entityKeyOf(field: string, value: string): string {
  return `${relatedKindOf(field) ?? field}=${value}`;
}

/** Entity keys a window's related.* values name. */
function relatedKeys(related: RelatedValues | undefined): string[] {
  if (!related) return [];
  if (Array.isArray(related)) return [];
  const r = related as { ip?: readonly string[]; user?: readonly string[]; hosts?: readonly string[] };
  return [...(r.ip ?? []).map((v) => `ip=${v}`), ...(r.user ?? []).map((v) => `user=${v}`), ...(r.hosts ?? []).map((v) => `hosts=${v}`)];
}

export function incidentIdOf(firstStart: number, root: string): string {
  return createHash('sha256')
    .update(`${new Date(firstStart).toISOString()}|${root}`)
    .digest('hex')
    .slice(0, 16);
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * New groups of one slice whose windows name each other's root entity (the victim account's
 * window names the sprayer's IP, both seen first in this slice) become one incident, rooted at
 * the entity with the strongest window. Within one slice only, and never through a hub, so it
 * cannot chain across the estate. Sorted by root, for determinism.
 */
function joinFresh(
  fresh: ReadonlyMap<string, number[]>,
  named: readonly (readonly string[])[],
  risks: readonly number[],
  hubs: ReadonlySet<string>,
): [string, number[]][] {
  const parent = new Map<string, string>([...fresh.keys()].map((k) => [k, k]));
  const find = (k: string): string => {
    let at = k;
    while (parent.get(at) !== at) at = parent.get(at) ?? at;
    return at;
  };
  for (const [root, members] of [...fresh].sort((a, b) => byString(a[0], b[0])))
    for (const i of members)
      for (const rk of named[i]) {
        if (rk === root || hubs.has(rk) || !parent.has(rk)) continue;
        const [a, b] = [find(root), find(rk)].sort(byString);
        if (a !== b) parent.set(b, a);
      }
  const comps = new Map<string, string[]>();
  for (const k of [...fresh.keys()].sort(byString)) {
    const c = find(k);
    comps.set(c, [...(comps.get(c) ?? []), k]);
  }
  const strength = (k: string): number => Math.max(...(fresh.get(k) ?? []).map((i) => risks[i]));
  return [...comps.values()]
    .map((roots): [string, number[]] => {
      const root = [...roots].sort((a, b) => strength(b) - strength(a) || byString(a, b))[0];
      return [root, roots.flatMap((k) => fresh.get(k) ?? [])];
    })
    .sort((a, b) => byString(a[0], b[0]));
}

/** Adds members (with when each was seen) to an incident; keeps the latest sighting, entities sorted. */
function mergeMembers(incident: OpenIncident, entities: readonly string[], seen: readonly number[]): void {
  const last = new Map<string, number>(incident.entities.map((e, m) => [e, incident.seen[m]]));
  entities.forEach((e, m) => last.set(e, Math.max(last.get(e) ?? -Infinity, seen[m])));
  incident.entities = [...last.keys()].sort(byString);
  incident.seen = incident.entities.map((e) => last.get(e) ?? 0);
}

export class IncidentTracker {
  readonly options: IncidentOptions;
  private readonly recurrence: RecurrenceBaseline;
  private readonly risk: EntityRisk;
  private readonly budget: AlertBudget;
  private readonly hubIndex: HubIndex;
  private incidents: OpenIncident[];
  private lastEnd: number | null;

  constructor(options: IncidentOptionsInput = {}, state?: IncidentStateJson) {
    this.options = incidentOptions(options);
    if (this.options.incidentMin >= this.options.floor)
      throw new RangeError(`incidents: incidentMin (${this.options.incidentMin}) must be below floor (${this.options.floor})`);
    this.recurrence = new RecurrenceBaseline(state?.recurrence);
    this.risk = new EntityRisk(this.options, state?.risk);
    this.budget = new AlertBudget(this.options, state?.budget);
    this.hubIndex = new HubIndex(this.options, state?.hubs);
    // Checkpoints from before `seen` existed: every member counts as seen at the incident's last window.
    this.incidents =
      state?.incidents.map((i) => ({ ...i, entities: [...i.entities], seen: i.seen ? [...i.seen] : i.entities.map(() => i.lastEnd) })) ??
      [];
    this.lastEnd = state?.lastEnd ?? null;
  }

  /** Restores a checkpoint (validated; a clear error names what is wrong). */
  static fromJSON(json: unknown, options: IncidentOptionsInput = {}): IncidentTracker {
    const parsed = stateSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `incident state: ${issue.path.join('.') || '(root)'}: ${issue.message} — delete the checkpoint to start the incident pass afresh`,
      );
    }
    return new IncidentTracker(options, parsed.data as unknown as IncidentStateJson);
  }

  toJSON(): IncidentStateJson {
    return {
      version: STATE_VERSION,
      lastEnd: this.lastEnd,
      incidents: this.incidents.map((i) => ({ ...i, entities: [...i.entities], seen: [...i.seen] })),
      risk: this.risk.toJSON(),
      recurrence: this.recurrence.toJSON(),
      budget: this.budget.toJSON(),
      hubs: this.hubIndex.toJSON(),
    };
  }

  /** Open incidents (for diagnostics and tests). */
  get openIncidents(): number {
    return this.incidents.length;
  }

  step(slice: SliceInput): SliceDecision {
    const t = slice.end;
    if (this.lastEnd !== null && t <= this.lastEnd) {
      throw new RangeError(
        `incidents: slice ending ${new Date(t).toISOString()} is not after the last one (${new Date(this.lastEnd).toISOString()})`,
      );
    }
    const ids = new Set<string>();
    for (const w of slice.windows) {
      if (ids.has(w.id)) throw new RangeError(`incidents: window id "${w.id}" appears twice in one slice`);
      ids.add(w.id);
    }
    const day = Math.floor(t / DAY_MS);
    this.budget.advance(day);
    if (slice.warmStart) this.budget.warmStart(slice.warmStart);
    this.closeStale(t);

    // 1. Benign recurrence.
    const recKeys = slice.windows.map((w) => `${w.job}|${w.entityValue}`);
    const expected = slice.windows.map((w, i) => (this.options.recurrence ? this.recurrence.expected(recKeys[i], t) : 0));
    const own = slice.windows.map((w) => (Number.isFinite(w.fused) ? w.fused : 0));
    const adjusted = own.map((z, i) => recurrenceDiscounted(z, expected[i]));
    // 2. Relational propagation, not through hubs (values usually shared by many entities).
    const hubs = this.hubIndex.hubs(t);
    const rel = propagateRelational(
      slice.windows.map((w, i) => ({
        key: w.id,
        entityField: w.entityField,
        entityValue: w.entityValue,
        ...(w.related ? { related: w.related } : {}),
        fused: adjusted[i],
      })),
      this.options.relational,
      hubs,
    );
    // 3. Entity risk.
    const keys = slice.windows.map((w) => entityKeyOf(w.entityField, w.entityValue));
    const named = slice.windows.map((w) => relatedKeys(w.related));
    slice.windows.forEach((w, i) => {
      this.risk.add(keys[i], w.job, t, adjusted[i], rel[i].fused);
    });
    const risks = keys.map((k) => this.risk.risk(k, t));
    if (this.options.recurrence) slice.windows.forEach((w, i) => this.recurrence.observe(recKeys[i], t, own[i]));

    // 4. Incidents.
    const groups = this.group(
      slice.windows,
      named,
      keys,
      risks,
      adjusted,
      rel.map((r) => r.root),
      hubs,
      t,
    );
    this.hubIndex.observe(
      t,
      keys.map((entity, i) => ({ entity, related: named[i] })),
    );

    // 5. Decisions.
    const floor = this.options.floor;
    const thresholdRisk = this.budget.thresholdRisk((t - day * DAY_MS) / DAY_MS);
    const baseCut = cutOfRisk(thresholdRisk, floor);
    const scores = slice.windows.map((w, i) => scoreOfRisk(risks[i], floor, w.warmingUp === true));
    const cuts = slice.windows.map(() => baseCut);
    // An incident that has alerted takes no more budget: its later windows are updates when they are significant (the floor).
    const updateCut = cutOfRisk(this.budget.floor, floor);
    const statusOf = new Map<OpenIncident, IncidentStatus>();
    // New incidents compete for the day's slots, strongest first.
    const candidates = groups
      .map((g) => ({ g, reaches: g.members.some((i) => scores[i] >= baseCut), risk: Math.max(...g.members.map((i) => risks[i])) }))
      .sort((a, b) => b.risk - a.risk || byString(a.g.incident.id, b.g.incident.id));
    for (const { g, reaches, risk } of candidates) {
      const inc = g.incident;
      this.budget.noteCandidate(inc.id, risk);
      if (inc.alerted) {
        for (const i of g.members) cuts[i] = updateCut;
        statusOf.set(inc, g.members.some((i) => scores[i] >= updateCut) ? 'update' : 'open');
      } else if (reaches && this.budget.take()) {
        inc.alerted = true;
        statusOf.set(inc, 'new');
      } else {
        statusOf.set(inc, 'open');
        if (reaches) for (const i of g.members) cuts[i] = 100;
      }
    }
    const memberOf = new Map<number, OpenIncident>();
    for (const g of groups) for (const i of g.members) memberOf.set(i, g.incident);

    const windows: WindowDecision[] = slice.windows.map((w, i) => {
      const inc = memberOf.get(i);
      const isAlert = scores[i] >= cuts[i];
      this.budget.noteWindow(risks[i], isAlert);
      const status = inc ? statusOf.get(inc) : undefined;
      return {
        id: w.id,
        job: w.job,
        entityField: w.entityField,
        entityValue: w.entityValue,
        start: w.start,
        end: w.end,
        own: own[i],
        recurrence: own[i] - adjusted[i],
        propagated: rel[i].fused,
        risk: Number.isFinite(risks[i]) ? risks[i] : 0,
        score: scores[i],
        cut: cuts[i],
        isAlert,
        severity: severityOf(scores[i]),
        warmingUp: w.warmingUp === true,
        ...(inc ? { incidentId: inc.id } : {}),
        ...(status ? { incidentStatus: status } : {}),
        ...(rel[i].source ? { source: rel[i].source } : {}),
      };
    });
    const incidents: IncidentDecision[] = groups.map((g) => {
      const inc = g.incident;
      const score = Math.max(...g.members.map((i) => scores[i]));
      inc.peakScore = Math.max(inc.peakScore, score);
      const risk = Math.max(...g.members.map((i) => risks[i]));
      inc.peakRisk = Math.max(inc.peakRisk, risk);
      return {
        id: inc.id,
        status: statusOf.get(inc) ?? 'open',
        alerted: inc.alerted,
        firstStart: inc.firstStart,
        lastEnd: inc.lastEnd,
        root: inc.root,
        entities: [...inc.entities],
        windowIds: g.members.map((i) => slice.windows[i].id),
        score,
        peakScore: inc.peakScore,
        risk,
        ...(g.mergedFrom.length ? { mergedFrom: g.mergedFrom } : {}),
      };
    });
    if (this.lastEnd === null || Math.floor(this.lastEnd / DAY_MS) !== day) this.recurrence.prune(t);
    this.lastEnd = t;
    this.risk.prune(t);
    return {
      start: slice.start,
      end: slice.end,
      day,
      firstScoredDay: this.budget.isFirstDay,
      windows,
      incidents,
      budget: {
        alertsPerDay: this.options.alertsPerDay,
        sentToday: this.budget.sentToday,
        thresholdRisk,
        cut: baseCut,
        ...this.budget.warmStartNote(),
      },
    };
  }

  /** Closes incidents without a window for longer than gapMs, and those older than maxSpanMs. */
  private closeStale(t: number): void {
    this.incidents = this.incidents.filter((i) => i.lastEnd >= t - this.options.gapMs && i.firstStart >= t - this.options.maxSpanMs);
  }

  /**
   * Groups the slice's notable windows (risk ≥ incidentMin) with each other and with open
   * incidents; returns one group per incident touched, members as window indices.
   */
  /**
   * Groups the slice's notable windows (risk ≥ incidentMin) by the entity their evidence rests on
   * (the root: the window itself, or the neighbour that lifted it). A window at least as strong on
   * its own as that neighbour stays in its own entity's incident. A root entity's incident stays
   * open while windows keep arriving (gapMs) up to maxSpanMs; a window whose root entity (failing
   * that, its own entity) was lately a member of another incident (seen in it within gapMs)
   * continues that one. Incidents never merge: a chain of links can extend one incident but
   * cannot fuse the estate into one.
   */
  private group(
    windows: readonly EntityWindowInput[],
    named: readonly (readonly string[])[],
    keys: readonly string[],
    risks: readonly number[],
    own: readonly number[],
    roots: readonly string[],
    hubs: ReadonlySet<string>,
    t: number,
  ): { incident: OpenIncident; members: number[]; mergedFrom: string[] }[] {
    const indexOf = new Map<string, number>();
    windows.forEach((w, i) => indexOf.set(w.id, i));
    const byRoot = new Map<string, OpenIncident>();
    const byMember = new Map<string, { inc: OpenIncident; seen: number }>();
    for (const inc of this.incidents) {
      const prev = byRoot.get(inc.root);
      if (!prev || inc.lastEnd > prev.lastEnd) byRoot.set(inc.root, inc);
      inc.entities.forEach((e, m) => {
        const seen = inc.seen[m];
        if (seen < t - this.options.gapMs) return;
        const had = byMember.get(e);
        if (!had || seen > had.seen || (seen === had.seen && inc.firstStart < had.inc.firstStart)) byMember.set(e, { inc, seen });
      });
    }
    const groups = new Map<OpenIncident, number[]>();
    const fresh = new Map<string, number[]>();
    for (let i = 0; i < windows.length; i++) {
      if (!(risks[i] >= this.options.incidentMin)) continue;
      const r = indexOf.get(roots[i]);
      const rootKey = r !== undefined ? keys[r] : keys[i];
      const ownInc = byRoot.get(keys[i]) ?? byMember.get(keys[i])?.inc;
      // A window at least as strong on its own as the neighbour that lifted it stays in its own
      // entity's incident: a scanner lifted by whichever host it touched hardest this slice is
      // still the scanner's one incident, not a new one per host.
      const keepsOwn = ownInc !== undefined && r !== undefined && r !== i && own[i] >= own[r];
      const inc =
        (keepsOwn ? ownInc : undefined) ??
        byRoot.get(rootKey) ??
        byMember.get(rootKey)?.inc ??
        ownInc ??
        // A window that names an open incident's root entity (a victim account naming the sprayer's IP).
        named[i]
          .filter((rk) => !hubs.has(rk))
          .map((rk) => byRoot.get(rk))
          .find((x) => x !== undefined);
      if (inc) {
        const list = groups.get(inc);
        if (list) list.push(i);
        else groups.set(inc, [i]);
      } else {
        const list = fresh.get(rootKey);
        if (list) list.push(i);
        else fresh.set(rootKey, [i]);
      }
    }
    const out: { incident: OpenIncident; members: number[]; mergedFrom: string[] }[] = [];
    const place = (incident: OpenIncident, members: number[]): void => {
      const end = Math.max(...members.map((i) => windows[i].end));
      incident.lastEnd = Math.max(incident.lastEnd, end);
      const memberKeys = members.map((i) => keys[i]);
      mergeMembers(
        incident,
        memberKeys,
        memberKeys.map(() => end),
      );
      out.push({ incident, members: members.sort((a, b) => a - b), mergedFrom: [] });
    };
    for (const [incident, members] of groups) place(incident, members);
    for (const [root, members] of joinFresh(fresh, named, risks, hubs)) {
      const firstStart = Math.min(...members.map((i) => windows[i].start));
      const incident: OpenIncident = {
        id: incidentIdOf(firstStart, root),
        firstStart,
        lastEnd: firstStart,
        root,
        entities: [],
        seen: [],
        alerted: false,
        peakScore: 0,
        peakRisk: 0,
      };
      this.incidents.push(incident);
      place(incident, members);
    }
    return out.sort((a, b) => a.incident.firstStart - b.incident.firstStart || byString(a.incident.id, b.incident.id));
  }
}
