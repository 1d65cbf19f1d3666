/** The readable tables printed by `vigil eval --events`, `vigil eval --suite` and `vigil demo`. */
import { ANALYST_BUDGETS, type AnalystFigures } from './analyst.js';
import type { EvaluationResult } from './evaluate.js';
import { MODEL_KEYS, type ModelKey } from './scored-window.js';

const NAMES: Record<ModelKey, string> = {
  ensemble: 'ensemble (Vigil)',
  rules: 'static rules',
  zscore: 'robust z-score',
  iforest: 'isolation forest',
};

export function modelName(m: ModelKey): string {
  return NAMES[m];
}

function f3(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : '—';
}

function pct(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '—';
}

function ci(iv: [number, number], fmt: (x: number) => string): string {
  return Number.isFinite(iv[0]) ? `[${fmt(iv[0])}–${fmt(iv[1])}]` : '';
}

function table(header: string[], rows: string[][], rightAlign: (i: number) => boolean): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAlign(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

function formatEvaluation(r: EvaluationResult): string {
  const d = r.dataset;
  const out: string[] = [];
  out.push(
    `${d.windows.toLocaleString('en-US')} entity-windows scored over ${d.scored_days} days (${d.scored_from.slice(0, 16)} → ${d.scored_to.slice(0, 16)}), ${d.positive_windows} match a label; ${d.attacks} attacks (${d.labels} labels)${d.attacks_in_warmup ? `, ${d.attacks_in_warmup} inside the warm-up (not scorable)` : ''}`,
  );
  out.push('');
  const m0 = r.models.ensemble;
  const header = [
    'model',
    'PR-AUC',
    '95% CI',
    'ROC-AUC',
    '95% CI',
    'FPR@95%rec',
    `P@${m0.k}`,
    `recall@${m0.budget_per_day}/day`,
    'attacks caught',
    'MTTD',
  ];
  const rows = MODEL_KEYS.map((m) => {
    const x = r.models[m];
    return [
      NAMES[m],
      f3(x.pr_auc),
      ci(x.ci95.pr_auc, f3),
      f3(x.roc_auc),
      ci(x.ci95.roc_auc, f3),
      pct(x.fpr_at_95_recall, 2),
      pct(x.precision_at_k, 0),
      pct(x.recall_at_budget, 0),
      `${x.attacks_caught}/${x.attacks_scored}`,
      x.mttd_minutes === null ? '—' : `${Math.round(x.mttd_minutes)} min`,
    ];
  });
  out.push(...table(header, rows, (i) => i > 0));
  out.push('');
  out.push(
    `attacks caught at other budgets (alerts/day): ${MODEL_KEYS.map(
      (m) =>
        `${m} ${Object.entries(r.models[m].attack_recall_by_budget)
          .map(([b, v]) => `${b}:${pct(v, 0)}`)
          .join(' ')}`,
    ).join(' · ')}`,
  );
  out.push(
    `attack level (recall counted in attacks): ${MODEL_KEYS.map((m) => `${m} PR-AUC ${f3(r.models[m].attack_level.pr_auc)} ROC-AUC ${f3(r.models[m].attack_level.roc_auc)}`).join(' · ')}`,
  );
  out.push(
    `latency: ${r.latency.processing_ms_p50} ms per window (p95 ${r.latency.processing_ms_p95} ms) + ${r.latency.delay_s} s ingest delay; ensemble's own threshold: ${r.ensemble_alerts.per_day} alerts/day, precision ${pct(r.ensemble_alerts.precision, 0)}, attacks caught ${pct(r.ensemble_alerts.attack_recall, 0)}`,
  );
  out.push('');
  out.push(`per scenario (caught within ${m0.budget_per_day} alerts/day):`);
  const sHeader = ['scenario', 'technique', 'attacks', ...MODEL_KEYS.map((m) => m), 'ensemble', 'MTTD (ensemble)'];
  const sRows = Object.entries(r.scenarios).map(([name, s]) => [
    name,
    s.technique,
    String(s.scored),
    ...MODEL_KEYS.map((m) => `${s.caught[m]}/${s.scored}`),
    s.ensemble_verdict.toUpperCase(),
    s.mttd_minutes.ensemble === null ? '—' : `${Math.round(s.mttd_minutes.ensemble)} min`,
  ]);
  out.push(...table(sHeader, sRows, (i) => i >= 2 && i < 3 + MODEL_KEYS.length));
  const missed = Object.entries(r.scenarios).flatMap(([name, s]) =>
    s.instances
      .filter((x) => x.status === 'scored' && !x.caught.ensemble)
      .map(
        (x) =>
          `  MISSED ${name} ${x.start.slice(0, 16)} ${x.entities.join(' ')} (best daily rank ${x.best_daily_rank.ensemble ?? 'none: no matching window'})`,
      ),
  );
  const warm = Object.entries(r.scenarios).flatMap(([name, s]) =>
    s.instances
      .filter((x) => x.status === 'warmup')
      .map((x) => `  NOT SCORED (inside warm-up) ${name} ${x.start.slice(0, 16)} ${x.entities.join(' ')}`),
  );
  if (missed.length || warm.length) {
    out.push('');
    out.push(...missed, ...warm);
  }
  return out.join('\n');
}

/** Short model names of the analyst-level table. */
const SHORT: Record<ModelKey, string> = { ensemble: 'Vigil', rules: 'rules', zscore: 'z-score', iforest: 'iforest' };

export function shortModelName(m: ModelKey): string {
  return SHORT[m];
}

function caughtOf(caught: number, of: number): string {
  return of ? `${caught}/${of} ${Math.round((100 * caught) / of)}%`.padStart(11) : '—'.padStart(11);
}
/** One decimal, or — when there is no figure. */
export const num1 = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x.toFixed(1));

/**
 * What reaches the analyst, a row per model: attacks caught reading the N best incidents a day,
 * median time to detect at 10 a day, window-level PR-AUC, then Vigil's own default decisions
 * (incidents and false incidents a day, false ones on the first scored day, attacks caught, median
 * time to detect). The suite prints it per world; `vigil eval --events` and the demo as their headline.
 */
export function formatAnalystTable(f: AnalystFigures): string[] {
  const lines = [
    `  model    ${ANALYST_BUDGETS.map((b) => `caught@${b}/day`.padStart(11)).join(' ')}  TTD@10  PR-AUC | default: inc/day false/day 1st-day-false caught  TTD`,
  ];
  for (const m of MODEL_KEYS) {
    const x = f.models[m];
    const d = x.atDefault;
    lines.push(
      `  ${SHORT[m].padEnd(8)} ${ANALYST_BUDGETS.map((b) => caughtOf(x.caughtAt[String(b)] ?? 0, f.attacksScored)).join(' ')}  ${num1(x.ttdMedianAt10).padStart(6)}  ${x.prAuc.toFixed(3).padStart(6)} |` +
        (d
          ? ` ${num1(d.incidentsPerDay).padStart(16)} ${num1(d.falsePerDay).padStart(9)} ${String(d.firstDayFalse).padStart(13)} ${String(d.caught).padStart(6)} ${num1(d.ttdMedianMinutes).padStart(5)}`
          : '          —'),
    );
  }
  if (f.missedAt10.length) lines.push(`  Vigil missed at 10/day: ${f.missedAt10.join(', ')}`);
  return lines;
}

/**
 * The headline of `vigil eval --events` and `vigil demo`: the analyst-level table (incidents),
 * then the window-level one, labelled so nobody reads window ranks as alerts.
 */
export function formatEventsEvaluation(analyst: AnalystFigures, result: EvaluationResult): string {
  const budget = result.models.ensemble.budget_per_day;
  return [
    `What reaches the analyst: incidents (Vigil's default budget ${budget} a day; a baseline's incidents are one per entity and day):`,
    ...formatAnalystTable(analyst),
    '',
    'Window level (every entity-window ranked; for comparison with older figures):',
    formatEvaluation(result),
  ].join('\n');
}
