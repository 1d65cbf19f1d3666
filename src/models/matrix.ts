/** A dense row-major matrix of doubles: row r, column c is data[r * cols + c]. */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

export function matrix(data: Float64Array, rows: number, cols: number): Matrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`matrix: rows and cols must be whole numbers ≥ 0, got ${rows} × ${cols}`);
  }
  if (data.length < rows * cols) throw new RangeError(`matrix: ${rows} × ${cols} needs ${rows * cols} values, got ${data.length}`);
  return { data, rows, cols };
}

/** From an array of equally long rows (handy in tests and small callers). */
export function matrixFromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows.length === 0 ? 0 : rows[0].length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (row.length !== cols) throw new RangeError(`matrixFromRows: row ${r} has ${row.length} values, expected ${cols}`);
    data.set(row, r * cols);
  });
  return { data, rows: rows.length, cols };
}
