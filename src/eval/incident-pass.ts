/**
 * The incident pass (src/incidents) applied to the evaluation's windows exactly as the pipeline
 * applies it: the windows of every job that end at the same instant form one slice, given to one
 * IncidentTracker in time order. Each window comes back with
 *
 *   scores.ensemble        the entity's accumulated risk (what Vigil ranks and cuts on)
 *   components.ensemble_own the ensemble's own fused score (before recurrence and propagation)
 *   score100 / isAlert     vigil.score and the online decision at the default budget
 *   incident / incidentAlerted  the incident id, and whether that incident had alerted by then
 *
 * and every alert the pass sent (new incidents, one per incident) is listed with its time.
 *
 * With `ruleHits`, each window's rule matches (scores.rules: the distinct pack rules that matched
 * its entity inside it, counted per query_key and job as src/eval/rules.ts does) are soft labels,
 * added to the fused score exactly as the pipeline adds the matches it reads from the rule
 * engine's index (src/feedback/rule-hits.ts, `rule_hits:` with key_fields = each rule's query_key).
 */
import { ruleShift, type RuleHitWeights } from '../feedback/rule-hits.js';
import { IncidentTracker, type IncidentOptionsInput } from '../incidents/index.js';
import type { ScoredWindow } from './scored-window.js';

export type { RuleHitWeights };

export interface IncidentPassOptions extends IncidentOptionsInput {
  readonly ruleHits?: RuleHitWeights;
}

export interface IncidentAlert {
  readonly id: string;
  /** Slice end at which it alerted. */
  readonly at: number;
  readonly firstStart: number;
  readonly root: string;
  /**
   * The incident it ended up in: its own id, or the id of the older incident it was merged into
   * later (windows after the merge carry that id).
   */
  readonly incident: string;
}

export interface IncidentPassResult {
  readonly windows: ScoredWindow[];
  readonly alerts: IncidentAlert[];
  /** Open incidents at the end (bounded-memory check). */
  readonly openIncidents: number;
}

export function incidentPass(windows: readonly ScoredWindow[], passOptions: IncidentPassOptions = {}): IncidentPassResult {
  const { ruleHits, ...options } = passOptions;
  const byEnd = new Map<number, number[]>();
  windows.forEach((w, i) => {
    const list = byEnd.get(w.end);
    if (list) list.push(i);
    else byEnd.set(w.end, [i]);
  });
  const tracker = new IncidentTracker(options);
  const out: ScoredWindow[] = [...windows];
  const alerts: Omit<IncidentAlert, 'incident'>[] = [];
  const mergedInto = new Map<string, string>();
  for (const end of [...byEnd.keys()].sort((a, b) => a - b)) {
    const group = byEnd.get(end) ?? [];
    const decision = tracker.step({
      start: Math.min(...group.map((i) => windows[i].start)),
      end,
      windows: group.map((i) => {
        const w = windows[i];
        return {
          id: String(i),
          job: w.job,
          entityField: w.entityField,
          entityValue: w.entity,
          start: w.start,
          end: w.end,
          related: w.related,
          fused: (w.components.ensemble_own ?? w.scores.ensemble) + (ruleHits ? ruleShift(w.scores.rules, ruleHits) : 0),
        };
      }),
    });
    const alerted = new Map(decision.incidents.map((inc) => [inc.id, inc.alerted]));
    for (const inc of decision.incidents) {
      if (inc.status === 'new') alerts.push({ id: inc.id, at: end, firstStart: inc.firstStart, root: inc.root });
      for (const from of inc.mergedFrom ?? []) mergedInto.set(from, inc.id);
    }
    decision.windows.forEach((d, k) => {
      const i = group[k];
      const w = windows[i];
      out[i] = {
        ...w,
        scores: { ...w.scores, ensemble: d.risk },
        components: { ...w.components, ensemble_own: d.own },
        score100: d.score,
        isAlert: d.isAlert,
        ...(d.incidentId ? { incident: d.incidentId, incidentAlerted: alerted.get(d.incidentId) ?? false } : {}),
      };
    });
  }
  const canonical = (id: string): string => {
    let at = id;
    for (let hops = 0; mergedInto.has(at) && hops < 1_000; hops++) at = mergedInto.get(at) ?? at;
    return at;
  };
  return { windows: out, alerts: alerts.map((a) => ({ ...a, incident: canonical(a.id) })), openIncidents: tracker.openIncidents };
}
