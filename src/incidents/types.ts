/**
 * The incident pass's inputs, outputs and options (see /work/notes/i10-api.md and tracker.ts for
 * the semantics). Everything here is plain data: the pipeline builds inputs from its scored
 * windows and writes the outputs into documents and alerts.
 */
import { z } from 'zod';
import type { Severity } from '../anomaly/document.js';
import type { RelatedValues, RelationalParams, RelationalScore } from '../models/relational.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** One scored entity-window of one job, as the slice's pass receives it. */
export interface EntityWindowInput {
  /** Unique within the slice (e.g. `${job}|${entityValue}` or the document id); echoed back. */
  readonly id: string;
  readonly job: string;
  readonly entityField: string;
  readonly entityValue: string;
  readonly start: number;
  readonly end: number;
  readonly related?: RelatedValues;
  /** The ensemble's own fused score (standard-normal scale), before any relational lift. */
  readonly fused: number;
  /** The job is still warming up or the entity is in cold start: flagged, never critical. */
  readonly warmingUp?: boolean;
}

export interface SliceInput {
  readonly start: number;
  readonly end: number;
  readonly windows: readonly EntityWindowInput[];
  /**
   * The risks of what the analyst judged, from the verdicts in force (src/feedback): the alert
   * threshold warm-starts from them (AlertBudget.warmStart). Absent: the budget keeps the ones it
   * had (the feedback index could not be read this pass).
   */
  readonly warmStart?: VerdictRisks;
}

/**
 * Peak risks (z scale) of the incidents or windows the analyst judged: `benign` from
 * false_positive / benign_expected verdicts, `attack` from true_positive ones.
 */
export interface VerdictRisks {
  readonly benign: readonly number[];
  readonly attack: readonly number[];
}

/** What the verdicts did to the slice's threshold (vigil.status.budget.warm_start). */
export interface WarmStartNote {
  /** Benign and attack peaks in force. */
  readonly benign: number;
  readonly attack: number;
  /** The benign peaks stood in for a previous day (the budget has less than a week of its own). */
  readonly seeded: boolean;
  /** The lowest attack peak, when there is one: the threshold is never above it (nor below the floor). */
  readonly cap?: number;
  /** The cap lowered the threshold this slice. */
  readonly capped: boolean;
}

export type IncidentStatus = 'new' | 'update' | 'open';

export interface WindowDecision {
  readonly id: string;
  readonly job: string;
  readonly entityField: string;
  readonly entityValue: string;
  readonly start: number;
  readonly end: number;
  /** The input fused score. */
  readonly own: number;
  /** What the benign-recurrence baselines took off the own score (≥ 0). */
  readonly recurrence: number;
  /** After recurrence and relational propagation (z scale). */
  readonly propagated: number;
  /** The entity's accumulated risk after this slice (z scale). */
  readonly risk: number;
  /** vigil.score: 0–99.9, one decimal. */
  readonly score: number;
  /** vigil.threshold of this document: 0 < cut ≤ 100, one decimal; isAlert ⇔ score ≥ cut. */
  readonly cut: number;
  readonly isAlert: boolean;
  readonly severity: Severity;
  readonly warmingUp: boolean;
  readonly incidentId?: string;
  readonly incidentStatus?: IncidentStatus;
  readonly source?: RelationalScore['source'];
}

export interface IncidentDecision {
  /** 16 hex characters: sha256 of the first window start (ISO) and the root entity key. */
  readonly id: string;
  /** new: alert now (once); update: alerted before, new windows at/above the cut; open: tracked, not sent. */
  readonly status: IncidentStatus;
  /** The incident has alerted (now or earlier). */
  readonly alerted: boolean;
  readonly firstStart: number;
  readonly lastEnd: number;
  /** `${entityField}=${entityValue}` of the window the incident started from. */
  readonly root: string;
  readonly entities: readonly string[];
  /** Input ids of this slice's windows that belong to the incident. */
  readonly windowIds: readonly string[];
  readonly score: number;
  readonly peakScore: number;
  readonly risk: number;
  readonly mergedFrom?: readonly string[];
}

export interface SliceDecision {
  readonly start: number;
  readonly end: number;
  /** UTC day index of the slice end. */
  readonly day: number;
  /** The first UTC day the tracker has seen (cold start). */
  readonly firstScoredDay: boolean;
  /** In input order. */
  readonly windows: readonly WindowDecision[];
  readonly incidents: readonly IncidentDecision[];
  readonly budget: {
    readonly alertsPerDay: number;
    readonly sentToday: number;
    readonly thresholdRisk: number;
    readonly cut: number;
    /** Present when the threshold had verdict risks in force (AlertBudget.warmStart). */
    readonly warmStart?: WarmStartNote;
  };
}

const relationalSchema = z
  .strictObject({
    sameEntity: z.number().min(0).max(1),
    linked: z.number().min(0).max(1),
    linkedAlone: z.number().min(0).max(1),
    secondHop: z.number().min(0).max(1),
  })
  .partial();

/** A duration in whole milliseconds, positive, with a default. */
const durationMs = (fallback: number) => z.number().int().positive().default(fallback);

/** Options of the incident pass; every field has a default. */
export const incidentOptionsSchema = z.strictObject({
  /** Hard cap of new alert incidents per UTC day over all jobs (the analyst's budget). */
  alertsPerDay: z.number().int().min(1, 'alerts_per_day must be at least 1').max(10_000).default(10),
  /** Alternative to the budget-learned threshold: the (1 − targetFpr) quantile of the risk stream. */
  targetFpr: z.number().gt(0).lt(1).optional(),
  /** Absolute significance floor on risk (z scale): nothing below it ever alerts. */
  floor: z.number().min(0).max(20).default(4),
  /** Risk (z scale) from which a window opens or joins an incident. */
  incidentMin: z.number().min(0).max(20).default(2.5),
  /** Half-life of an entity's accumulated risk. */
  halfLifeMs: durationMs(2 * HOUR_MS),
  /** Evidence older than this no longer counts. */
  horizonMs: durationMs(12 * HOUR_MS),
  /** An incident without a window for this long closes. */
  gapMs: durationMs(2 * HOUR_MS),
  /**
   * An incident older than this (from its first window) closes: a later window of the same
   * activity opens a new incident, which may alert again. Bounds how far a chain can grow.
   */
  maxSpanMs: durationMs(24 * HOUR_MS),
  /** A related value whose typical fan-in (distinct entities naming it per slice) reaches this is a hub: no propagation or grouping through it (hubs.ts; 0 = off). */
  hubFanIn: z.number().min(0).max(10_000).default(5),
  /** Half-life of the fan-in average that finds hubs. */
  hubHalfLifeMs: durationMs(24 * HOUR_MS),
  /** Days of candidate incidents the learned threshold looks back over (the median of their daily levels). */
  historyDays: z.number().int().min(1).max(30).default(7),
  /** Share of the budget the learned threshold lets benign incidents take on an ordinary day. */
  quietShare: z.number().gt(0).max(1).default(0.4),
  /** Hour-of-week / hour-of-day / chronic baselines for benign recurrence. */
  recurrence: z.boolean().default(true),
  /** Added to the floor on the first day the tracker sees (no history of its own yet). */
  coldStartFloorBoost: z.number().min(0).max(10).default(0.5),
  relational: relationalSchema.default({}),
});

export type IncidentOptionsInput = z.input<typeof incidentOptionsSchema>;
export type IncidentOptions = z.output<typeof incidentOptionsSchema> & { readonly relational: Partial<RelationalParams> };

export function incidentOptions(input: IncidentOptionsInput = {}): IncidentOptions {
  return incidentOptionsSchema.parse(input);
}
