/**
 * A fixed-capacity, time-decayed weighted reservoir of numeric rows (Efraimidis–Spirakis A-Res):
 * each offered row gets a key ln(E) − λ·t with E ~ Exp(1) (the caller draws it, so the sample is
 * seeded and reproducible), and the `capacity` smallest keys are kept — a weighted sample with
 * weights ∝ e^{λt}, so old rows fade with the half-life ln 2 / λ while rows of equal age are kept
 * with equal probability.
 *
 * Memory is bounded by design and held in typed arrays, not one object per row: keys, times and
 * flags are one array each and the rows one packed Float64Array of `capacity × width` values
 * (about 8·(width + 2) + 1 bytes per kept row, against some 200 bytes for a Float64Array object
 * per row). The arrays grow by doubling up to `capacity`, so an entity seen twice holds two rows,
 * not sixty-four. Columns added later (a feature first seen after some rows were kept) read NaN in
 * the older rows.
 */
export class DecayedReservoir {
  /** Rows offered so far (kept or not). */
  n = 0;
  /** Rows kept (≤ capacity). */
  size = 0;
  private keys: Float64Array;
  private stamps: Float64Array;
  private flags: Uint8Array;
  private data: Float64Array;
  private stride: number;

  constructor(
    readonly capacity: number,
    width: number,
    initial = Math.min(capacity, 4),
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`reservoir: capacity must be a whole number ≥ 1, got ${capacity}`);
    this.stride = Math.max(1, width);
    const room = Math.max(1, Math.min(capacity, initial));
    this.keys = new Float64Array(room);
    this.stamps = new Float64Array(room);
    this.flags = new Uint8Array(room);
    this.data = new Float64Array(room * this.stride);
  }

  /** Columns each kept row has room for. */
  get width(): number {
    return this.stride;
  }

  /**
   * Offers a row with its key (smaller = more likely kept), its time (NaN when unknown) and whether
   * it came from a flagged window. Returns whether it was kept. Ties keep the row already there.
   */
  offer(row: ArrayLike<number>, key: number, time: number, flagged = false): boolean {
    this.n++;
    if (row.length > this.stride) this.widen(row.length);
    let at: number;
    if (this.size < this.capacity) {
      if (this.size === this.keys.length) this.grow();
      at = this.size++;
    } else {
      at = 0;
      for (let i = 1; i < this.size; i++) if (this.keys[i] > this.keys[at]) at = i;
      if (key >= this.keys[at]) return false;
    }
    this.keys[at] = key;
    this.stamps[at] = time;
    this.flags[at] = flagged ? 1 : 0;
    const base = at * this.stride;
    for (let j = 0; j < this.stride; j++) this.data[base + j] = j < row.length ? row[j] : NaN;
    return true;
  }

  /** Value of column `col` in kept row `i` (NaN when missing). */
  value(i: number, col: number): number {
    return col < this.stride ? this.data[i * this.stride + col] : NaN;
  }

  key(i: number): number {
    return this.keys[i];
  }

  time(i: number): number {
    return this.stamps[i];
  }

  flagged(i: number): boolean {
    return this.flags[i] === 1;
  }

  /** Kept row `i` as a fresh array of `width` values. */
  row(i: number): Float64Array {
    return this.data.slice(i * this.stride, (i + 1) * this.stride);
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.stamps.byteLength + this.flags.byteLength + this.data.byteLength;
  }

  private grow(): void {
    const room = Math.min(this.capacity, Math.max(1, this.keys.length * 2));
    this.resize(room, this.stride);
  }

  private widen(width: number): void {
    this.resize(this.keys.length, width);
  }

  private resize(room: number, width: number): void {
    const keys = new Float64Array(room);
    const stamps = new Float64Array(room);
    const flags = new Uint8Array(room);
    const data = new Float64Array(room * width).fill(NaN);
    keys.set(this.keys.subarray(0, this.size));
    stamps.set(this.stamps.subarray(0, this.size));
    flags.set(this.flags.subarray(0, this.size));
    for (let i = 0; i < this.size; i++) data.set(this.data.subarray(i * this.stride, (i + 1) * this.stride), i * width);
    this.keys = keys;
    this.stamps = stamps;
    this.flags = flags;
    this.data = data;
    this.stride = width;
  }
}
