/**
 * Reads a labelled numeric table (ODDS style: a header row, numeric feature columns, a 0/1 label
 * column) from .csv or .csv.gz into a row-major matrix. Empty cells are missing values (NaN); any
 * other non-numeric cell is an error naming its line and column.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { Matrix } from '../models/matrix.js';

export interface LabelledTable {
  readonly features: Matrix;
  readonly featureNames: string[];
  /** 1 for an outlier, 0 otherwise. */
  readonly labels: Uint8Array;
}

export async function readLabelledCsv(path: string, labelColumn: string): Promise<LabelledTable> {
  let bytes = await readFile(path);
  // Gzip by magic number rather than by name: a mis-named file still reads.
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return parseLabelledCsv(bytes.toString('utf8'), labelColumn, path);
}

export function parseLabelledCsv(text: string, labelColumn: string, source = 'csv'): LabelledTable {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new Error(`${source}: empty file, expected a header row`);
  const header = lines[0].split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  const labelIndex = header.indexOf(labelColumn);
  if (labelIndex < 0)
    throw new Error(`${source}: no column "${labelColumn}" in the header (${header.join(', ')}); pass --label-column NAME`);
  const featureNames = header.filter((_, i) => i !== labelIndex);
  const cols = featureNames.length;
  if (cols === 0) throw new Error(`${source}: no feature columns besides "${labelColumn}"`);
  const rows = lines.length - 1;
  const data = new Float64Array(rows * cols);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== header.length)
      throw new Error(`${source}: line ${r + 2} has ${cells.length} cells, the header has ${header.length}`);
    let c = 0;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i].trim();
      if (i === labelIndex) {
        const v = Number(cell);
        if (v !== 0 && v !== 1) throw new Error(`${source}: line ${r + 2}, column "${labelColumn}": label must be 0 or 1, got "${cell}"`);
        labels[r] = v;
        continue;
      }
      const v = cell === '' ? NaN : Number(cell);
      if (Number.isNaN(v) && cell !== '' && cell.toLowerCase() !== 'nan') {
        throw new Error(`${source}: line ${r + 2}, column "${header[i]}": not a number: "${cell}"`);
      }
      data[r * cols + c++] = v;
    }
  }
  return { features: { data, rows, cols }, featureNames, labels };
}
