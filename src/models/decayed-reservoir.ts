/**
 * A fixed-capacity, time-decayed weighted reservoir of numeric rows (Efraimidis–Spirakis A-Res):
 * each offered row gets a key ln(E) − λ·t with E ~ Exp(1) (the caller draws it, so the sample is
 * seeded and reproducible), and the `capacity` smallest keys are kept — a weighted sample with
 * weights ∝ e^{λt}, so old rows fade with the half-life ln 2 / λ while rows of equal age are kept
 * with equal probability.
 *
 * Memory is bounded by design and held in one typed array, not one object per row: each kept row
 * is a record [key, time, flagged, values…] of 8·(width + 3) bytes in a packed Float64Array
 * (against some 200 bytes of object overhead for a Float64Array per row, plus its values). The arrays grow by doubling up to `capacity`, so an entity seen twice holds two rows,
 * not sixty-four. Columns added later (a feature first seen after some rows were kept) read NaN in
 * the older rows.
 */
export class DecayedReservoir {
  /** Rows offered so far (kept or not). */
  n = 0;
  /** Rows kept (≤ capacity). */
  size = 0;
  /** Kept rows as records [key, time, flagged, value₀ … value_{width−1}], one Float64Array. */
  private data: Float64Array;
  private cols: number;
  private room: number;

  constructor(
    readonly capacity: number,
    width: number,
    initial = Math.min(capacity, 4),
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`reservoir: capacity must be a whole number ≥ 1, got ${capacity}`);
    this.cols = Math.max(1, width);
    this.room = Math.max(1, Math.min(capacity, initial));
    this.data = new Float64Array(this.room * (this.cols + HEAD));
  }

  /** Columns each kept row has room for. */
  get width(): number {
    return this.cols;
  }

  /**
   * Offers a row with its key (smaller = more likely kept), its time (NaN when unknown) and whether
   * it came from a flagged window. Returns whether it was kept. Ties keep the row already there.
   */
  offer(row: ArrayLike<number>, key: number, time: number, flagged = false): boolean {
    this.n++;
    if (row.length > this.cols) this.resize(this.room, row.length);
    const stride = this.cols + HEAD;
    let at: number;
    if (this.size < this.capacity) {
      if (this.size === this.room) this.resize(Math.min(this.capacity, this.room * 2), this.cols);
      at = this.size++;
    } else {
      at = 0;
      for (let i = 1; i < this.size; i++) if (this.data[i * stride] > this.data[at * stride]) at = i;
      if (key >= this.data[at * stride]) return false;
    }
    const base = at * stride;
    this.data[base] = key;
    this.data[base + 1] = time;
    this.data[base + 2] = flagged ? 1 : 0;
    for (let j = 0; j < this.cols; j++) this.data[base + HEAD + j] = j < row.length ? row[j] : NaN;
    return true;
  }

  /** Value of column `col` in kept row `i` (NaN when missing). */
  value(i: number, col: number): number {
    return col < this.cols ? this.data[i * (this.cols + HEAD) + HEAD + col] : NaN;
  }

  key(i: number): number {
    return this.data[i * (this.cols + HEAD)];
  }

  time(i: number): number {
    return this.data[i * (this.cols + HEAD) + 1];
  }

  flagged(i: number): boolean {
    return this.data[i * (this.cols + HEAD) + 2] === 1;
  }

  /** Kept row `i` as a fresh array of `width` values. */
  row(i: number): Float64Array {
    const base = i * (this.cols + HEAD) + HEAD;
    return this.data.slice(base, base + this.cols);
  }

  /** Bytes held by the typed array. */
  get bytes(): number {
    return this.data.byteLength;
  }

  private resize(room: number, width: number): void {
    const stride = width + HEAD;
    const data = new Float64Array(room * stride).fill(NaN);
    for (let i = 0; i < this.size; i++) data.set(this.data.subarray(i * (this.cols + HEAD), (i + 1) * (this.cols + HEAD)), i * stride);
    this.data = data;
    this.room = room;
    this.cols = width;
  }
}

/** Record header: key, time, flagged. */
const HEAD = 3;
