/**
 * The pure half of the correlator (correlator.ts): what it reads of an anomaly document, what
 * propagateRelational makes of one time window's documents, and the rewritten document.
 *
 * Idempotent by construction: the relational model always starts from the ensemble's own score
 * (`vigil.own_fused_score` once a document was lifted, else `vigil.fused_score`), the explanation
 * is rebuilt from the text before the stored relational clause, and a document is rewritten only
 * when the result differs from what is stored — a second pass over the same documents writes
 * nothing, and a lift never compounds on an already-lifted document.
 */
import { z } from 'zod';
import { severityOf, type AnomalyDocument, type RelationalFields } from '../anomaly/document.js';
import { relationalClause } from '../explain/relational.js';
import { verdictOf, type Calibration } from '../models/calibration.js';
import { propagateRelational, type RelationalParams, type RelationalScore } from '../models/relational.js';
import { round } from '../numbers.js';
import { SEVERITY_NUMBER } from './anomaly-builder.js';

/** The `_source` fields the correlator reads to decide (the whole document only for rewrites). */
export const CORRELATOR_FIELDS: readonly string[] = [
  'vigil.job_id',
  'vigil.partition',
  'vigil.entity',
  'vigil.window.start',
  'vigil.fused_score',
  'vigil.own_fused_score',
  'vigil.threshold',
  'vigil.is_alert',
  'vigil.relational',
  'related',
];

/** Lifts below this are rounding noise on the documents' 4-digit fused scores. */
export const MIN_LIFT = 1e-4;

const relationalSchema = z.object({
  lift: z.number(),
  source_key: z.string(),
  source_entity: z.string(),
  source_job: z.string(),
  via: z.string(),
  root: z.string(),
  clause: z.string(),
});

const stringList = z.array(z.string()).optional();

const refSourceSchema = z.object({
  vigil: z.object({
    job_id: z.string(),
    partition: z.number().int(),
    entity: z.object({ field: z.string(), value: z.string() }),
    window: z.object({ start: z.string() }),
    fused_score: z.number(),
    own_fused_score: z.number().optional(),
    threshold: z.number(),
    is_alert: z.boolean(),
    relational: relationalSchema.optional(),
  }),
  related: z.object({ ip: stringList, user: stringList, hosts: stringList }).optional(),
});

/** What the correlator knows of one stored anomaly document before deciding. */
export interface DocumentRef {
  readonly id: string;
  readonly index: string;
  readonly job: string;
  readonly partition: number;
  readonly entityField: string;
  readonly entityValue: string;
  readonly windowStart: number;
  readonly related: { readonly ip: readonly string[]; readonly user: readonly string[]; readonly hosts: readonly string[] };
  /** The ensemble's own fused score (never a lifted one). */
  readonly own: number;
  readonly storedFused: number;
  readonly storedOwn?: number;
  readonly storedRelational?: RelationalFields;
  readonly storedAlert: boolean;
  readonly threshold: number;
}

/** Parses a streamed hit; a message naming the problem when the document is not an anomaly document. */
export function parseRef(id: string, index: string, source: unknown): DocumentRef | string {
  const parsed = refSourceSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`;
  }
  const v = parsed.data.vigil;
  const windowStart = Date.parse(v.window.start);
  if (!Number.isFinite(windowStart)) return `vigil.window.start: not a date (${v.window.start})`;
  const r = parsed.data.related;
  return {
    id,
    index,
    job: v.job_id,
    partition: v.partition,
    entityField: v.entity.field,
    entityValue: v.entity.value,
    windowStart,
    related: { ip: r?.ip ?? [], user: r?.user ?? [], hosts: r?.hosts ?? [] },
    own: v.own_fused_score ?? v.fused_score,
    storedFused: v.fused_score,
    ...(v.own_fused_score !== undefined ? { storedOwn: v.own_fused_score } : {}),
    ...(v.relational ? { storedRelational: v.relational } : {}),
    storedAlert: v.is_alert,
    threshold: v.threshold,
  };
}

/** What to do with one document of a time window. */
export interface Decision {
  readonly ref: DocumentRef;
  readonly score: RelationalScore;
  /** lift: set the lifted score; restore: drop an earlier lift; keep: stored as it should be. */
  readonly action: 'lift' | 'restore' | 'keep';
  /** The relational fields the document should carry (lift only). */
  readonly relational?: RelationalFields;
}

/**
 * Runs the relational model over one time window's documents (all jobs) and decides, per
 * document, whether the stored version has to change.
 */
export function decideWindow(refs: readonly DocumentRef[], params: Partial<RelationalParams> = {}): Decision[] {
  const scores = propagateRelational(
    refs.map((r) => ({ key: r.id, entityField: r.entityField, entityValue: r.entityValue, related: r.related, fused: r.own })),
    params,
  );
  const byId = new Map(refs.map((r) => [r.id, r]));
  return refs.map((ref, i): Decision => {
    const score = scores[i];
    if (!(score.lift > MIN_LIFT) || !score.source) {
      return { ref, score, action: ref.storedOwn !== undefined || ref.storedRelational ? 'restore' : 'keep' };
    }
    const source = byId.get(score.source.key);
    const clause =
      relationalClause(score, {
        jobOf: (key) => byId.get(key)?.job ?? key,
        fieldOf: (key) => byId.get(key)?.entityField,
      }) ?? '';
    const relational: RelationalFields = {
      lift: round(score.lift),
      source_key: score.source.key,
      source_entity: score.source.entityValue,
      source_job: source?.job ?? '',
      via: score.source.via,
      root: score.root,
      clause,
    };
    const same =
      ref.storedRelational !== undefined &&
      ref.storedOwn === ref.own &&
      ref.storedFused === round(score.fused) &&
      JSON.stringify(ref.storedRelational) === JSON.stringify(relational);
    return { ref, score, action: same ? 'keep' : 'lift', relational };
  });
}

/** The explanation as the job wrote it: the stored text without the clause a correlator appended. */
export function ownExplanation(text: string, relational: RelationalFields | undefined): string {
  const clause = relational?.clause;
  if (!clause) return text;
  const suffix = `; ${clause}`;
  if (text.endsWith(suffix)) return text.slice(0, -suffix.length);
  return text === clause ? '' : text;
}

/**
 * The threshold the verdict is taken against. The documents store a threshold that was +∞ (an
 * ensemble still warming up) as 0; a stored document above its threshold but not alerting shows it.
 */
function effectiveThreshold(ref: DocumentRef): number {
  return !ref.storedAlert && ref.storedFused > ref.threshold ? Infinity : ref.threshold;
}

/**
 * The document rewritten for a decision: fused score, verdict (probability, score, severity,
 * alert) from the job's calibration and threshold, relational fields and explanation. `stored`
 * is the full document as read; it is not modified.
 */
export function rewriteDocument(stored: AnomalyDocument, decision: Decision, calibration: Pick<Calibration, 'a' | 'b'>): AnomalyDocument {
  const doc = structuredClone(stored);
  const { ref } = decision;
  const base = ownExplanation(doc.vigil.explanation, ref.storedRelational);
  const baseReason = ownExplanation(doc.event.reason, ref.storedRelational);
  const fused = decision.action === 'lift' ? decision.score.fused : ref.own;
  const verdict = verdictOf(calibration, fused, effectiveThreshold(ref));
  const score = round(Math.min(100, Math.max(0, Number.isFinite(verdict.score) ? verdict.score : 0)), 2);
  const severity = severityOf(score);
  doc.event.risk_score = Math.round(score);
  doc.event.risk_score_norm = score;
  doc.event.severity = SEVERITY_NUMBER[severity];
  doc.vigil.score = score;
  doc.vigil.probability = round(Number.isFinite(verdict.probability) ? verdict.probability : 0, 6);
  doc.vigil.is_alert = verdict.isAlert;
  doc.vigil.severity = severity;
  if (decision.action === 'lift' && decision.relational) {
    const clause = decision.relational.clause;
    doc.vigil.fused_score = round(fused);
    doc.vigil.own_fused_score = ref.own;
    doc.vigil.relational = decision.relational;
    doc.vigil.explanation = clause ? (base ? `${base}; ${clause}` : clause) : base;
    doc.event.reason = clause ? (baseReason ? `${baseReason}; ${clause}` : clause) : baseReason;
  } else {
    doc.vigil.fused_score = ref.own;
    delete doc.vigil.own_fused_score;
    delete doc.vigil.relational;
    doc.vigil.explanation = base;
    doc.event.reason = baseReason;
  }
  return doc;
}

/**
 * Of the documents that now alert and did not before, the strongest per incident root: one alert
 * per incident and time window (the others are in the index, linked by vigil.relational.root).
 */
export function newAlertsByRoot(rewritten: readonly { decision: Decision; doc: AnomalyDocument }[]): { id: string; doc: AnomalyDocument }[] {
  const best = new Map<string, { id: string; doc: AnomalyDocument }>();
  for (const { decision, doc } of rewritten) {
    if (!doc.vigil.is_alert || decision.ref.storedAlert) continue;
    const root = decision.score.root;
    const current = best.get(root);
    if (!current || doc.vigil.fused_score > current.doc.vigil.fused_score || (doc.vigil.fused_score === current.doc.vigil.fused_score && decision.ref.id < current.id)) {
      best.set(root, { id: decision.ref.id, doc });
    }
  }
  return [...best.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}
