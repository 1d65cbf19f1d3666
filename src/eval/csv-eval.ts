/** `vigil eval --csv`: a single model on a labelled numeric table (ODDS-style CSV). Filled in by the detection-core work. */
export interface CsvEvalOptions {
  readonly csv: string;
  readonly labelColumn: string;
  readonly model: string;
  readonly seeds: number;
}

export async function runCsvEval(_options: CsvEvalOptions): Promise<Record<string, number | string>> {
  throw new Error('vigil eval --csv is not implemented yet');
}
