/**
 * The analyst's input for one pass of the slice pass, read once per pass (bounded: the feedback
 * store returns at most 10,000 verdicts, newest first) and applied to every slice of the pass:
 *
 * - suppression: benign_expected / false_positive verdicts mute their entity's pattern (pattern.ts);
 *   a newer true_positive verdict on the same entity and job lifts the older suppressions;
 * - soft labels: the configured watch-, allow- and IOC lists (lists.ts), and the SOC's rule matches
 *   in the pass's time range (rule-hits.ts);
 * - calibration: Platt scaling refitted on the judged windows (true_positive = 1, the others 0),
 *   once there are enough of both, replaces the ensemble's default probability;
 * - threshold warm start: the peak risks of what was judged (verdictRisks), handed to the incident
 *   pass's budget (AlertBudget.warmStart) with every slice;
 * - callback links: signed, per verdict, on every document (link.ts).
 *
 * Pure once built: the same verdicts and lists give the same documents (a redo after a crash
 * writes what the first attempt wrote).
 */
import type { AnalystFields, AnomalyDocument } from '../anomaly/document.js';
import type { FeedbackConfig } from '../config/feedback.js';
import type { RuleHitsConfig } from '../config/rule-hits.js';
import type { Engine } from '../engine/engine.js';
import type { VerdictRisks } from '../incidents/types.js';
import type { Logger } from '../log.js';
import { refreshingRead } from '../engine/refreshing-read.js';
import { calibrate, fitPlatt, type Calibration } from '../models/calibration.js';
import { AnalystInput, analystFields, analystWindowOf, type AnalystAdjustment } from './analyst.js';
import { feedbackLinks, LINK_TTL_MS } from './link.js';
import { loadLists, SoftLabeller, withIndexLists, type ListSpec } from './lists.js';
import { readRuleHits, RuleHitIndex, type RuleHitJob } from './rule-hits.js';
import { Suppressor } from './pattern.js';
import { FeedbackStore } from './store.js';
import type { Feedback } from './verdict.js';

const DAY_MS = 86_400_000;

/** Judged windows of each class needed before the probability is refitted on them. */
export const MIN_LABELS_PER_CLASS = 2;

export interface AnalystPassOptions {
  /** Verdicts in force, newest first (FeedbackStore.active). */
  readonly verdicts: readonly Feedback[];
  readonly lists: readonly ListSpec[];
  /** The SOC's rule matches over the pass's windows (rule-hits.ts). */
  readonly ruleHits?: RuleHitIndex;
  /** Where `vigil run`'s callback endpoint is reachable, and the signing secret. */
  readonly callback?: { readonly url: string; readonly secret: string };
  /** When the pass runs (epoch ms): links live LINK_TTL_MS from the later of the window's end and this day. */
  readonly now?: number;
  /** The feedback index could not be read: the threshold keeps the verdict risks it had. */
  readonly verdictsUnread?: boolean;
}

export interface AnalystDecision {
  /** The fused score the incident pass sees. */
  readonly fused: number;
  readonly adjustment: AnalystAdjustment;
}

export class AnalystPass {
  readonly input: AnalystInput;
  /** Platt calibration from the verdicts, when there are enough of both kinds. */
  readonly calibration: { readonly c: Calibration; readonly labels: number } | undefined;
  /** The judged peak risks the alert threshold warm-starts from (undefined: the verdicts were not read). */
  readonly warmStart: VerdictRisks | undefined;
  /** The newest verdict given on each anomaly document. */
  private readonly onDocument = new Map<string, string>();
  private readonly callback: AnalystPassOptions['callback'];
  /** The pass's UTC day (a redo the same day writes the same links). */
  private readonly today: number;

  constructor(options: AnalystPassOptions) {
    this.callback = options.callback;
    this.today = Math.floor((options.now ?? 0) / DAY_MS) * DAY_MS;
    const lifted = new Set<string>();
    const suppressing: Feedback[] = [];
    for (const v of options.verdicts) {
      const key = `${v.job_id}\u0000${v.entity.field}\u0000${v.entity.value}`;
      if (v.anomaly_id && !this.onDocument.has(v.anomaly_id)) this.onDocument.set(v.anomaly_id, v.verdict);
      if (v.verdict === 'true_positive') lifted.add(key);
      else if (!lifted.has(key)) suppressing.push(v);
    }
    this.input = new AnalystInput(
      suppressing.length > 0 ? new Suppressor(suppressing) : undefined,
      options.lists.length > 0 ? new SoftLabeller(options.lists) : undefined,
      options.ruleHits,
    );
    this.calibration = plattFromVerdicts(options.verdicts);
    this.warmStart = options.verdictsUnread ? undefined : verdictRisks(options.verdicts);
  }

  /** The window's fused score after verdicts and lists. */
  decide(doc: AnomalyDocument): AnalystDecision {
    const adjustment = this.input.adjust(analystWindowOf(doc));
    return { fused: adjustment.fused, adjustment };
  }

  /**
   * The document's `vigil.analyst` and its probability: what applied, the verdict given on it,
   * the calibration and the callback links (judging the incident when the window has one).
   */
  annotate(id: string, doc: AnomalyDocument, decision: AnalystDecision): void {
    const own = doc.vigil.fused_score;
    const fields: AnalystFields = analystFields(decision.adjustment) ?? {};
    const muted = decision.adjustment.suppression;
    if (muted)
      doc.vigil.explanation = doc.vigil.explanation
        ? `${doc.vigil.explanation}; suppressed: ${muted.reason}`
        : `suppressed: ${muted.reason}`;
    const verdict = this.onDocument.get(id);
    if (verdict) fields.verdict = verdict;
    if (this.calibration) {
      doc.vigil.probability = Math.round(calibrate(this.calibration.c, own) * 1e6) / 1e6;
      fields.calibration_labels = this.calibration.labels;
    }
    if (this.callback) {
      // A backfill of old data still gets links an analyst can use.
      const expires = Math.max(Date.parse(doc.vigil.window.end), this.today) + LINK_TTL_MS;
      const target = doc.vigil.incident ? { kind: 'incident' as const, id: doc.vigil.incident.id } : { kind: 'anomaly' as const, id };
      fields.links = {
        ...feedbackLinks(this.callback.url, this.callback.secret, target, expires),
        expires: new Date(Math.floor(expires / 1000) * 1000).toISOString(),
      };
    }
    if (Object.keys(fields).length > 0) doc.vigil.analyst = fields;
  }
}

/** Platt scaling on the judged windows' fused scores (undefined until both kinds are judged often enough). */
export function plattFromVerdicts(verdicts: readonly Feedback[]): { c: Calibration; labels: number } | undefined {
  const scores = verdicts.map((v) => v.fused_score);
  const labels = verdicts.map((v) => (v.verdict === 'true_positive' ? 1 : 0));
  const pos = labels.filter((y) => y === 1).length;
  if (pos < MIN_LABELS_PER_CLASS || labels.length - pos < MIN_LABELS_PER_CLASS) return undefined;
  return { c: fitPlatt(scores, labels), labels: labels.length };
}

/**
 * The peak risks of what the verdicts judged (newest first), for the threshold's warm start. The
 * newest verdict on a document counts (an older one was overturned); the documents of one
 * incident count once per kind, at their highest risk, because an incident alerts when any of its
 * windows reaches the cut. Verdicts without a risk (their document had none) do not count.
 */
export function verdictRisks(verdicts: readonly Feedback[]): VerdictRisks {
  const seen = new Set<string>();
  const peaks = new Map<string, { attack: boolean; risk: number }>();
  for (const v of verdicts) {
    const doc = v.anomaly_id ?? `${v.job_id}\u0000${v.entity.field}\u0000${v.entity.value}\u0000${v.window_start}`;
    if (seen.has(doc)) continue;
    seen.add(doc);
    if (v.risk === undefined) continue;
    const attack = v.verdict === 'true_positive';
    const key = `${attack ? 'attack' : 'benign'}\u0000${v.incident_id !== undefined ? `incident\u0000${v.incident_id}` : `document\u0000${doc}`}`;
    const peak = peaks.get(key);
    if (!peak || v.risk > peak.risk) peaks.set(key, { attack, risk: v.risk });
  }
  const all = [...peaks.values()];
  return { benign: all.filter((p) => !p.attack).map((p) => p.risk), attack: all.filter((p) => p.attack).map((p) => p.risk) };
}

export interface AnalystSource {
  readonly feedback: FeedbackConfig;
  readonly lists: readonly ListSpec[];
  readonly anomalyIndex: string;
  readonly ruleHits?: RuleHitsConfig;
  /** The jobs' entity fields and filters: a rule match raises only windows of jobs that read its event. */
  readonly jobs?: readonly RuleHitJob[];
  /** The pseudonymiser's lookup, when entities are written as tokens. */
  readonly tokenise?: (field: string, value: string) => string;
}

/** The windows a pass decides: rule matches are read for [from, to). */
export interface PassRange {
  readonly from: number;
  readonly to: number;
}

/**
 * The slice pass's reader of the analyst's input: list files are read once here (a bad file is an
 * error at start-up, naming the list); list indices (`values_index`), verdicts and rule matches
 * once per pass (an unreadable list index keeps the values it had). An unreadable
 * feedback or rule index is logged and the pass goes on without it: detection does not stop for it.
 */
export function analystPassLoader(
  engine: Engine,
  source: AnalystSource,
  log: Logger,
  now: () => number = Date.now,
): ((range?: PassRange) => Promise<AnalystPass | undefined>) | undefined {
  const fileLists = loadLists(source.lists, process.cwd());
  // List indices are read again every pass (an edit applies at once); an unreadable one keeps the last good read.
  const indexLists = fileLists.some((l) => l.values_index)
    ? refreshingRead({
        read: () => withIndexLists(engine, fileLists),
        refreshMs: 0,
        retryMs: 0,
        onRead: (read) => {
          for (const m of read.missing)
            log.warn({ list: m.list, documents: m.documents }, 'list index documents without the value field ignored (fix or delete them)');
        },
        onError: (error, kept) =>
          log.error(
            { err: error instanceof Error ? error.message : String(error) },
            kept
              ? 'list index unreadable: this pass applies the values read last time'
              : "list index unreadable: this pass applies only the lists' inline and file values",
          ),
      })
    : undefined;
  const { feedback } = source;
  if (!feedback.enabled && fileLists.length === 0 && !source.ruleHits) return undefined;
  const readHits = ruleHitReader(engine, source, log);
  const store = feedback.enabled ? new FeedbackStore(engine, feedback.index, source.anomalyIndex) : undefined;
  const callback = feedback.enabled ? feedback.callback : undefined;
  // A write-back the feedback index refuses (a mapping older than vigil.feedback.risk) is said once, not every pass.
  let warnedRisk = false;
  return async (range) => {
    const ruleHits = range ? await readHits?.(range) : undefined;
    const lists = (await indexLists?.())?.lists ?? fileLists;
    let verdicts: Feedback[] = [];
    let verdictsUnread = false;
    if (store) {
      try {
        const active = await store.active(now(), { resolveRisks: true });
        verdicts = active.verdicts;
        for (const m of active.malformed)
          log.warn({ index: feedback.index, document: m }, 'malformed feedback document ignored (fix or delete it)');
        const risks = active.risks;
        if (risks?.error && !warnedRisk) {
          warnedRisk = true;
          log.warn(
            { index: feedback.index, ...risks },
            'verdicts without a risk: it could not be looked up or kept (add vigil.feedback.risk to the feedback index mapping, see docs/privacy-and-feedback.md); looked up again every pass',
          );
        } else if (risks && risks.found > 0)
          log.info({ index: feedback.index, ...risks }, 'verdicts given the risk of the document they judged');
      } catch (error) {
        verdictsUnread = true;
        log.error(
          { index: feedback.index, err: error instanceof Error ? error.message : String(error) },
          'feedback index unreadable: this pass applies no verdicts (the alert threshold keeps the verdict risks it had)',
        );
      }
    }
    if (verdicts.length === 0 && lists.length === 0 && !callback && !verdictsUnread && !ruleHits) return undefined;
    return new AnalystPass({
      verdicts,
      lists,
      ...(ruleHits ? { ruleHits } : {}),
      now: now(),
      ...(callback ? { callback } : {}),
      ...(verdictsUnread ? { verdictsUnread } : {}),
    });
  };
}

/** Reads the rule matches of a pass into an index (undefined when rule_hits is off or the index is unreadable, which is logged). */
function ruleHitReader(
  engine: Engine,
  source: AnalystSource,
  log: Logger,
): ((range: PassRange) => Promise<RuleHitIndex | undefined>) | undefined {
  const cfg = source.ruleHits;
  if (!cfg) return undefined;
  const jobs = source.jobs ?? [];
  return async ({ from, to }) => {
    try {
      const read = await readRuleHits(engine, cfg, from, to);
      for (const m of read.malformed.slice(0, 20))
        log.warn(
          { index: cfg.index, document: m.id, reason: m.reason },
          'rule match ignored: not usable as a soft label (fix rule_hits fields or the document)',
        );
      if (read.malformed.length > 20) log.warn({ index: cfg.index, more: read.malformed.length - 20 }, 'more rule matches ignored');
      if (read.truncated)
        log.warn(
          { index: cfg.index, kept: read.hits.length },
          'more rule matches than rule_hits.max_hits_per_pass: the oldest were left out',
        );
      return RuleHitIndex.forJobs(read.hits, jobs, {
        weight: cfg.weight,
        maxRules: cfg.max_rules,
        keyFields: cfg.key_fields,
        ...(source.tokenise ? { tokenise: source.tokenise } : {}),
      });
    } catch (error) {
      log.error(
        { index: cfg.index, err: error instanceof Error ? error.message : String(error) },
        'rule match index unreadable: this pass applies no rule hits',
      );
      return undefined;
    }
  };
}
