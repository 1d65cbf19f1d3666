/**
 * The analyst's input applied to one slice's windows before the incident pass: verdict
 * suppressions (pattern.ts), soft labels from lists (lists.ts) and from the SOC's rule matches
 * (rule-hits.ts) move a window's fused score, and
 * say so — every adjustment is recorded on the window's document (`vigil.analyst`), so nothing is
 * muted without a visible reason.
 */
import type { AnalystFields, AnomalyDocument } from '../anomaly/document.js';
import type { ListHit, SoftLabeller } from './lists.js';
import type { RuleHitIndex } from './rule-hits.js';
import type { FeatureValue, Suppression, Suppressor } from './pattern.js';

/** Features carrying a window's anomaly: the ones with at least this share of the attribution. */
export const CARRYING_SHARE = 0.1;

export interface AnalystWindow {
  readonly job: string;
  readonly entityField: string;
  readonly entityValue: string;
  readonly start: number;
  readonly end: number;
  /** The ensemble's own fused score (z scale). */
  readonly fused: number;
  /** The window's features with their attribution (the document's vigil.features). */
  readonly features: readonly (FeatureValue & { readonly contribution: number })[];
  /** Values seen in the window, per field (related.ip/user/hosts …). */
  readonly values: Readonly<Record<string, readonly string[]>>;
}

export interface AnalystAdjustment {
  /** The fused score the incident pass sees. */
  readonly fused: number;
  readonly suppression?: Suppression;
  readonly hits: readonly ListHit[];
  /** Detection rules that matched the entity in the window (rule_hits). */
  readonly rules: readonly string[];
}

export class AnalystInput {
  constructor(
    private readonly suppressor?: Suppressor,
    private readonly labeller?: SoftLabeller,
    private readonly ruleHits?: RuleHitIndex,
  ) {}

  get active(): boolean {
    return (this.suppressor?.size ?? 0) > 0 || (this.labeller?.size ?? 0) > 0 || (this.ruleHits?.size ?? 0) > 0;
  }

  adjust(w: AnalystWindow): AnalystAdjustment {
    const label = this.labeller?.label({ entityField: w.entityField, entityValue: w.entityValue, end: w.end, values: w.values });
    const carrying = w.features.filter((f) => f.contribution >= CARRYING_SHARE);
    const suppression = this.suppressor?.match({
      job: w.job,
      entityField: w.entityField,
      entityValue: w.entityValue,
      end: w.end,
      features: carrying,
    });
    const rules = this.ruleHits?.label(w);
    let fused = w.fused + (label?.shift ?? 0) + (rules?.shift ?? 0);
    // A suppressed pattern reads as typical (0 σ) at most: it can neither alert nor lift its neighbours.
    if (suppression) fused = Math.min(fused, 0);
    return { fused, suppression, hits: label?.hits ?? [], rules: rules?.rules ?? [] };
  }
}

/** The document fields for an adjustment (undefined when nothing applied). */
export function analystFields(a: AnalystAdjustment): AnalystFields | undefined {
  if (!a.suppression && a.hits.length === 0 && a.rules.length === 0) return undefined;
  const out: AnalystFields = { adjusted_fused_score: Math.round(a.fused * 1e4) / 1e4 };
  if (a.suppression) {
    const v = a.suppression.verdict;
    out.suppressed = true;
    out.suppressed_by = {
      verdict: v.verdict,
      by: v.by,
      ...(v.expires ? { until: v.expires } : {}),
      reason: a.suppression.reason,
      ...(v.anomaly_id ? { anomaly_id: v.anomaly_id } : {}),
    };
  }
  if (a.hits.length > 0) out.lists = a.hits.map((h) => ({ name: h.list, kind: h.kind, weight: h.weight, value: h.value }));
  if (a.rules.length > 0) out.rules = [...a.rules];
  return out;
}

/** The analyst's view of an anomaly document: its entity, features and the values it names. */
export function analystWindowOf(doc: AnomalyDocument): AnalystWindow {
  const v = doc.vigil;
  const values: Record<string, string[]> = {
    'related.ip': doc.related.ip,
    'related.user': doc.related.user,
    'related.hosts': doc.related.hosts,
  };
  if (doc.user) values['user.name'] = [doc.user.name];
  if (doc.host) values['host.name'] = [doc.host.name];
  if (doc.source) values['source.ip'] = [doc.source.ip];
  if (doc.destination) values['destination.ip'] = [doc.destination.ip];
  return {
    job: v.job_id,
    entityField: v.entity.field,
    entityValue: v.entity.value,
    start: Date.parse(v.window.start),
    end: Date.parse(v.window.end),
    fused: v.fused_score,
    features: v.features,
    values,
  };
}
