/**
 * The jobs an evaluation runs: the five presets by default, each on hourly tumbling windows
 * (window = slide = 1 h). One hour is short enough that a brute force, a spray or a burst of
 * lateral movement is not diluted by a whole day of normal activity, and long enough to hold
 * several beacon periods and a full exfiltration chunk; the SOC's prebuilt jobs use 15 min–1 h
 * buckets for the same reason. `--config FILE` replaces them with the file's jobs.
 */
import type { JobConfig } from '../config/job.js';
import { jobSchema } from '../config/job.js';
import { loadConfig } from '../config/load.js';
import { PRESETS, type PresetName } from '../features/presets.js';

export const EVAL_WINDOW = '1h';

/** Per-model switches over the defaults (the ablation turns one member on or off). */
export type ModelSwitches = Partial<Record<keyof JobConfig['models'], { enabled: boolean; weight?: number }>>;

/**
 * `slide` (default: the window, tumbling) lets the suite slide the hourly windows by 15 minutes, as the presets do;
 * `models` switches ensemble members on or off over the defaults (the ablation, ablation.ts).
 */
export function defaultEvalJobs(index: string, warmupMs: number, slide: string = EVAL_WINDOW, models?: ModelSwitches): JobConfig[] {
  return (Object.keys(PRESETS) as PresetName[]).map((preset) =>
    jobSchema.parse({
      id: preset.replace(/_/g, '-'),
      preset,
      index,
      window: EVAL_WINDOW,
      slide,
      warmup: `${Math.max(1, Math.round(warmupMs / 60_000))}m`,
      ...(models ? { models } : {}),
    }),
  );
}

/** Jobs from a configuration file, with their index replaced when the events come from elsewhere. */
export async function configEvalJobs(path: string, index?: string): Promise<JobConfig[]> {
  const config = await loadConfig(path);
  return config.jobs.map((j) => (index ? { ...j, index } : j));
}

/**
 * Default warm-up, the same rule `vigil simulate` uses to keep attacks out of it: a quarter of the
 * data in whole days, at most three days; for less than four days of data, a quarter of the span
 * in whole hours (at least one).
 */
export function defaultWarmupMs(spanMs: number): number {
  const hours = Math.round(spanMs / 3_600_000);
  const days = Math.round(hours / 24);
  if (days >= 4) return Math.min(3, Math.floor(days / 4)) * 86_400_000;
  return Math.max(1, Math.floor(hours / 4)) * 3_600_000;
}
