/** One benchmark result line; `ratio` > 1 means Vigil is better than the baseline. */
export interface BenchLine {
  bench: string;
  value: number;
  unit: string;
  baseline?: string;
  baseline_value?: number;
  ratio?: number;
  /** The target this figure is held to, e.g. "≥ 100×". */
  target?: string;
}
