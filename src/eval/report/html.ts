/**
 * The evaluation as one self-contained HTML page (inline CSS and SVG, no scripts, nothing
 * fetched): first the period's top incidents (entity, score, narrative, evidence, ATT&CK), then the metrics table with confidence intervals, precision–recall and ROC curves per model,
 * score distributions benign vs attack, a detection timeline per scenario, and the per-scenario
 * caught / missed table — missed attacks listed, never hidden.
 */
import type { EventsEvaluation } from '../events-evaluation.js';
import type { EvaluationResult, ModelMetrics } from '../evaluate.js';
import { modelName } from '../format.js';
import { MODEL_KEYS, type ModelKey } from '../scored-window.js';
import type { ReportIncident } from './incidents.js';
import { esc, lineChart, pairedHistogram, timeline, type Series } from './svg.js';

const COLORS: Record<ModelKey, string> = { ensemble: '#1b6ac9', rules: '#888', zscore: '#e08a00', iforest: '#2a9d5b' };

/** The report's stylesheet (the suite report, suite-report.ts, uses it too). */
export const REPORT_STYLE = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px}h4{margin:4px 0;font-size:13px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}thead th{background:#f4f6f8}
.ci{color:#777;font-size:11px}.ok{color:#176c2e;font-weight:600}.bad{color:#b00020;font-weight:700}.mid{color:#a06000;font-weight:600}
.missrow{background:#fff1f1}.warm{color:#888}.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #eee;padding:6px}.note{color:#555;font-size:12px}
code{background:#f4f4f4;padding:0 3px}
.incidents td{max-width:420px}.sev-critical{color:#BD271E;font-weight:700}.sev-high{color:#E7664C;font-weight:700}.sev-medium{color:#8a7a1c;font-weight:600}.sev-low{color:#2d7a5f}
`;

function f3(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : '—';
}

function pct(x: number, d = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(d)}%` : '—';
}

function ci(iv: [number, number], fmt: (x: number) => string): string {
  return Number.isFinite(iv[0]) ? `<span class="ci">[${fmt(iv[0])}–${fmt(iv[1])}]</span>` : '';
}

function metricsTable(r: EvaluationResult): string {
  const best = (pick: (m: ModelMetrics) => number, higher = true): ModelKey =>
    MODEL_KEYS.reduce((a, b) => ((higher ? pick(r.models[b]) > pick(r.models[a]) : pick(r.models[b]) < pick(r.models[a])) ? b : a));
  const bestPr = best((m) => m.pr_auc);
  const bestRoc = best((m) => m.roc_auc);
  const bestFpr = best((m) => m.fpr_at_95_recall, false);
  const k = r.models.ensemble.k;
  const budget = r.models.ensemble.budget_per_day;
  const rows = MODEL_KEYS.map((m) => {
    const x = r.models[m];
    const b = (flag: boolean, s: string) => (flag ? `<b>${s}</b>` : s);
    return `<tr><th>${esc(modelName(m))}</th>
      <td>${b(m === bestPr, f3(x.pr_auc))} ${ci(x.ci95.pr_auc, f3)}</td>
      <td>${b(m === bestRoc, f3(x.roc_auc))} ${ci(x.ci95.roc_auc, f3)}</td>
      <td>${b(m === bestFpr, pct(x.fpr_at_95_recall, 2))} ${ci(x.ci95.fpr_at_95_recall, (v) => pct(v, 1))}</td>
      <td>${pct(x.precision_at_k, 0)}</td>
      <td>${pct(x.recall_at_budget, 0)}</td>
      <td>${x.attacks_caught}/${x.attacks_scored} ${ci(x.ci95.attack_recall_at_budget, (v) => pct(v, 0))}</td>
      <td>${x.mttd_minutes === null ? '—' : `${Math.round(x.mttd_minutes)} min`}</td>
      <td>${f3(x.attack_level.pr_auc)} / ${f3(x.attack_level.roc_auc)} / ${pct(x.attack_level.fpr_at_95_recall, 2)}</td></tr>`;
  }).join('');
  return `<table><thead><tr><th>model</th><th>PR-AUC</th><th>ROC-AUC</th><th>FPR at 95% recall</th><th>precision@${k}</th><th>recall at ${budget} alerts/day</th><th>attacks caught (${budget}/day)</th><th>mean time to detect</th><th>attack level: PR-AUC / ROC-AUC / FPR@95%</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function budgetTable(r: EvaluationResult): string {
  const budgets = Object.keys(r.models.ensemble.attack_recall_by_budget);
  const rows = MODEL_KEYS.map(
    (m) =>
      `<tr><th>${esc(modelName(m))}</th>${budgets.map((b) => `<td>${pct(r.models[m].attack_recall_by_budget[b], 0)}</td>`).join('')}</tr>`,
  ).join('');
  return `<table><thead><tr><th>attacks caught with … alerts per day</th>${budgets.map((b) => `<th>${esc(b)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

function scenarioTable(r: EvaluationResult): string {
  const rows = Object.entries(r.scenarios)
    .map(([name, s]) => {
      const verdictClass = s.ensemble_verdict === 'caught' ? 'ok' : s.ensemble_verdict === 'missed' ? 'bad' : 'mid';
      const cells = MODEL_KEYS.map((m) => `<td>${s.caught[m]}/${s.scored}</td>`).join('');
      return `<tr><th>${esc(name)}</th><td>${esc(s.technique)}</td>${cells}<td class="${verdictClass}">${esc(s.ensemble_verdict)}</td><td>${s.mttd_minutes.ensemble === null ? '—' : `${Math.round(s.mttd_minutes.ensemble)} min`}</td></tr>`;
    })
    .join('');
  const instances = Object.entries(r.scenarios)
    .flatMap(([name, s]) =>
      s.instances.map(
        (x) =>
          `<tr class="${x.status === 'warmup' ? 'warm' : x.caught.ensemble ? '' : 'missrow'}"><td>${esc(name)}</td><td>${esc(x.start.slice(0, 16))}</td><td>${esc(x.entities.join(', '))}</td><td>${x.status === 'warmup' ? 'not scored (warm-up)' : x.caught.ensemble ? 'caught' : '<b>MISSED</b>'}</td>${MODEL_KEYS.map((m) => `<td>${x.caught[m] ? '✔' : '✘'}${x.best_daily_rank[m] ? ` <span class="ci">#${x.best_daily_rank[m]}</span>` : ''}</td>`).join('')}<td>${x.ttd_minutes.ensemble === null ? '—' : `${Math.round(x.ttd_minutes.ensemble)} min`}</td><td>${x.matching_windows}</td></tr>`,
      ),
    )
    .join('');
  return `<table><thead><tr><th>scenario</th><th>technique</th>${MODEL_KEYS.map((m) => `<th>${esc(m)}</th>`).join('')}<th>ensemble verdict</th><th>MTTD (ensemble)</th></tr></thead><tbody>${rows}</tbody></table>
  <h3>Every attack</h3>
  <p class="note">✔ = caught within the daily alert budget; #n = best rank of a matching window among its day's windows for that model.</p>
  <table><thead><tr><th>scenario</th><th>start (UTC)</th><th>labelled entities</th><th>ensemble</th>${MODEL_KEYS.map((m) => `<th>${esc(m)}</th>`).join('')}<th>time to detect</th><th>matching windows</th></tr></thead><tbody>${instances}</tbody></table>`;
}

function timelines(r: EvaluationResult): string {
  const byScenario = new Map<string, EvaluationResult['plots']['timelines']>();
  for (const t of r.plots.timelines) byScenario.set(t.scenario, [...(byScenario.get(t.scenario) ?? []), t]);
  return [...byScenario.entries()]
    .map(([scenario, list]) => {
      const rows = list.map((t) => ({
        label: `${new Date(t.start).toISOString().slice(5, 16).replace('T', ' ')} ${(t.entities[0] ?? '').replace(/^[a-z.]+=/, '').slice(0, 28)}`,
        start: t.start,
        end: t.end,
        points: t.points.map((p) => ({
          t: p.t,
          score: p.score,
          alerted: p.alerted,
          title: `${p.job} ${new Date(p.t).toISOString().slice(11, 16)} score ${p.score.toFixed(1)}${p.alerted ? ' (alerted)' : ''}`,
        })),
      }));
      return `<div class="chart"><h4>${esc(scenario)}</h4>${timeline(rows, `detection timeline: ${scenario}`)}</div>`;
    })
    .join('');
}

function incidentsSection(incidents: readonly ReportIncident[] | undefined): string {
  if (!incidents)
    return '<p class="note">Incidents are listed when the evaluation ran against a cluster (<code>vigil demo</code>, <code>vigil eval --cluster</code>): their narratives live in the anomaly index.</p>';
  if (incidents.length === 0) return '<p class="note">No alert in this period.</p>';
  const rows = incidents
    .map(
      (i, k) =>
        `<tr><td>${k + 1}</td><td><code>${esc(i.entity)}</code><div class="ci">${esc(i.job)}, ${esc(i.window)}</div></td><td class="sev-${esc(i.severity)}">${i.score.toFixed(0)}<div class="ci">${esc(i.severity)}</div></td>` +
        `<td>${esc(i.narrative)}</td><td>${i.evidence.map((x) => `<div>${esc(x)}</div>`).join('') || '<span class="ci">none stands out</span>'}</td><td>${i.attack.map((x) => `<div>${esc(x)}</div>`).join('') || '<span class="ci">—</span>'}</td></tr>`,
    )
    .join('');
  return `<table class="incidents"><thead><tr><th>#</th><th>entity</th><th>score</th><th>narrative</th><th>evidence (actual vs typical)</th><th>ATT&amp;CK</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** `incidents`: the period's top alerts (src/report/incidents.ts), shown first; omitted when the run had no anomaly index. */
export function renderReport(e: EventsEvaluation, title = 'Vigil evaluation', incidents?: readonly ReportIncident[]): string {
  const r = e.result;
  const d = r.dataset;
  const pr: Series[] = MODEL_KEYS.map((m) => ({ name: modelName(m), color: COLORS[m], points: r.plots.pr[m], dashed: m === 'rules' }));
  const roc: Series[] = MODEL_KEYS.map((m) => ({ name: modelName(m), color: COLORS[m], points: r.plots.roc[m], dashed: m === 'rules' }));
  const hist = MODEL_KEYS.map((m) => {
    const h = r.plots.histograms[m];
    return `<div class="chart"><h4>${esc(modelName(m))}</h4>${pairedHistogram(h.edges, h.benign, h.attack, m === 'ensemble' ? 'fused score' : m === 'rules' ? 'strongest rule / its threshold' : 'standardised score', `score distribution: ${m}`)}</div>`;
  }).join('');
  const jobs = e.jobs
    .map(
      (j) =>
        `<li><code>${esc(j.id)}</code>${j.preset ? ` (preset ${esc(j.preset)})` : ''}: entity ${esc(j.entity)}, ${j.features} features, window ${esc(j.window)}, slide ${esc(j.slide)}</li>`,
    )
    .join('');
  const rules = Object.entries(e.rules)
    .flatMap(([job, list]) =>
      list.map(
        (x) => `<li><code>${esc(job)}</code> ${esc(x.type)}: ${esc(x.description)} (threshold ${x.threshold.toLocaleString('en-US')})</li>`,
      ),
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
${REPORT_STYLE}</style></head><body>
<h1>${esc(title)}</h1>
<p>${d.windows.toLocaleString('en-US')} entity-windows scored over ${d.scored_days} days (${esc(d.scored_from.slice(0, 16))} → ${esc(d.scored_to.slice(0, 16))} UTC), ${d.positive_windows} of them matching a label;
${d.attacks} attacks (${d.labels} labels)${d.attacks_in_warmup ? `, ${d.attacks_in_warmup} inside the warm-up and therefore not scorable` : ''}. ${e.events.toLocaleString('en-US')} events, mode: ${esc(e.mode)}${e.anomalyIndex ? `, anomalies in <code>${esc(e.anomalyIndex)}</code>` : ''}.</p>
<p class="note">Time-ordered: the first ${(e.warmupMs / 3_600_000).toFixed(0)} h only train the models; every later window is scored, then learned. 95% confidence intervals: block bootstrap over days.
An entity-window is positive when its entity value, or one of its related.* values, equals a label's value and the window overlaps the label's interval.
Attack level: an attack (the labels sharing scenario and interval) is caught when any window matching it is alerted.</p>

<h2>Top incidents of the period</h2>
${incidentsSection(incidents)}

<h2>Metrics</h2>
${metricsTable(r)}
${budgetTable(r)}
<p class="note">Ensemble's own drift-aware threshold: ${r.ensemble_alerts.per_day} alerts/day, precision ${pct(r.ensemble_alerts.precision, 0)}, attacks caught ${pct(r.ensemble_alerts.attack_recall, 0)}.
Processing ${r.latency.processing_ms_p50} ms per window (p95 ${r.latency.processing_ms_p95} ms) after a ${r.latency.delay_s} s ingest delay.</p>

<h2>Precision–recall and ROC curves</h2>
<div class="charts"><div class="chart">${lineChart(pr, 'recall', 'precision', { title: 'precision–recall' })}</div><div class="chart">${lineChart(roc, 'false-positive rate', 'true-positive rate', { diagonal: true, title: 'ROC' })}</div></div>

<h2>Score distributions (benign vs attack windows)</h2>
<div class="charts">${hist}</div>

<h2>Per scenario: caught and missed</h2>
${scenarioTable(r)}

<h2>Detection timeline per scenario</h2>
<p class="note">One row per attack; x = hours from the attack's start (shaded: the labelled interval), y = ensemble score 0–100 of each matching entity-window (any job); filled = alerted within the budget.</p>
<div class="charts">${timelines(r)}</div>

<h2>Method</h2>
<h3>Jobs</h3><ul>${jobs}</ul>
<h3>Static rules (the ElastAlert-style baseline)</h3><ul>${rules}</ul>
<p class="note">Rule score for ranking = the strongest rule's value divided by its threshold (≥ 1 = fires). Robust z-score and isolation forest are the ensemble's own members scored alone (their standardised scores).</p>
</body></html>
`;
}
