/**
 * The incident pass: one call per time slice turns every job's scored entity-windows into the
 * decisions an analyst sees. In order:
 *
 *   1. benign recurrence   the window's own score minus what its (job, entity) usually scores at
 *                          this hour of the week / day (recurrence.ts)
 *   2. relational          risk propagated between the slice's linked windows (models/relational.ts)
 *   3. entity risk         per entity, evidence accumulated with decay over a horizon (risk.ts)
 *   4. incidents           windows at risk ≥ incidentMin grouped with the windows they are linked to
 *                          (same entity, the neighbour that lifted them, an open incident's entities
 *                          or its root among their related.*) and with the open incidents of those
 *                          entities; an incident closes after `gapMs` without a window
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
import { AlertBudget, cutOfRisk, scoreOfRisk, type BudgetState } from './budget.js';
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
  budget: z.object({
    history: z.array(z.array(z.number())),
    today: z.record(z.string(), z.number()),
    day: z.number().nullable(),
    firstDay: z.number().nullable(),
    sentToday: z.number().int().min(0),
    fpr: z.unknown().optional(),
  }),
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

class UnionFind {
  private readonly parent: number[];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class IncidentTracker {
  readonly options: IncidentOptions;
  private readonly recurrence: RecurrenceBaseline;
  private readonly risk: EntityRisk;
  private readonly budget: AlertBudget;
  private incidents: OpenIncident[];
  private lastEnd: number | null;

  constructor(options: IncidentOptionsInput = {}, state?: IncidentStateJson) {
    this.options = incidentOptions(options);
    if (this.options.incidentMin >= this.options.floor)
      throw new RangeError(`incidents: incidentMin (${this.options.incidentMin}) must be below floor (${this.options.floor})`);
    this.recurrence = new RecurrenceBaseline(state?.recurrence);
    this.risk = new EntityRisk(this.options, state?.risk);
    this.budget = new AlertBudget(this.options, state?.budget);
    this.incidents = state?.incidents.map((i) => ({ ...i, entities: [...i.entities] })) ?? [];
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
    return new IncidentTracker(options, parsed.data as IncidentStateJson);
  }

  toJSON(): IncidentStateJson {
    return {
      version: STATE_VERSION,
      lastEnd: this.lastEnd,
      incidents: this.incidents.map((i) => ({ ...i, entities: [...i.entities] })),
      risk: this.risk.toJSON(),
      recurrence: this.recurrence.toJSON(),
      budget: this.budget.toJSON(),
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
    this.closeStale(t);

    // 1. Benign recurrence.
    const recKeys = slice.windows.map((w) => `${w.job}|${w.entityValue}`);
    const expected = slice.windows.map((w, i) => (this.options.recurrence ? this.recurrence.expected(recKeys[i], t) : 0));
    const own = slice.windows.map((w) => (Number.isFinite(w.fused) ? w.fused : 0));
    const adjusted = own.map((z, i) => recurrenceDiscounted(z, expected[i]));
    // 2. Relational propagation.
    const rel = propagateRelational(
      slice.windows.map((w, i) => ({
        key: w.id,
        entityField: w.entityField,
        entityValue: w.entityValue,
        ...(w.related ? { related: w.related } : {}),
        fused: adjusted[i],
      })),
      this.options.relational,
    );
    // 3. Entity risk.
    const keys = slice.windows.map((w) => entityKeyOf(w.entityField, w.entityValue));
    slice.windows.forEach((w, i) => {
      this.risk.add(keys[i], w.job, t, adjusted[i], rel[i].fused);
    });
    const risks = keys.map((k) => this.risk.risk(k, t));
    if (this.options.recurrence) slice.windows.forEach((w, i) => this.recurrence.observe(recKeys[i], t, own[i]));

    // 4. Incidents.
    const groups = this.group(
      slice.windows,
      keys,
      risks,
      rel.map((r) => r.root),
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
      budget: { alertsPerDay: this.options.alertsPerDay, sentToday: this.budget.sentToday, thresholdRisk, cut: baseCut },
    };
  }

  /** Closes incidents without a window for longer than gapMs. */
  private closeStale(t: number): void {
    this.incidents = this.incidents.filter((i) => i.lastEnd >= t - this.options.gapMs);
  }

  /**
   * Groups the slice's notable windows (risk ≥ incidentMin) with each other and with open
   * incidents; returns one group per incident touched, members as window indices.
   */
  private group(
    windows: readonly EntityWindowInput[],
    keys: readonly string[],
    risks: readonly number[],
    roots: readonly string[],
  ): { incident: OpenIncident; members: number[]; mergedFrom: string[] }[] {
    const notable = windows.map((_, i) => i).filter((i) => risks[i] >= this.options.incidentMin);
    if (notable.length === 0) return [];
    // Nodes: notable windows first, then open incidents.
    const nW = notable.length;
    const uf = new UnionFind(nW + this.incidents.length);
    const byKey = new Map<string, number>();
    const byId = new Map<string, number>();
    notable.forEach((i, n) => {
      byId.set(windows[i].id, n);
      const prev = byKey.get(keys[i]);
      if (prev === undefined) byKey.set(keys[i], n);
      else uf.union(prev, n);
    });
    const incidentByEntity = new Map<string, number>();
    const incidentByRoot = new Map<string, number>();
    this.incidents.forEach((inc, k) => {
      for (const e of inc.entities) if (!incidentByEntity.has(e)) incidentByEntity.set(e, nW + k);
      incidentByRoot.set(inc.root, nW + k);
    });
    notable.forEach((i, n) => {
      // The neighbour whose evidence lifted this window.
      const r = byId.get(roots[i]);
      if (r !== undefined) uf.union(n, r);
      const open = incidentByEntity.get(keys[i]);
      if (open !== undefined) uf.union(n, open);
      for (const rk of relatedKeys(windows[i].related)) {
        const viaRoot = incidentByRoot.get(rk);
        if (viaRoot !== undefined) uf.union(n, viaRoot);
      }
    });
    const comps = new Map<number, { members: number[]; open: number[] }>();
    for (let n = 0; n < nW; n++) {
      const c = uf.find(n);
      let comp = comps.get(c);
      if (!comp) comps.set(c, (comp = { members: [], open: [] }));
      comp.members.push(notable[n]);
    }
    for (let k = 0; k < this.incidents.length; k++) comps.get(uf.find(nW + k))?.open.push(k);

    const out: { incident: OpenIncident; members: number[]; mergedFrom: string[] }[] = [];
    const drop = new Set<number>();
    for (const comp of comps.values()) {
      const members = comp.members;
      const end = Math.max(...members.map((i) => windows[i].end));
      const memberKeys = members.map((i) => keys[i]);
      let incident: OpenIncident;
      const mergedFrom: string[] = [];
      if (comp.open.length > 0) {
        const opens = comp.open.map((k) => this.incidents[k]).sort((a, b) => a.firstStart - b.firstStart || byString(a.id, b.id));
        incident = opens[0];
        for (const other of opens.slice(1)) {
          mergedFrom.push(other.id);
          incident.alerted ||= other.alerted;
          incident.peakScore = Math.max(incident.peakScore, other.peakScore);
          incident.peakRisk = Math.max(incident.peakRisk, other.peakRisk);
          incident.entities = [...new Set([...incident.entities, ...other.entities])];
        }
        comp.open.forEach((k) => {
          if (this.incidents[k] !== incident) drop.add(k);
        });
      } else {
        // Root: the strongest window's own evidence (its relational root's entity when that is in the slice).
        const strongest = [...members].sort((a, b) => risks[b] - risks[a] || byString(keys[a], keys[b]))[0];
        const rootWindow = byId.get(roots[strongest]);
        const root = rootWindow !== undefined ? keys[notable[rootWindow]] : keys[strongest];
        const firstStart = Math.min(...members.map((i) => windows[i].start));
        incident = {
          id: incidentIdOf(firstStart, root),
          firstStart,
          lastEnd: end,
          root,
          entities: [],
          alerted: false,
          peakScore: 0,
          peakRisk: 0,
        };
        this.incidents.push(incident);
      }
      incident.lastEnd = Math.max(incident.lastEnd, end);
      incident.entities = [...new Set([...incident.entities, ...memberKeys])].sort(byString);
      out.push({ incident, members: members.sort((a, b) => a - b), mergedFrom });
    }
    if (drop.size) this.incidents = this.incidents.filter((_, k) => !drop.has(k));
    return out.sort((a, b) => a.incident.firstStart - b.incident.firstStart || byString(a.incident.id, b.incident.id));
  }
}
