/**
 * The suite's evaluation report (`vigil eval --suite … --ablate MODEL --fairness-by ATTR --report FILE`):
 * the ablation table (what one ensemble member adds or costs, per world) and the fairness table
 * (alert rates and detection per segment, over-flagged segments marked), as one self-contained
 * HTML page in the evaluation report's style.
 */
import { costText, FALSE_TOLERANCE, PR_AUC_GAIN, type AblationResult } from '../ablation.js';
import { MIN_FALSE, OVER_FLAG_RATIO, type FairnessTable } from '../fairness.js';
import { REPORT_STYLE } from './html.js';
import { esc } from './svg.js';

const arrow = (a: string, b: string): string => `${esc(a)} → ${esc(b)}`;
const secs = (x: number | null): string => (x === null ? '?' : `${x.toFixed(0)} s`);

export function ablationSection(r: AblationResult): string {
  const rows = r.worlds
    .map((w) => {
      const cls = w.verdict === 'gain' ? 'ok' : w.verdict === 'hurt' ? 'bad' : '';
      return `<tr><th>${esc(w.world)}</th><td>${w.attacks}</td><td>${arrow(String(w.without.caughtAt5), String(w.with.caughtAt5))}</td><td>${arrow(String(w.without.caughtAt10), String(w.with.caughtAt10))}</td>
<td>${arrow(w.without.falsePerDay.toFixed(1), w.with.falsePerDay.toFixed(1))}</td><td>${arrow(w.without.incidentsPerDay.toFixed(1), w.with.incidentsPerDay.toFixed(1))}</td>
<td>${arrow(w.without.prAuc.toFixed(3), w.with.prAuc.toFixed(3))}</td><td>${arrow(secs(w.without.scoringSeconds), secs(w.with.scoringSeconds))} (${esc(costText(w))})</td><td class="${cls}">${esc(w.verdict)}</td></tr>`;
    })
    .join('');
  return `<h2>Ablation: ${esc(r.model)}</h2>
<p>Each world scored twice on the same events — the ensemble without ${esc(r.model)}, then with it (${esc(r.model)} is ${r.onByDefault ? 'on' : 'off'} by default) — hourly windows sliding ${esc(r.slide)}, counted at the analyst's level.</p>
<table><thead><tr><th>world</th><th>scored attacks</th><th>caught at 5 incidents/day</th><th>caught at 10 incidents/day</th><th>false incidents/day (default)</th><th>incidents/day (default)</th><th>PR-AUC (windows)</th><th>scoring time (cost)</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>
<p class="note">Rule, fixed before the runs: a world is <b>hurt</b> when an attack is lost at 5 or 10 incidents/day or false incidents/day rise by more than ${FALSE_TOLERANCE};
a <b>gain</b> when, unhurt, an attack is won, false incidents/day fall by more than ${FALSE_TOLERANCE}, or PR-AUC rises by ${PR_AUC_GAIN} or more. The member ships enabled only when no world is hurt and at least half gain.
Scoring times at a 1-minute load average of ${r.loadAverage} on 2 shared cores.</p>
<p class="${r.decision.ship ? 'ok' : 'bad'}">Decision: ${esc(r.decision.reason)}.</p>`;
}

export function fairnessSection(t: FairnessTable): string {
  const n2 = (x: number | null): string => (x === null ? '—' : x.toFixed(2));
  const rows = t.rows
    .map(
      (r) =>
        `<tr class="${r.overFlagged ? 'missrow' : ''}"><th>${esc(r.segment)}</th><td>${r.entities}</td><td>${r.alerted}</td><td>${r.alertRate.toFixed(2)}</td><td>${n2(r.alertRatio)}</td><td>${r.falseAlerts}</td><td>${r.falseRate.toFixed(2)}</td><td>${n2(r.falseRatio)}</td><td>${r.caught}/${r.attacks}</td><td>${r.overFlagged ? '<b class="bad">over-flagged</b>' : ''}</td></tr>`,
    )
    .join('');
  return `<h2>Fairness by ${esc(t.by)}</h2>
<p>Vigil at its default setting over ${esc(t.datasets.join(', '))}. Rates are flagged incident–entity pairs per 100 entities a day; ratio = the segment's rate ÷ the rest's.</p>
<table><thead><tr><th>${esc(t.by)}</th><th>entities</th><th>alerted</th><th>alert rate</th><th>ratio</th><th>false</th><th>false rate</th><th>ratio</th><th>attacks caught</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<p class="${t.overFlagged.length ? 'bad' : 'note'}">${t.overFlagged.length ? `Over-flagged: ${esc(t.overFlagged.join(', '))}` : 'No segment over-flagged'} (false-flag rate more than ${OVER_FLAG_RATIO}× the rest's with at least ${MIN_FALSE} false flags).</p>`;
}

export function renderSuiteReport(
  x: { readonly ablation?: AblationResult; readonly fairness?: FairnessTable },
  title = 'Vigil evaluation: ablation and fairness',
): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
${REPORT_STYLE}</style></head><body>
<h1>${esc(title)}</h1>
${x.ablation ? ablationSection(x.ablation) : ''}
${x.fairness ? fairnessSection(x.fairness) : ''}
</body></html>
`;
}
