/**
 * The analyst's budget: how risky an incident must be to alert, and how many may alert a day.
 *
 * - An absolute significance floor (z scale): nothing below it alerts, so a quiet day sends fewer
 *   alerts than the budget, or none.
 * - A learned threshold: per day (the previous days and today so far), the peak risk above which
 *   `quietShare · alertsPerDay` candidate incidents would have alerted, and the median of those
 *   daily levels — the budget is left mostly free for what is unusual, and one loud day does not
 *   raise the bar for the week after it. Or, with `targetFpr`, the (1 − α) quantile of the risk
 *   stream (paper Algorithm 2, models/threshold.ts).
 * - A hard cap: at most `alertsPerDay` new incidents a UTC day; the first day the pass sees (no
 *   history of its own) also raises the floor by `coldStartFloorBoost`.
 * - A warm start from the analyst's verdicts (`warmStart`, read every pass): while the budget has
 *   less than a week of its own, the peaks of incidents judged false_positive / benign_expected
 *   stand in for one more previous day — exactly as if they had been seen then (so a fresh
 *   deployment, or one whose state was deleted, does not start from the floor alone, and has no
 *   cold-start boost) — and the lowest peak judged true_positive caps the threshold, so a
 *   confirmed attack pattern would alert again; the floor stays the floor.
 *
 * Scores: risk → vigil.score = 100·Φ((risk − floor) / SCORE_SPREAD), floored to one decimal and
 * clamped to [0, 99.9]; the cut of a document is the same map of the threshold, rounded up to one
 * decimal, or 100 when the day's budget is spent (no score reaches 100). Comparisons are made on
 * the rounded numbers, so `is_alert ⇔ score ≥ cut` holds exactly on every document.
 */
import { z } from 'zod';
import { DriftThreshold, thresholdParams, type ThresholdState } from '../models/threshold.js';
import { normalCdf } from '../models/normal-tail.js';
import type { IncidentOptions, VerdictRisks, WarmStartNote } from './types.js';

/**
 * Risk above the floor, in σ, per unit of the Φ map: the floor reads 50, floor + 5.1 reads 90
 * (critical), floor + 12.4 reads 99.9. Wide, because the risk of real estates' incidents spans
 * 4–25: with 1.5 every risk above 8.6 read 99.9, a learned threshold there gave a cut of 100, and
 * the 600-user suite world sent 0.5 alerts a day and caught nothing.
 */
export const SCORE_SPREAD = 4;
/** Just below Φ⁻¹(0.999): the cut of a threshold there is 99.9, which a stronger window reaches. */
const TOP_Z = 3.09;
/** Highest score a document can read; a cut of 100 means "the day's budget is spent". */
export const MAX_SCORE = 99.9;
/** Warming-up and cold-start windows never read critical. */
export const WARMING_UP_MAX_SCORE = 89.9;
/** Peaks kept per day (more than any sensible quietShare · alertsPerDay). */
const PEAKS_PER_DAY = 64;

/** The verdict risks last handed to the budget (kept, so a pass that cannot read the verdicts holds them). */
export interface WarmStartState {
  /** The highest benign peaks (at most a day's worth), highest first, of `benignCount` in force. */
  readonly benign: number[];
  readonly benignCount: number;
  /** The lowest attack peak (null: none) of `attackCount` in force. */
  readonly attackCap: number | null;
  readonly attackCount: number;
}

export interface BudgetState {
  /** Per finished day (oldest first): the highest candidate-incident peaks. */
  readonly history: number[][];
  /** Current day's peak per incident id. */
  readonly today: Record<string, number>;
  readonly day: number | null;
  readonly firstDay: number | null;
  readonly sentToday: number;
  readonly fpr?: ThresholdState;
  /** Absent: no verdict carried a risk. */
  readonly warm?: WarmStartState;
}

/** A stored budget state (checkpoints are external input: validated before use). */
export const budgetStateSchema = z.object({
  history: z.array(z.array(z.number())),
  today: z.record(z.string(), z.number()),
  day: z.number().nullable(),
  firstDay: z.number().nullable(),
  sentToday: z.number().int().min(0),
  fpr: z.unknown().optional(),
  warm: z
    .object({
      benign: z.array(z.number()),
      benignCount: z.number().int().min(0),
      attackCap: z.number().nullable(),
      attackCount: z.number().int().min(0),
    })
    .optional(),
});

const floor1 = (x: number): number => Math.floor(x * 10 + 1e-9) / 10;
const ceil1 = (x: number): number => Math.ceil(x * 10 - 1e-9) / 10;

/** vigil.score of a risk (z scale), one decimal, in [0, 99.9] (89.9 at most while warming up). */
export function scoreOfRisk(risk: number, floor: number, warmingUp = false): number {
  if (!Number.isFinite(risk)) return risk > 0 ? (warmingUp ? WARMING_UP_MAX_SCORE : MAX_SCORE) : 0;
  const s = Math.min(MAX_SCORE, Math.max(0, floor1(100 * normalCdf((risk - floor) / SCORE_SPREAD))));
  return warmingUp ? Math.min(WARMING_UP_MAX_SCORE, s) : s;
}

/** The cut (vigil.threshold) a risk threshold reads as: one decimal, rounded up, in [0.1, 100]. */
export function cutOfRisk(threshold: number, floor: number): number {
  return Math.min(100, Math.max(0.1, ceil1(100 * normalCdf((threshold - floor) / SCORE_SPREAD))));
}

export class AlertBudget {
  private history: number[][];
  private today: Map<string, number>;
  private day: number | null;
  private firstDay: number | null;
  private sent: number;
  private readonly fpr: DriftThreshold | null;
  private warm: WarmStartState | null;
  /** The verdict risks warm was built from (the same object comes with every slice of a pass). */
  private warmFrom: VerdictRisks | null = null;
  /** The attack cap lowered the last threshold asked for (for the slice's note). */
  private capped = false;

  constructor(
    private readonly options: IncidentOptions,
    state?: BudgetState,
  ) {
    this.history = state?.history.map((d) => [...d]) ?? [];
    this.today = new Map(Object.entries(state?.today ?? {}));
    this.day = state?.day ?? null;
    this.firstDay = state?.firstDay ?? null;
    this.sent = state?.sentToday ?? 0;
    this.fpr =
      options.targetFpr === undefined
        ? null
        : state?.fpr
          ? DriftThreshold.fromJSON(state.fpr)
          : new DriftThreshold(thresholdParams(options.targetFpr));
    this.warm = state?.warm ? { ...state.warm, benign: [...state.warm.benign] } : null;
  }

  /** Restores a stored state (validated; a clear error names what is wrong). */
  static fromJSON(json: unknown, options: IncidentOptions): AlertBudget {
    const parsed = budgetStateSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`budget state: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    // fpr is DriftThreshold's own serialisation, passed through as it was written.
    return new AlertBudget(options, parsed.data as BudgetState);
  }

  /**
   * The risks of what the analyst judged, from the verdicts in force: replaces the ones held, so
   * an expired or overturned verdict stops counting on the next pass. Non-finite risks are ignored.
   */
  warmStart(risks: VerdictRisks): void {
    if (risks === this.warmFrom) return;
    this.warmFrom = risks;
    const benign = risks.benign.filter((r) => Number.isFinite(r));
    const attack = risks.attack.filter((r) => Number.isFinite(r));
    this.warm =
      benign.length + attack.length === 0
        ? null
        : {
            // A day's worth, like a real day of history.
            benign: benign.sort((a, b) => b - a).slice(0, PEAKS_PER_DAY),
            benignCount: benign.length,
            attackCap: attack.length > 0 ? attack.reduce((m, r) => Math.min(m, r)) : null,
            attackCount: attack.length,
          };
  }

  /**
   * The benign verdict peaks count as a previous day: only in budget mode, and only while the
   * budget's own history is shorter than the days it looks back over (after that they would be
   * the oldest day, which has aged out).
   */
  private get seeded(): boolean {
    return this.fpr === null && (this.warm?.benign.length ?? 0) > 0 && this.history.length < this.options.historyDays;
  }

  /**
   * What the verdicts did to the last threshold asked for, as a field of the slice's budget
   * block (empty without verdict risks).
   */
  warmStartNote(): { warmStart?: WarmStartNote } {
    const w = this.warm;
    if (!w) return {};
    return {
      warmStart: {
        benign: w.benignCount,
        attack: w.attackCount,
        seeded: this.seeded,
        ...(w.attackCap !== null ? { cap: w.attackCap } : {}),
        capped: this.capped,
      },
    };
  }

  /** Moves to the day of `t`; a new day files the finished day's peaks and resets the count. */
  advance(day: number): void {
    this.firstDay ??= day;
    this.day ??= day;
    if (day === this.day) return;
    this.history.push([...this.today.values()].sort((a, b) => b - a).slice(0, PEAKS_PER_DAY));
    if (this.history.length > this.options.historyDays) this.history.splice(0, this.history.length - this.options.historyDays);
    this.today.clear();
    this.sent = 0;
    this.day = day;
  }

  get isFirstDay(): boolean {
    return this.day !== null && this.day === this.firstDay;
  }

  get sentToday(): number {
    return this.sent;
  }

  get remaining(): number {
    return Math.max(0, this.options.alertsPerDay - this.sent);
  }

  /** Absolute floor in force (raised on the first day, unless verdicts stand in for a previous day). */
  get floor(): number {
    return this.options.floor + (this.isFirstDay && !this.seeded ? this.options.coldStartFloorBoost : 0);
  }

  /**
   * Risk an incident must reach to alert now (never below the floor). Budget mode: per day, the
   * level that k = quietShare · alertsPerDay candidate incidents reached, and the median of those
   * daily levels; on the first day (no history), today's so far with k scaled to `dayFraction` —
   * so the first day learns as it goes, and one loud day (an attack that opened thirty incidents, a mass
   * password reset) moves the threshold by one vote instead of silencing the week after it.
   * Verdicts (warmStart) add benign peaks as one more previous day while the history is short, and
   * cap the threshold at the lowest attack peak.
   */
  thresholdRisk(dayFraction = 1): number {
    let learned: number;
    if (this.fpr) {
      const v = this.fpr.value;
      learned = Number.isFinite(v) ? v : -Infinity;
    } else {
      const k = this.options.quietShare * this.options.alertsPerDay;
      const levelOf = (peaks: readonly number[], at: number): number => {
        const sorted = [...peaks].sort((a, b) => b - a);
        const rank = Math.max(1, Math.round(at));
        return sorted.length >= rank ? sorted[rank - 1] : -Infinity;
      };
      const seed = this.seeded && this.warm ? this.warm.benign : [];
      const todayShare = Math.min(1, Math.max(0, dayFraction));
      const levels = this.history.map((d) => levelOf(d, k));
      if (levels.length === 0) {
        // The first day: today so far, with the verdicts' benign peaks as one more (earlier) day
        // pooled in — a handful of verdicts is part of a day's evidence, not a quiet day of its own.
        levels.push(levelOf([...seed, ...this.today.values()], k * (todayShare + (seed.length > 0 ? 1 : 0))));
      } else if (seed.length >= Math.round(k)) {
        // With history, the verdicts vote as one more day when they are a day's worth.
        levels.push(levelOf(seed, k));
      }
      // Today votes only on the first day: a day's first hours say little, and a quiet morning
      // (fewer than k candidates, no level) must not drag the median down to the floor.
      levels.sort((a, b) => a - b);
      const mid = levels.length >> 1;
      learned = levels.length % 2 ? levels[mid] : (levels[mid - 1] + levels[mid]) / 2;
      if (Number.isNaN(learned)) learned = -Infinity;
    }
    const cap = this.warm?.attackCap ?? Infinity;
    // Lowered by the cap: to the cap, or to the floor when the cap is below it.
    this.capped = learned > cap && learned > this.floor;
    // Never above the highest risk the score can tell apart (cut 99.9): a saturated cut of 100 would
    // silence the day however strong a window was.
    const resolvable = this.options.floor + SCORE_SPREAD * TOP_Z;
    return Math.max(this.floor, Math.min(learned, cap, resolvable));
  }

  /** Records a candidate incident's risk today (its peak enters the learned threshold tomorrow). */
  noteCandidate(id: string, risk: number): void {
    if (risk > (this.today.get(id) ?? -Infinity)) this.today.set(id, risk);
  }

  /** Feeds the target-FPR quantile with a window's risk. */
  noteWindow(risk: number, alerted: boolean): void {
    if (this.fpr && Number.isFinite(risk)) this.fpr.update(risk, alerted);
  }

  /** Takes one slot of today's budget; false when it is spent. */
  take(): boolean {
    if (this.sent >= this.options.alertsPerDay) return false;
    this.sent++;
    return true;
  }

  toJSON(): BudgetState {
    return {
      history: this.history.map((d) => [...d]),
      today: Object.fromEntries([...this.today].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      day: this.day,
      firstDay: this.firstDay,
      sentToday: this.sent,
      ...(this.fpr ? { fpr: this.fpr.toJSON() } : {}),
      ...(this.warm ? { warm: { ...this.warm, benign: [...this.warm.benign] } } : {}),
    };
  }
}
