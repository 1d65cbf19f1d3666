/**
 * The fairness table: alert rates and detection segmented by an attribute of the entities
 * (department, country, site…), so that one group is not systematically over-flagged.
 *
 * The attribute comes from an enrichment lookup (`fairness.lookup`: NDJSON rows
 * `{"field":"user.name","value":"alice","attributes":{"department":"finance","country":"US"}}`,
 * what an identity-directory export gives; `vigil simulate --directory` writes one) joined on the
 * entity value — ECS events carry no department. A window whose entity is not in the lookup (a
 * source IP) takes the segment of its first related user, else of its first related host, else
 * "(none)".
 *
 * Per segment, over every world (or data set) added:
 * - entity-days: active entities (entities with a scored window) × scored days;
 * - alerted: incidents that alerted at the default setting, each counted once for the segment of
 *   the entity it started from (its root), per 100 entities a day;
 * - false: the same for false incidents (no window matching a label) — the over-flagging that
 *   costs a group: a segment is flagged when its false rate is more than OVER_FLAG_RATIO times
 *   the rest's and it has at least MIN_FALSE false flags (below that, one noisy account decides);
 * - detection: scored attacks whose labelled entities are in the segment, and how many of them an
 *   alerted incident caught.
 */
import { NO_SEGMENT, segmentOfWindow, SegmentLookup } from '../anomaly/segment.js';
import { entityKeyOf } from '../incidents/index.js';

import { attacksOf } from './evaluate.js';
import { LabelIndex } from './labels.js';
import type { ScoredPass } from './suite.js';

const DAY_MS = 86_400_000;
/** A segment is over-flagged when its false-flag rate exceeds the rest's by this factor… */
export const OVER_FLAG_RATIO = 1.5;
/** …and it has at least this many false flags. */
export const MIN_FALSE = 5;

/** The segment of a `field=value` entity straight from the lookup. */
function rootSegment(root: string, by: string, lookup: SegmentLookup): string {
  const eq = root.indexOf('=');
  return lookup.attribute(by, root.slice(eq + 1), root.slice(0, eq)) ?? lookup.attribute(by, root.slice(eq + 1)) ?? NO_SEGMENT;
}

/** One data set to add: a world's windows after the incident pass, its alerts and labels, named, with its lookup. */
export interface FairnessInput extends Omit<ScoredPass, 'world'> {
  readonly name: string;
  readonly lookup: SegmentLookup;
}

export interface FairnessRow {
  readonly segment: string;
  readonly entities: number;
  readonly entityDays: number;
  readonly alerted: number;
  /** Alerted incident–entity pairs per 100 entities a day. */
  readonly alertRate: number;
  readonly falseAlerts: number;
  readonly falseRate: number;
  /** Segment's false rate ÷ the rest's (null when the rest has none). */
  readonly falseRatio: number | null;
  readonly alertRatio: number | null;
  readonly attacks: number;
  readonly caught: number;
  readonly overFlagged: boolean;
}

export interface FairnessTable {
  readonly by: string;
  readonly datasets: readonly string[];
  readonly rows: readonly FairnessRow[];
  readonly overFlagged: readonly string[];
}

interface Tally {
  entities: number;
  entityDays: number;
  alerted: number;
  falseAlerts: number;
  attacks: number;
  caught: number;
}

/** Adds data sets one at a time (the windows are not kept), then builds the table. */
export class FairnessCollector {
  private readonly tally = new Map<string, Tally>();
  private readonly datasets: string[] = [];

  constructor(readonly by: string) {}

  private t(segment: string): Tally {
    let t = this.tally.get(segment);
    if (!t) this.tally.set(segment, (t = { entities: 0, entityDays: 0, alerted: 0, falseAlerts: 0, attacks: 0, caught: 0 }));
    return t;
  }

  add(input: FairnessInput): void {
    const { windows, scoreFrom, lookup } = input;
    this.datasets.push(input.name);
    const days = Math.max(1, Math.ceil((input.scoreTo - scoreFrom) / DAY_MS));
    const { attacks, labelAttack } = attacksOf(input.labels, scoreFrom);
    const index = new LabelIndex(input.labels);
    const entitySegment = new Map<string, string>();
    const incidents = new Map<string, { positive: boolean }>();
    const caughtAttacks = new Set<number>();
    for (const w of windows) {
      const key = entityKeyOf(w.entityField, w.entity);
      if (!entitySegment.has(key)) entitySegment.set(key, segmentOfWindow(w, this.by, lookup));
      const matched = index.match({ entityValue: w.entity, startMs: w.start, endMs: w.end, related: w.related });
      if (w.incident) {
        let inc = incidents.get(w.incident);
        if (!inc) incidents.set(w.incident, (inc = { positive: false }));
        if (matched.length) inc.positive = true;
      }
      if (w.incidentAlerted) {
        for (const l of matched) {
          const a = labelAttack.get(l.index);
          if (a !== undefined && attacks[a].status === 'scored') caughtAttacks.add(a);
        }
      }
    }
    for (const segment of entitySegment.values()) {
      const t = this.t(segment);
      t.entities++;
      t.entityDays += days;
    }
    // The alerts the analyst received in the scored period (as analyst.ts counts them), each
    // counted once, for the segment of the entity its incident started from (its root).
    for (const alert of input.alerts) {
      if (!(alert.at > scoreFrom && alert.at <= input.scoreTo + DAY_MS)) continue;
      const t = this.t(entitySegment.get(alert.root) ?? rootSegment(alert.root, this.by, lookup));
      t.alerted++;
      if (!incidents.get(alert.id)?.positive) t.falseAlerts++;
    }
    for (const a of attacks) {
      if (a.status !== 'scored') continue;
      const segments = new Set(a.entities.map((fv) => rootSegment(fv, this.by, lookup)).filter((s) => s !== NO_SEGMENT));
      for (const s of segments.size ? segments : [NO_SEGMENT]) {
        const t = this.t(s);
        t.attacks++;
        if (caughtAttacks.has(a.id)) t.caught++;
      }
    }
  }

  table(): FairnessTable {
    return fairnessTable(this.by, this.datasets, this.tally);
  }
}

const rate = (count: number, entityDays: number): number => (entityDays > 0 ? (100 * count) / entityDays : 0);
const ratio = (x: number, rest: number): number | null => (rest > 0 ? x / rest : null);

/** Rates, ratios against the rest and the over-flag mark from per-segment counts. */
export function fairnessTable(by: string, datasets: readonly string[], tally: ReadonlyMap<string, Tally>): FairnessTable {
  const all = [...tally.values()].reduce(
    (s, t) => ({ entityDays: s.entityDays + t.entityDays, alerted: s.alerted + t.alerted, falseAlerts: s.falseAlerts + t.falseAlerts }),
    { entityDays: 0, alerted: 0, falseAlerts: 0 },
  );
  const rows: FairnessRow[] = [...tally.entries()]
    .map(([segment, t]) => {
      const restDays = all.entityDays - t.entityDays;
      const falseRatio = ratio(rate(t.falseAlerts, t.entityDays), rate(all.falseAlerts - t.falseAlerts, restDays));
      const alertRatio = ratio(rate(t.alerted, t.entityDays), rate(all.alerted - t.alerted, restDays));
      const overFlagged =
        segment !== NO_SEGMENT && t.falseAlerts >= MIN_FALSE && (falseRatio === null ? t.entityDays > 0 : falseRatio > OVER_FLAG_RATIO);
      return {
        segment,
        entities: t.entities,
        entityDays: t.entityDays,
        alerted: t.alerted,
        alertRate: rate(t.alerted, t.entityDays),
        falseAlerts: t.falseAlerts,
        falseRate: rate(t.falseAlerts, t.entityDays),
        falseRatio,
        alertRatio,
        attacks: t.attacks,
        caught: t.caught,
        overFlagged,
      };
    })
    .sort((a, b) => b.entityDays - a.entityDays || (a.segment < b.segment ? -1 : 1));
  return { by, datasets: [...datasets], rows, overFlagged: rows.filter((r) => r.overFlagged).map((r) => r.segment) };
}

const n2 = (x: number | null): string => (x === null ? '—' : x.toFixed(2));

/** The table as printed by `vigil eval`. */
export function formatFairness(t: FairnessTable): string {
  const lines = [
    `fairness by ${t.by} (${t.datasets.join(', ')}; Vigil at its default setting; rates per 100 entities a day; ratio = segment ÷ rest)`,
    `  ${'segment'.padEnd(18)} ${'entities'.padStart(8)} ${'alerted'.padStart(8)} ${'rate'.padStart(6)} ${'ratio'.padStart(6)} ${'false'.padStart(6)} ${'f.rate'.padStart(7)} ${'ratio'.padStart(6)} ${'attacks caught'.padStart(15)}`,
  ];
  for (const r of t.rows) {
    lines.push(
      `  ${r.segment.slice(0, 18).padEnd(18)} ${String(r.entities).padStart(8)} ${String(r.alerted).padStart(8)} ${r.alertRate.toFixed(2).padStart(6)} ${n2(r.alertRatio).padStart(6)}` +
        ` ${String(r.falseAlerts).padStart(6)} ${r.falseRate.toFixed(2).padStart(7)} ${n2(r.falseRatio).padStart(6)} ${`${r.caught}/${r.attacks}`.padStart(15)}${r.overFlagged ? '  OVER-FLAGGED' : ''}`,
    );
  }
  lines.push(
    t.overFlagged.length
      ? `  over-flagged (false-flag rate > ${OVER_FLAG_RATIO}× the rest's, ≥ ${MIN_FALSE} false flags): ${t.overFlagged.join(', ')}`
      : `  no segment over-flagged (false-flag rate > ${OVER_FLAG_RATIO}× the rest's with ≥ ${MIN_FALSE} false flags)`,
  );
  return lines.join('\n');
}
