/**
 * Build-time checks on the dashboard specs themselves: every field resolves in the mapping with a
 * compatible type, panels fit the 48-column grid without overlapping, keys are unique, ordering
 * is expressible on every platform. The build refuses to write a bundle while any problem remains.
 */
import type { Catalogues } from './catalogues.js';
import { fieldProblem } from './compat.js';
import { GRID_COLUMNS, fieldUses, type DashboardSpec, type Grid, type Panel } from './model.js';

export function specProblems(spec: DashboardSpec, catalogues: Catalogues): string[] {
  const problems: string[] = [];
  const at = (panel: Panel, msg: string) => problems.push(`${spec.id} panel "${panel.key}": ${msg}`);
  const keys = new Set<string>();
  for (const panel of spec.panels) {
    if (keys.has(panel.key)) at(panel, 'duplicate panel key');
    keys.add(panel.key);
    if (!/^[a-z0-9-]+$/.test(panel.key)) at(panel, 'panel keys are lower-case letters, digits and dashes');
    for (const use of fieldUses(panel)) {
      const problem = fieldProblem(use, catalogues[panel.source]);
      if (problem) at(panel, problem);
    }
    if (panel.viz.type !== 'markdown' && panel.where.length === 0) at(panel, 'data panels need at least one `where` condition (Fleet lint requires a query on every panel)');
    problems.push(...orderingProblems(panel).map((m) => `${spec.id} panel "${panel.key}": ${m}`));
  }
  for (const control of spec.controls) {
    const problem = fieldProblem({ field: control.field, as: 'control' }, catalogues[control.source]);
    if (problem) problems.push(`${spec.id} control "${control.key}": ${problem}`);
  }
  problems.push(...gridProblems(spec.panels.map((p) => ({ name: `${spec.id} panel "${p.key}"`, grid: p.grid }))));
  return problems;
}

function orderingProblems(panel: Panel): string[] {
  const v = panel.viz;
  if (v.type !== 'xy' && v.type !== 'table') return [];
  const buckets = v.type === 'xy' ? [v.x, ...(v.split ? [v.split] : [])] : v.rows;
  const problems: string[] = [];
  if (v.metrics.length === 0) problems.push('needs at least one metric');
  for (const b of buckets) {
    if (b.kind !== 'terms') continue;
    const i = b.orderBy ?? 0;
    const m = v.metrics[i];
    if (!m) problems.push(`terms on ${b.field} orders by metric ${i}, which does not exist`);
    else if (m.op === 'last_value') problems.push(`terms on ${b.field} cannot be ordered by a last_value metric`);
    if (b.size < 1 || b.size > 100) problems.push(`terms on ${b.field}: size ${b.size} is outside 1–100`);
  }
  if (v.type === 'xy' && v.split && v.metrics.length > 1) problems.push('a split series takes exactly one metric');
  if (v.type === 'xy' && v.metrics.some((m) => m.op === 'last_value')) problems.push('charts cannot plot last_value metrics');
  return problems;
}

/** Bounds and overlap on the 48-column grid (also used on rendered bundles). */
export function gridProblems(items: readonly { readonly name: string; readonly grid: Grid }[]): string[] {
  const problems: string[] = [];
  for (const { name, grid: g } of items) {
    if (![g.x, g.y, g.w, g.h].every(Number.isInteger)) problems.push(`${name}: grid values must be integers`);
    if (g.x < 0 || g.y < 0 || g.w < 1 || g.h < 1) problems.push(`${name}: grid ${JSON.stringify(g)} has a negative position or empty size`);
    if (g.x + g.w > GRID_COLUMNS) problems.push(`${name}: x ${g.x} + w ${g.w} exceeds the ${GRID_COLUMNS}-column grid`);
  }
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i].grid;
      const b = items[j].grid;
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) problems.push(`${items[i].name} overlaps ${items[j].name}`);
    }
  }
  return problems;
}
