/** `vigil eval --suite … --feedback-experiment`: runs the feedback experiment (feedback-experiment.ts) world by world. */
import { UsageError } from '../usage-error.js';
import { formatFeedbackSummary, formatFeedbackWorld, runFeedbackExperiment } from './feedback-experiment.js';
import { suiteWorlds } from './suite-command.js';

export interface FeedbackCommandOptions {
  readonly which: string;
  readonly slide: string;
  readonly json: boolean;
  readonly budget?: string;
  readonly days?: string;
  /** false: the incident pass without its benign-recurrence baselines (ablation). */
  readonly recurrence?: boolean;
  readonly cacheDir?: string;
}

function wholeNumber(text: string | undefined, fallback: number, flag: string): number {
  const n = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number ≥ 1, got "${text ?? ''}"`);
  return n;
}

export async function runFeedbackCommand(o: FeedbackCommandOptions): Promise<void> {
  const results = await runFeedbackExperiment({
    worlds: suiteWorlds(o.which),
    slide: o.slide,
    alertsPerDay: wholeNumber(o.budget, 10, '--budget'),
    feedbackDays: wholeNumber(o.days, 2, '--feedback-days'),
    recurrence: o.recurrence ?? true,
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    onWorld: (r) => console.log(o.json ? JSON.stringify(r) : `${formatFeedbackWorld(r)}\n`),
  });
  if (!o.json) console.log(formatFeedbackSummary(results));
}
