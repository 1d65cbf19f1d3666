/**
 * `vigil eval --csv`: one model on a labelled numeric table (ODDS-style CSV), fitted and scored on
 * the same rows (as scikit-learn's benchmark does), repeated over seeds 0 … n−1; means and standard
 * deviations of ROC-AUC, average precision, fit time and scoring throughput.
 */
import { performance } from 'node:perf_hooks';
import { averagePrecision, rocAuc } from './metrics.js';
import { readLabelledCsv } from './csv.js';
import { IsolationForest, DEFAULT_IFOREST_PARAMS } from '../models/isolation-forest.js';
import { PopulationZScore } from '../models/population-zscore.js';
import type { Matrix } from '../models/matrix.js';

export interface CsvEvalOptions {
  readonly csv: string;
  readonly labelColumn: string;
  readonly model: string;
  readonly seeds: number;
}

/** Models `--model` accepts on a table (rows are one population: there are no entities). */
export const CSV_MODELS = ['iforest', 'zscore'] as const;
export type CsvModel = (typeof CSV_MODELS)[number];

interface Run {
  rocAuc: number;
  prAuc: number;
  fitMs: number;
  rowsPerS: number;
}

export async function runCsvEval(options: CsvEvalOptions): Promise<Record<string, number | string>> {
  if (!(CSV_MODELS as readonly string[]).includes(options.model)) {
    throw new Error(`--model ${options.model} cannot run on a table; use one of: ${CSV_MODELS.join(', ')}`);
  }
  const table = await readLabelledCsv(options.csv, options.labelColumn);
  const runs: Run[] = [];
  for (let seed = 0; seed < options.seeds; seed++) runs.push(runOnce(options.model as CsvModel, table.features, table.labels, seed));
  const outliers = table.labels.reduce((a, b) => a + b, 0);
  const result: Record<string, number | string> = {
    model: options.model,
    file: options.csv,
    rows: table.features.rows,
    features: table.features.cols,
    outliers,
    seeds: options.seeds,
    ...summarise(
      'roc_auc',
      runs.map((r) => r.rocAuc),
    ),
    ...summarise(
      'pr_auc',
      runs.map((r) => r.prAuc),
    ),
    ...summarise(
      'fit_ms',
      runs.map((r) => r.fitMs),
    ),
    ...summarise(
      'score_rows_per_s',
      runs.map((r) => r.rowsPerS),
    ),
  };
  if (options.model === 'iforest') {
    result.n_estimators = DEFAULT_IFOREST_PARAMS.nEstimators;
    result.max_samples = DEFAULT_IFOREST_PARAMS.maxSamples;
  }
  return result;
}

function runOnce(model: CsvModel, X: Matrix, labels: Uint8Array, seed: number): Run {
  let scores: Float64Array;
  let fitMs: number;
  let scoreMs: number;
  if (model === 'iforest') {
    const t0 = performance.now();
    const forest = new IsolationForest({ ...DEFAULT_IFOREST_PARAMS, seed }).fit(X);
    const t1 = performance.now();
    scores = forest.scoreMany(X);
    scoreMs = performance.now() - t1;
    fitMs = t1 - t0;
  } else {
    const t0 = performance.now();
    const z = new PopulationZScore().fit(X);
    const t1 = performance.now();
    scores = z.scoreMany(X);
    scoreMs = performance.now() - t1;
    fitMs = t1 - t0;
  }
  return { rocAuc: rocAuc(scores, labels), prAuc: averagePrecision(scores, labels), fitMs, rowsPerS: X.rows / (scoreMs / 1000) };
}

function summarise(name: string, xs: number[]): Record<string, number> {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { [name]: mean, [`${name}_sd`]: sd };
}
