import type { Command } from 'commander';
import { runCsvEval } from '../../eval/csv-eval.js';
import { numericEventsFlags, runEventsEval } from '../../eval/events-eval.js';
import { UsageError } from '../errors.js';

interface EvalFlags {
  csv?: string;
  labelColumn: string;
  model: string;
  seeds: string;
  events?: string;
  labels?: string;
  config?: string;
  cluster?: string;
  report?: string;
  json?: boolean;
  budget?: string;
  warmupDays?: string;
  resamples?: string;
  suite?: string | boolean;
  slide?: string;
  suiteCache?: string;
  ruleHits?: string | boolean;
  feedbackExperiment?: boolean;
  feedbackDays?: string;
  recurrence?: boolean;
  ablate?: string;
  fairnessBy?: string;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description(
      'measure detection quality: one model on a labelled CSV table (--csv), or the ensemble and its baselines on labelled events (--events --labels)',
    )
    .option('--csv <file>', 'labelled numeric table (.csv or .csv.gz), one row per sample')
    .option('--label-column <name>', 'column holding 1 for an outlier, 0 otherwise', 'label')
    .option('--model <name>', 'model to evaluate on --csv', 'iforest')
    .option('--seeds <n>', 'number of seeds to average over', '5')
    .option('--events <file>', 'events as NDJSON (ECS)')
    .option('--labels <file>', 'labels as NDJSON (scenario, technique, entity, start, end)')
    .option('--config <file>', 'job configuration (defaults to the built-in presets)')
    .option('--cluster <url>', 'score through a cluster instead of in memory')
    .option('--report <file.html>', 'also write an HTML report')
    .option('--json', 'print one JSON object instead of a table')
    .option('--budget <n>', 'with --events: alerts per day a SOC can triage (recall at budget, caught / missed)', '10')
    .option('--warmup-days <d>', 'with --events: days that only train the models (default: a quarter of the data, at most 3)')
    .option('--resamples <n>', 'with --events: bootstrap resamples for the 95% intervals', '200')
    .option(
      '--suite [which]',
      'analyst-level figures over several simulated worlds: all (default), smoke, or world names (w1-small,w3-month)',
    )
    .option('--slide <duration>', 'with --suite: slide of the hourly windows', '15m')
    .option('--suite-cache <dir>', 'with --suite: keep scored windows per world in DIR and reuse them (delete after changing models)')
    .option(
      '--rule-hits [weight]',
      "with --suite: the rule pack's matches as soft labels on Vigil's windows, as rule_hits: does in the pipeline (weight, default 1)",
    )
    .option(
      '--feedback-experiment',
      'with --suite: mark the three noisiest false-positive patterns benign_expected after --feedback-days and compare (issue 14)',
    )
    .option('--feedback-days <n>', 'with --feedback-experiment: scored days the analyst reviews before the verdicts', '2')
    .option('--no-recurrence', 'with --feedback-experiment: ablation, the incident pass without its benign-recurrence baselines')
    .option(
      '--ablate <model>',
      "with --suite: score every world without and with MODEL (e.g. autoencoder) and compare at the analyst's level",
    )
    .option(
      '--fairness-by <attribute>',
      'with --suite: alert rates and detection per segment of a directory attribute (department, role, site, country)',
    )
    .action(async (flags: EvalFlags) => {
      if (flags.suite !== undefined && flags.feedbackExperiment) {
        const { runFeedbackCommand } = await import('../../eval/feedback-command.js');
        await runFeedbackCommand({
          which: typeof flags.suite === 'string' ? flags.suite : 'all',
          slide: flags.slide ?? '15m',
          json: Boolean(flags.json),
          budget: flags.budget,
          days: flags.feedbackDays,
          recurrence: flags.recurrence !== false,
          ...(flags.suiteCache ? { cacheDir: flags.suiteCache } : {}),
        });
        return;
      }
      if (flags.suite !== undefined && (flags.ablate !== undefined || flags.fairnessBy !== undefined)) {
        const { runAblationCommand } = await import('../../eval/ablation-command.js');
        await runAblationCommand({
          which: typeof flags.suite === 'string' ? flags.suite : 'all',
          slide: flags.slide ?? '15m',
          json: Boolean(flags.json),
          budget: flags.budget,
          ...(flags.ablate ? { model: flags.ablate } : {}),
          ...(flags.fairnessBy ? { fairnessBy: flags.fairnessBy } : {}),
          ...(flags.suiteCache ? { cacheDir: flags.suiteCache } : {}),
          ...(flags.report ? { report: flags.report } : {}),
        });
        return;
      }
      if (flags.suite !== undefined) {
        const { runSuiteCommand } = await import('../../eval/suite-command.js');
        await runSuiteCommand({
          which: typeof flags.suite === 'string' ? flags.suite : 'all',
          slide: flags.slide ?? '15m',
          json: Boolean(flags.json),
          budget: flags.budget,
          ...(flags.suiteCache ? { cacheDir: flags.suiteCache } : {}),
          ...(flags.ruleHits !== undefined ? { ruleHits: flags.ruleHits } : {}),
        });
        return;
      }
      if (flags.csv) {
        const seeds = Number(flags.seeds);
        if (!Number.isInteger(seeds) || seeds < 1) throw new UsageError(`--seeds must be a whole number ≥ 1, got "${flags.seeds}"`);
        const result = await runCsvEval({ csv: flags.csv, labelColumn: flags.labelColumn, model: flags.model, seeds });
        console.log(flags.json ? JSON.stringify(result) : formatTable(result));
        return;
      }
      if (flags.events && flags.labels) {
        await runEventsEval({
          events: flags.events,
          labels: flags.labels,
          config: flags.config,
          cluster: flags.cluster,
          report: flags.report,
          json: Boolean(flags.json),
          ...numericEventsFlags(flags),
        });
        return;
      }
      throw new UsageError('give either --csv FILE, or --events FILE and --labels FILE');
    });
}

function formatTable(result: Record<string, number | string>): string {
  const width = Math.max(...Object.keys(result).map((k) => k.length));
  return Object.entries(result)
    .map(([k, v]) => `${k.padEnd(width)}  ${typeof v === 'number' ? Number(v.toPrecision(6)) : v}`)
    .join('\n');
}
