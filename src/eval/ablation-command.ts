/**
 * `vigil eval --suite WORLDS --ablate MODEL` (ablation.ts) and `--fairness-by ATTRIBUTE`
 * (fairness.ts): the ablation table, the fairness table of the shipped defaults, and with
 * `--report FILE` both as an HTML page (report/suite-report.ts).
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { MODEL_NAMES, OFF_BY_DEFAULT, type ModelName } from '../models/detectors.js';
import { UsageError } from '../usage-error.js';
import { formatAblation, runAblation, type AblationResult } from './ablation.js';
import { FairnessCollector, formatFairness, type FairnessTable } from './fairness.js';
import { fairnessInputOf } from './fairness-suite.js';
import { renderSuiteReport } from './report/suite-report.js';
import { suiteWorlds } from './suite-command.js';
import { runSuite } from './suite.js';

export interface AblationCommandOptions {
  readonly which: string;
  /** Model to ablate (omit for the fairness table alone). */
  readonly model?: string;
  readonly slide: string;
  readonly json: boolean;
  readonly budget?: string;
  readonly cacheDir?: string;
  /** Attribute of the suite's directory to segment by (department, role, site, country). */
  readonly fairnessBy?: string;
  readonly report?: string;
}

export function parseModel(name: string): ModelName {
  const m = MODEL_NAMES.find((x) => x === name);
  if (!m) throw new UsageError(`--ablate: unknown model "${name}"; known: ${MODEL_NAMES.join(', ')}`);
  return m;
}

export interface SuiteExtras {
  readonly ablation?: AblationResult;
  readonly fairness?: FairnessTable;
}

export async function runAblationCommand(o: AblationCommandOptions): Promise<SuiteExtras> {
  const model = o.model === undefined ? undefined : parseModel(o.model);
  const worlds = suiteWorlds(o.which);
  const budget = o.budget === undefined ? 10 : Number(o.budget);
  if (!Number.isInteger(budget) || budget < 1) throw new UsageError(`--budget must be a whole number ≥ 1, got "${o.budget}"`);
  const fairness = o.fairnessBy ? new FairnessCollector(o.fairnessBy) : undefined;
  const common = { slide: o.slide, alertsPerDay: budget, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) };
  let ablation: AblationResult | undefined;
  if (model) {
    // The fairness table describes what ships: each world's run with the shipped defaults.
    const shipped = OFF_BY_DEFAULT.has(model) ? 'without' : 'with';
    ablation = await runAblation({
      model,
      worlds,
      ...common,
      loadAverage: () => loadavg()[0],
      ...(fairness ? { inspect: (pass, variant) => (variant === shipped ? fairness.add(fairnessInputOf(pass)) : undefined) } : {}),
      onWorld: (w) => console.log(o.json ? JSON.stringify({ ablation_world: w }) : `${w.world}: ${model} ${w.verdict}`),
    });
  } else if (fairness) {
    await runSuite({
      worlds,
      ...common,
      inspect: (pass) => fairness.add(fairnessInputOf(pass)),
      onWorld: (r) => !o.json && console.log(`${r.world.name}: scored`),
    });
  }
  const table = fairness?.table();
  const extras: SuiteExtras = { ...(ablation ? { ablation } : {}), ...(table ? { fairness: table } : {}) };
  if (o.json) console.log(JSON.stringify(extras));
  else {
    if (ablation) console.log(`\n${formatAblation(ablation)}`);
    if (table) console.log(`\n${formatFairness(table)}`);
  }
  if (o.report) await writeFile(o.report, renderSuiteReport(extras));
  return extras;
}
