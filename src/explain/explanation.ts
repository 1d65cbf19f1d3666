/**
 * The explanation of one scored window: the top-m contributing items with actual vs typical values
 * and a one-line narrative, e.g.
 *   "57 failed logins (typical 2); first-seen country FR; 14 distinct hosts (typical 1)".
 *
 * For numeric features actual/typical are the feature's value and the entity's median (the peers'
 * on cold start). For the other models they are in the model's own unit: surprise in nats (rarity,
 * sequence) or periodicity score 0–1 (beaconing), against that model's typical value.
 */
import { round } from '../numbers.js';
import { evidenceName, type Evidence } from './evidence.js';
import {
  featureUnit,
  featureWords,
  fieldWords,
  formatDuration,
  formatHour,
  formatNumber,
  formatShare,
  roundFeatureValue,
} from './words.js';

/** One item of `contributions` / `vigil.features`: a feature (or finding) with its actual and typical value. */
export interface FeatureExplanation {
  readonly name: string;
  readonly actual: number;
  /** The entity's (or, on cold start, its peers') typical value. */
  readonly typical: number;
  /** Share of the anomaly attributed to this feature, 0–1. */
  readonly contribution: number;
}

export interface ExplainOptions {
  /** Number of items kept (default 3). */
  readonly top?: number;
  /** Nicer phrases for feature or field names. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The entity is new: typical values are its peers'. */
  readonly coldStart?: boolean;
}

export interface Explanation {
  readonly contributions: FeatureExplanation[];
  readonly narrative: string;
  /** The evidence behind `contributions`, same order. */
  readonly top: Evidence[];
}

/** Rank evidence by contribution (ties by name, so the order never depends on input order). */
export function rankEvidence(evidence: readonly Evidence[]): Evidence[] {
  return [...evidence].sort(
    (a, b) => b.contribution - a.contribution || (evidenceName(a) < evidenceName(b) ? -1 : evidenceName(a) > evidenceName(b) ? 1 : 0),
  );
}

export function explain(evidence: readonly Evidence[], options: ExplainOptions = {}): Explanation {
  const m = options.top ?? 3;
  const top = rankEvidence(evidence.filter((e) => e.contribution > 0)).slice(0, m);
  const contributions = top.map(toFeatureExplanation);
  return { contributions, narrative: narrative(top, options), top };
}

export function toFeatureExplanation(e: Evidence): FeatureExplanation {
  const name = evidenceName(e);
  const contribution = round(e.contribution, 6);
  switch (e.kind) {
    case 'feature':
      return { name, actual: roundFeatureValue(e.name, e.actual), typical: roundFeatureValue(e.name, e.typical), contribution };
    case 'rarity':
      return { name, actual: round(e.surprise, 6), typical: round(e.typicalSurprise, 6), contribution };
    case 'sequence':
      return { name, actual: round(e.surprise, 6), typical: round(e.typicalSurprise, 6), contribution };
    case 'beaconing':
      return { name, actual: round(e.score, 6), typical: round(e.typicalScore, 6), contribution };
  }
}

/** One phrase per evidence item, joined by "; ". */
export function narrative(top: readonly Evidence[], options: ExplainOptions = {}): string {
  if (top.length === 0) return options.coldStart ? 'nothing unusual compared with its peers (new entity)' : 'nothing unusual';
  const text = top.map((e) => phrase(e, options.labels)).join('; ');
  return options.coldStart ? `${text} (new entity: typical values are its peers')` : text;
}

export function phrase(e: Evidence, labels?: Readonly<Record<string, string>>): string {
  switch (e.kind) {
    case 'feature':
      return featurePhrase(e.name, e.actual, e.typical, featureWords(e.name, labels));
    case 'rarity': {
      const words = fieldWords(e.field, labels);
      if (e.populationFirstSeen) return `${words} ${e.value} never seen before in the population`;
      if (e.firstSeen) return `first-seen ${words} ${e.value}`;
      return `rare ${words} ${e.value} (p ${formatNumber(e.probability)})`;
    }
    case 'sequence':
      return e.firstSeen
        ? `first-time action ${e.to} (after ${e.from === '^' ? 'start' : e.from})`
        : `unusual action ${e.to} after ${e.from === '^' ? 'start' : e.from}`;
    case 'beaconing':
      return `regular connections to ${e.destination} every ${formatDuration(e.periodMs)} (${e.arrivals} arrivals, CV ${formatNumber(e.robustCv)})`;
  }
}

/**
 * "57 failed logins (typical 2)", "85% of logins outside working hours (typical 10%)",
 * "logins at 23:00, usually around 11:00": the unit decides how a value reads.
 */
export function featurePhrase(name: string, actual: number, typical: number, words: string): string {
  if (!Number.isFinite(actual)) return `${words} missing`;
  const hasTypical = Number.isFinite(typical);
  switch (featureUnit(name)) {
    case 'hour': {
      // Labels name what happens at that hour ("usual hour of logins" → "logins").
      const subject = words.replace(/^(usual |typical )?hour( of day)?( of)?\s*/i, '').trim() || 'activity';
      return `${subject} at ${formatHour(actual)}${hasTypical ? `, usually around ${formatHour(typical)}` : ''}`;
    }
    case 'share': {
      const subject = words.replace(/^(share|ratio|fraction) of /i, 'of ');
      return `${formatShare(actual)} ${subject}${hasTypical ? ` (typical ${formatShare(typical)})` : ''}`;
    }
    case 'amount':
      return hasTypical ? `${formatNumber(actual)} ${words} (typical ${formatNumber(typical)})` : `${formatNumber(actual)} ${words}`;
  }
}
