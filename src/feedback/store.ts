/**
 * The feedback index on the cluster: verdicts written by `vigil feedback` (or by a SOAR playbook
 * through a signed callback link, link.ts), read back by every pass of the pipeline.
 */
import { randomUUID } from 'node:crypto';
import type { BulkOperation, BulkResult, Engine, JsonObject } from '../engine/engine.js';
import { CARRYING_SHARE } from './analyst.js';
import { mergeBands, type FeatureBand } from './pattern.js';
import { DEFAULT_EXPIRY_DAYS, parseFeedback, type Feedback, type FeedbackDocument, type VerdictKind } from './verdict.js';

const DAY_MS = 86_400_000;

export interface VerdictRequest {
  readonly verdict: VerdictKind;
  readonly by: string;
  readonly reason?: string;
  /** Days until the suppression lapses (default by kind). */
  readonly expiresInDays?: number;
  readonly now?: number;
}

/** The features that carried an anomaly document's score, as a verdict's pattern records them. */
function carryingBand(anomaly: JsonObject): FeatureBand[] {
  const v = anomaly.vigil as JsonObject;
  const features = (Array.isArray(v.features) ? v.features : []) as JsonObject[];
  return features
    .filter((f) => Number(f.contribution) >= CARRYING_SHARE)
    .map((f) => ({ name: String(f.name), actual: Number(f.actual), typical: Number(f.typical) }));
}

/**
 * The feedback document for one anomaly document (as stored in the anomaly index). `alsoJudged`:
 * the same entity's other documents in a judged incident — the pattern then spans all of them.
 */
export function feedbackFor(
  anomalyId: string,
  anomaly: JsonObject,
  request: VerdictRequest,
  alsoJudged: readonly JsonObject[] = [],
): FeedbackDocument {
  const v = anomaly.vigil as JsonObject;
  const entity = v.entity as JsonObject;
  const now = request.now ?? Date.now();
  const days = request.expiresInDays ?? DEFAULT_EXPIRY_DAYS[request.verdict];
  const incident = (v.incident as JsonObject | undefined)?.id;
  const risk = finiteRisk(anomaly);
  return {
    '@timestamp': new Date(now).toISOString(),
    vigil: {
      feedback: {
        verdict: request.verdict,
        by: request.by,
        reason: request.reason ?? '',
        anomaly_id: anomalyId,
        incident_id: typeof incident === 'string' ? incident : undefined,
        job_id: String(v.job_id),
        entity: { field: String(entity.field), value: String(entity.value) },
        fused_score: Number(v.fused_score),
        window_start: String((v.window as JsonObject).start),
        risk,
        pattern: mergeBands([anomaly, ...alsoJudged].map(carryingBand)),
        expires: request.verdict === 'true_positive' ? undefined : new Date(now + days * DAY_MS).toISOString(),
      },
    },
  };
}

/** The document's vigil.risk when it is a finite number (documents written before the incident pass lack it). */
function finiteRisk(anomaly: JsonObject | undefined): number | undefined {
  const risk = (anomaly?.vigil as JsonObject | undefined)?.risk;
  return typeof risk === 'number' && Number.isFinite(risk) ? risk : undefined;
}

/** What `active` did about verdicts stored without the judged window's risk. */
export interface RiskResolution {
  /** Verdicts without a risk, and how many got it from their judged document. */
  readonly missing: number;
  readonly found: number;
  /** Of those found, written back into the verdict (so later passes need not look again). */
  readonly recorded: number;
  /** Why the lookup or the write-back failed (the verdicts apply all the same). */
  readonly error?: string;
}

/** Judged documents looked up per search. */
const IDS_PER_SEARCH = 1000;

export class FeedbackStore {
  constructor(
    private readonly engine: Engine,
    private readonly index: string,
    private readonly anomalyIndex: string,
  ) {}

  /**
   * Records a verdict on an anomaly document or on every entity of an incident (one document per
   * entity and job: on its highest-scored window in the incident, with the pattern of all its
   * windows there).
   */
  async record(target: { anomalyId?: string; incidentId?: string }, request: VerdictRequest): Promise<FeedbackDocument[]> {
    const anomalies = await this.findAnomalies(target);
    if (anomalies.length === 0) {
      const what = target.anomalyId ? `anomaly ${target.anomalyId}` : `incident ${target.incidentId ?? ''}`;
      throw new Error(`${what} is not in ${this.anomalyIndex}* (check the id, or the anomaly index in the config)`);
    }
    const docs = anomalies.map(([id, doc, rest]) => feedbackFor(id, doc, request, rest));
    const ops: BulkOperation[] = docs.map((d) => ({ action: 'create', index: this.index, id: randomUUID(), document: d }));
    let result: BulkResult = await this.engine.bulk(ops, { refresh: true });
    // A feedback index created before vigil.feedback.risk existed refuses it (strict mapping): the
    // verdict is recorded without it (passes look it up on the judged document) rather than lost.
    const refused = result.items
      .filter((i) => i.error && /strict_dynamic_mapping|mapping set to strict/.test(`${i.error.type} ${i.error.reason}`))
      .map((i) => i.position);
    if (refused.length > 0) {
      for (const p of refused) delete docs[p].vigil.feedback.risk;
      const retry = await this.engine.bulk(
        refused.map((p) => ({ ...ops[p], document: docs[p] })),
        { refresh: true },
      );
      const items = [...result.items.filter((i) => !refused.includes(i.position)), ...retry.items];
      result = { items, succeeded: items.filter((i) => i.ok).length, failed: items.filter((i) => !i.ok).length };
    }
    if (result.failed > 0) {
      const first = result.items.find((i) => !i.ok);
      throw new Error(
        `feedback not recorded in ${this.index}: ${first?.error?.type ?? ''} ${first?.error?.reason ?? ''} (run vigil install first?)`,
      );
    }
    return docs;
  }

  /**
   * Every verdict that still matters at `now`: suppressions not expired, and labels for calibration.
   * With `resolveRisks` (the pipeline's pass), verdicts stored without the judged window's risk get
   * it from their anomaly document, and keep it (written back into the verdict).
   */
  async active(
    now: number,
    options: { readonly resolveRisks?: boolean } = {},
  ): Promise<{ verdicts: Feedback[]; malformed: string[]; risks?: RiskResolution }> {
    let response: JsonObject;
    try {
      response = await this.engine.search(this.index, {
        size: 10_000,
        sort: [{ '@timestamp': 'desc' }],
        query: {
          bool: {
            should: [
              { range: { 'vigil.feedback.expires': { gt: new Date(now).toISOString() } } },
              { term: { 'vigil.feedback.verdict': 'true_positive' } },
              { range: { '@timestamp': { gte: new Date(now - 90 * DAY_MS).toISOString() } } },
            ],
            minimum_should_match: 1,
          },
        },
      });
    } catch (error) {
      // No feedback index yet (nobody gave a verdict, or install predates it): no verdicts.
      if (error instanceof Error && /index_not_found|no such index/i.test(error.message)) return { verdicts: [], malformed: [] };
      throw error;
    }
    const hits = ((response.hits as JsonObject | undefined)?.hits ?? []) as JsonObject[];
    const verdicts: Feedback[] = [];
    const malformed: string[] = [];
    const withoutRisk: { hit: JsonObject; feedback: Feedback }[] = [];
    for (const hit of hits) {
      const parsed = parseFeedback(hit._source);
      if (parsed.ok) {
        verdicts.push(parsed.feedback);
        if (parsed.feedback.risk === undefined && parsed.feedback.anomaly_id) withoutRisk.push({ hit, feedback: parsed.feedback });
      } else malformed.push(`${String(hit._id)}: ${parsed.error}`);
    }
    if (!options.resolveRisks) return { verdicts, malformed };
    return { verdicts, malformed, risks: await this.resolveRisks(withoutRisk) };
  }

  /**
   * Sets the risk of verdicts stored without one from their judged anomaly documents, and writes
   * it back into the stored verdict. Best effort: a failure is reported, never thrown — the
   * verdicts still suppress and calibrate, they just do not warm-start the threshold yet.
   */
  private async resolveRisks(stored: readonly { hit: JsonObject; feedback: Feedback }[]): Promise<RiskResolution> {
    if (stored.length === 0) return { missing: 0, found: 0, recorded: 0 };
    const riskOf = new Map<string, number>();
    const ids = [...new Set(stored.map((s) => s.feedback.anomaly_id ?? ''))];
    const ops: BulkOperation[] = [];
    try {
      for (let i = 0; i < ids.length; i += IDS_PER_SEARCH) {
        const chunk = ids.slice(i, i + IDS_PER_SEARCH);
        const response = await this.engine.search(`${this.anomalyIndex}*`, {
          size: chunk.length,
          query: { ids: { values: chunk } },
          _source: ['vigil.risk'],
        });
        for (const hit of ((response.hits as JsonObject | undefined)?.hits ?? []) as JsonObject[]) {
          const risk = finiteRisk(hit._source as JsonObject | undefined);
          if (risk !== undefined) riskOf.set(String(hit._id), risk);
        }
      }
      for (const { hit, feedback } of stored) {
        const risk = riskOf.get(feedback.anomaly_id ?? '');
        if (risk === undefined) continue;
        feedback.risk = risk;
        const source = hit._source as JsonObject;
        const vigil = source.vigil as JsonObject;
        const document = { ...source, vigil: { ...vigil, feedback: { ...(vigil.feedback as JsonObject), risk } } };
        ops.push({ action: 'index', index: String(hit._index), id: String(hit._id), document });
      }
      if (ops.length === 0) return { missing: stored.length, found: 0, recorded: 0 };
      const result = await this.engine.bulk(ops);
      const first = result.items.find((i) => !i.ok)?.error;
      return {
        missing: stored.length,
        found: ops.length,
        recorded: result.succeeded,
        ...(first ? { error: `${first.type}: ${first.reason}` } : {}),
      };
    } catch (error) {
      return { missing: stored.length, found: ops.length, recorded: 0, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The judged documents: per entity and job, the highest-scored one (its id and document) and the others. */
  private async findAnomalies(target: { anomalyId?: string; incidentId?: string }): Promise<[string, JsonObject, JsonObject[]][]> {
    const query: JsonObject = target.anomalyId
      ? { ids: { values: [target.anomalyId] } }
      : { term: { 'vigil.incident.id': target.incidentId ?? '' } };
    const response = await this.engine.search(`${this.anomalyIndex}*`, { size: 1000, query, sort: [{ 'vigil.score': 'desc' }] });
    const hits = ((response.hits as JsonObject | undefined)?.hits ?? []) as JsonObject[];
    const best = new Map<string, [string, JsonObject, JsonObject[]]>();
    for (const hit of hits) {
      const doc = hit._source as JsonObject;
      const v = doc.vigil as JsonObject;
      const key = `${String(v.job_id)}|${String((v.entity as JsonObject).value)}`;
      const had = best.get(key);
      if (had) had[2].push(doc);
      else best.set(key, [String(hit._id), doc, []]);
    }
    return [...best.values()];
  }
}
