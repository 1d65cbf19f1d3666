/**
 * The feedback index on the cluster: verdicts written by `vigil feedback` (or by a SOAR playbook
 * through a signed callback link, link.ts), read back by every pass of the pipeline.
 */
import { randomUUID } from 'node:crypto';
import type { Engine, JsonObject } from '../engine/engine.js';
import { CARRYING_SHARE } from './analyst.js';
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

/** The feedback document for one anomaly document (as stored in the anomaly index). */
export function feedbackFor(anomalyId: string, anomaly: JsonObject, request: VerdictRequest): FeedbackDocument {
  const v = anomaly.vigil as JsonObject;
  const entity = v.entity as JsonObject;
  const features = (Array.isArray(v.features) ? v.features : []) as JsonObject[];
  const now = request.now ?? Date.now();
  const days = request.expiresInDays ?? DEFAULT_EXPIRY_DAYS[request.verdict];
  const incident = (v.incident as JsonObject | undefined)?.id;
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
        pattern: features
          .filter((f) => Number(f.contribution) >= CARRYING_SHARE)
          .map((f) => ({ name: String(f.name), actual: Number(f.actual), typical: Number(f.typical) })),
        expires: request.verdict === 'true_positive' ? undefined : new Date(now + days * DAY_MS).toISOString(),
      },
    },
  };
}

export class FeedbackStore {
  constructor(
    private readonly engine: Engine,
    private readonly index: string,
    private readonly anomalyIndex: string,
  ) {}

  /**
   * Records a verdict on an anomaly document or on every entity of an incident (one document per
   * judged entity-window: the incident's highest-scored window of each entity and job).
   */
  async record(target: { anomalyId?: string; incidentId?: string }, request: VerdictRequest): Promise<FeedbackDocument[]> {
    const anomalies = await this.findAnomalies(target);
    if (anomalies.length === 0) {
      const what = target.anomalyId ? `anomaly ${target.anomalyId}` : `incident ${target.incidentId ?? ''}`;
      throw new Error(`${what} is not in ${this.anomalyIndex}* (check the id, or the anomaly index in the config)`);
    }
    const docs = anomalies.map(([id, doc]) => feedbackFor(id, doc, request));
    const result = await this.engine.bulk(
      docs.map((d) => ({ action: 'create' as const, index: this.index, id: randomUUID(), document: d })),
      { refresh: true },
    );
    if (result.failed > 0) {
      const first = result.items.find((i) => !i.ok);
      throw new Error(
        `feedback not recorded in ${this.index}: ${first?.error?.type ?? ''} ${first?.error?.reason ?? ''} (run vigil install first?)`,
      );
    }
    return docs;
  }

  /** Every verdict that still matters at `now`: suppressions not expired, and labels for calibration. */
  async active(now: number): Promise<{ verdicts: Feedback[]; malformed: string[] }> {
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
    for (const hit of hits) {
      const parsed = parseFeedback(hit._source);
      if (parsed.ok) verdicts.push(parsed.feedback);
      else malformed.push(`${String(hit._id)}: ${parsed.error}`);
    }
    return { verdicts, malformed };
  }

  private async findAnomalies(target: { anomalyId?: string; incidentId?: string }): Promise<[string, JsonObject][]> {
    const query: JsonObject = target.anomalyId
      ? { ids: { values: [target.anomalyId] } }
      : { term: { 'vigil.incident.id': target.incidentId ?? '' } };
    const response = await this.engine.search(`${this.anomalyIndex}*`, { size: 1000, query, sort: [{ 'vigil.score': 'desc' }] });
    const hits = ((response.hits as JsonObject | undefined)?.hits ?? []) as JsonObject[];
    const best = new Map<string, [string, JsonObject]>();
    for (const hit of hits) {
      const doc = hit._source as JsonObject;
      const v = doc.vigil as JsonObject;
      const key = `${String(v.job_id)}|${String((v.entity as JsonObject).value)}`;
      if (!best.has(key)) best.set(key, [String(hit._id), doc]);
    }
    return [...best.values()];
  }
}
