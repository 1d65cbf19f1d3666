/**
 * The relational detector applied to the evaluation's windows, exactly as the pipeline's
 * correlator applies it to the anomaly index: per time window, every job's entity-windows are
 * linked by entity value and related.*, and each window's ensemble score becomes its propagated
 * score (src/models/relational.ts). The pre-relational score stays in components.ensemble_own.
 */
import { propagateRelational } from '../models/relational.js';
import type { ScoredWindow } from './scored-window.js';

export function withRelational(windows: readonly ScoredWindow[]): ScoredWindow[] {
  const byStart = new Map<number, number[]>();
  windows.forEach((w, i) => {
    const group = byStart.get(w.start);
    if (group) group.push(i);
    else byStart.set(w.start, [i]);
  });
  const out = [...windows];
  for (const group of byStart.values()) {
    const scored = propagateRelational(
      group.map((i) => {
        const w = windows[i];
        return { key: `${w.job}|${w.entity}`, entityField: w.entityField, entityValue: w.entity, related: w.related, fused: w.scores.ensemble };
      }),
    );
    group.forEach((i, k) => {
      out[i] = { ...windows[i], scores: { ...windows[i].scores, ensemble: scored[k].fused }, incident: `${windows[i].start}|${scored[k].root}` };
    });
  }
  return out;
}
