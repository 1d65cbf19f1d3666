/**
 * Isolation forest after Liu, Ting & Zhou (2008), "Isolation Forest", ICDM.
 *
 * Each tree is grown on a subsample of ψ rows drawn without replacement, splitting on a feature
 * chosen uniformly among those not constant in the node at a split value uniform between the node's
 * minimum and maximum, down to the height limit ⌈log₂ ψ⌉. A row's path length h(x) is the depth of
 * the leaf it lands in plus c(size of that leaf), the expected depth of an unbuilt subtree; the score
 * is s(x) = 2^(−E[h(x)] / c(ψ)) — near 1 for rows isolated quickly, about 0.5 or less for the bulk.
 *
 * Trees live in flat typed arrays (one slot per node, children of a node stored side by side), so
 * scoring is an allocation-free loop over numbers — the npm `isolation-forest` package instead
 * builds every tree on all rows (its subsample is discarded), allocates objects per node and is
 * unseeded.
 *
 * Missing values: any non-finite input (NaN, ±Infinity) is replaced by the training median of its
 * column, in training and in scoring alike; a column with no finite value in training is treated as
 * the constant 0. Constant columns are never split on; when every column is constant each tree is a
 * single leaf and every row gets the same score (½ up to rounding). Empty input: fit() throws, scoring 0 rows
 * returns an empty array.
 */
import type { TableDetector } from './detector.js';
import type { Matrix } from './matrix.js';
import { Random } from './random.js';
import { decodeFloat64, decodeInt32, encodeFloat64, encodeInt32 } from './codec.js';
import { medianInPlace } from './stats.js';

export interface IsolationForestParams {
  /** Number of trees (default 100). */
  readonly nEstimators: number;
  /** Subsample size ψ per tree (default 256; capped at the number of rows). */
  readonly maxSamples: number;
  /** Fraction of the columns each tree may split on, in (0, 1] (default 1 = all). */
  readonly maxFeatures: number;
  readonly seed: number;
}

export const DEFAULT_IFOREST_PARAMS: IsolationForestParams = { nEstimators: 100, maxSamples: 256, maxFeatures: 1, seed: 42 };

export interface IsolationForestState {
  readonly kind: 'isolation-forest';
  readonly version: 1;
  readonly params: IsolationForestParams;
  readonly nCols: number;
  readonly psi: number;
  readonly heightLimit: number;
  /** Training median per column, used for non-finite inputs. */
  readonly impute: number[];
  /** Typed arrays as base64 of their little-endian bytes: exact and compact. */
  readonly roots: string;
  readonly feature: string;
  readonly child: string;
  readonly value: string;
  readonly size: string;
}

const EULER_GAMMA = 0.5772156649015329;
const EXACT_HARMONIC_LIMIT = 4096;
let harmonicTable: Float64Array | undefined;

/** H(i) = 1 + 1/2 + … + 1/i, exactly summed up to 4096, then ln i + γ + 1/(2i) − 1/(12i²) (error < 1e-15). */
export function harmonic(i: number): number {
  if (i <= 0) return 0;
  if (i <= EXACT_HARMONIC_LIMIT && Number.isInteger(i)) {
    if (!harmonicTable) {
      harmonicTable = new Float64Array(EXACT_HARMONIC_LIMIT + 1);
      for (let k = 1; k <= EXACT_HARMONIC_LIMIT; k++) harmonicTable[k] = harmonicTable[k - 1] + 1 / k;
    }
    return harmonicTable[i];
  }
  return Math.log(i) + EULER_GAMMA + 1 / (2 * i) - 1 / (12 * i * i);
}

/** c(n): average path length of an unsuccessful search in a binary search tree of n points. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * harmonic(n - 1) - (2 * (n - 1)) / n;
}

export class IsolationForest implements TableDetector<IsolationForestState> {
  readonly params: IsolationForestParams;
  private nCols = 0;
  private psi = 0;
  private heightLimit = 0;
  private impute: Float64Array = new Float64Array(0);
  private roots = new Int32Array(0);
  /** Split column per node, −1 for a leaf. */
  private feature = new Int32Array(0);
  /** Index of the left child; the right child is the next slot. */
  private child = new Int32Array(0);
  /** Split value for an internal node; path length depth + c(size) for a leaf. */
  private value = new Float64Array(0);
  /** Number of training rows that reached the node. */
  private size = new Int32Array(0);
  private scratch: Float64Array = new Float64Array(0);
  /**
   * Derived scoring layout (rebuilt by fit and fromJSON, never serialised): each tree padded to a
   * complete binary tree of depth heightLimit, so a row descends exactly heightLimit levels with
   * index arithmetic (children of i at 2i+1, 2i+2) and no leaf test. A leaf above the limit is
   * padded with threshold +Infinity (everything goes left) and repeated in every bottom slot below it.
   */
  private denseFeature = new Int32Array(0);
  private denseThreshold = new Float64Array(0);
  private denseLeaf = new Float64Array(0);
  /** Derived: log₂(rows in the parent / rows in this node), the credit for entering the node. */
  private gain = new Float64Array(0);

  constructor(params: Partial<IsolationForestParams> = {}) {
    const p = { ...DEFAULT_IFOREST_PARAMS, ...params };
    if (!Number.isInteger(p.nEstimators) || p.nEstimators < 1)
      throw new RangeError(`iforest: nEstimators must be a whole number ≥ 1, got ${p.nEstimators}`);
    if (!Number.isInteger(p.maxSamples) || p.maxSamples < 1)
      throw new RangeError(`iforest: maxSamples must be a whole number ≥ 1, got ${p.maxSamples}`);
    if (!(p.maxFeatures > 0 && p.maxFeatures <= 1))
      throw new RangeError(`iforest: maxFeatures is a fraction in (0, 1], got ${p.maxFeatures}`);
    if (!Number.isFinite(p.seed)) throw new RangeError(`iforest: seed must be a finite number, got ${p.seed}`);
    this.params = p;
  }

  get fitted(): boolean {
    return this.roots.length > 0;
  }

  get columns(): number {
    return this.nCols;
  }

  /** Subsample size actually used (min(maxSamples, rows)). */
  get subsampleSize(): number {
    return this.psi;
  }

  fit(X: Matrix): this {
    const { rows, cols, data } = X;
    if (rows < 1 || cols < 1)
      throw new RangeError(`iforest: cannot fit on an empty matrix (${rows} rows × ${cols} columns); give at least one row and one column`);
    const { nEstimators, maxFeatures } = this.params;
    const rng = new Random(this.params.seed);
    const psi = Math.min(this.params.maxSamples, rows);
    this.nCols = cols;
    this.psi = psi;
    this.heightLimit = Math.ceil(Math.log2(Math.max(psi, 2)));
    this.impute = columnMedians(X);
    this.scratch = new Float64Array(cols);

    const maxNodes = nEstimators * (2 * psi - 1);
    const feature = new Int32Array(maxNodes);
    const child = new Int32Array(maxNodes);
    const value = new Float64Array(maxNodes);
    const size = new Int32Array(maxNodes);
    const roots = new Int32Array(nEstimators);
    const nTreeFeatures = Math.max(1, Math.round(maxFeatures * cols));

    // Reused per tree: a permutation for sampling without replacement (partial Fisher–Yates, undone
    // after each tree so the cost is O(ψ), not O(rows)), the subsample column-major, row indices.
    const perm = new Int32Array(rows);
    for (let i = 0; i < rows; i++) perm[i] = i;
    const swaps = new Int32Array(psi);
    const sample = new Float64Array(psi * cols);
    const idx = new Int32Array(psi);
    const allFeatures = new Int32Array(cols);
    for (let f = 0; f < cols; f++) allFeatures[f] = f;
    const lo = new Float64Array(cols);
    const hi = new Float64Array(cols);
    const candidates = new Int32Array(cols);
    let next = 0;

    const build = (start: number, end: number, depth: number, node: number, feats: Int32Array): void => {
      const n = end - start;
      size[node] = n;
      if (depth >= this.heightLimit || n <= 1) {
        feature[node] = -1;
        value[node] = depth + averagePathLength(n);
        return;
      }
      let nc = 0;
      for (let k = 0; k < feats.length; k++) {
        const f = feats[k];
        const col = f * psi;
        let mn = Infinity;
        let mx = -Infinity;
        for (let i = start; i < end; i++) {
          const v = sample[col + idx[i]];
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        if (mx > mn) {
          lo[f] = mn;
          hi[f] = mx;
          candidates[nc++] = f;
        }
      }
      if (nc === 0) {
        // Every candidate column is constant here: nothing can isolate these rows further.
        feature[node] = -1;
        value[node] = depth + averagePathLength(n);
        return;
      }
      const f = candidates[rng.int(nc)];
      let split = lo[f] + rng.next() * (hi[f] - lo[f]);
      // Both sides must be non-empty: a draw of exactly the minimum would send nothing left.
      if (!(split > lo[f])) split = hi[f];
      const col = f * psi;
      let i = start;
      let j = end - 1;
      while (i <= j) {
        if (sample[col + idx[i]] < split) i++;
        else {
          const t = idx[i];
          idx[i] = idx[j];
          idx[j] = t;
          j--;
        }
      }
      const left = next;
      next += 2;
      feature[node] = f;
      value[node] = split;
      child[node] = left;
      build(start, i, depth + 1, left, feats);
      build(i, end, depth + 1, left + 1, feats);
    };

    for (let t = 0; t < nEstimators; t++) {
      for (let k = 0; k < psi; k++) {
        const j = k + rng.int(rows - k);
        swaps[k] = j;
        const tmp = perm[k];
        perm[k] = perm[j];
        perm[j] = tmp;
      }
      for (let k = 0; k < psi; k++) {
        const base = perm[k] * cols;
        for (let f = 0; f < cols; f++) {
          const v = data[base + f];
          sample[f * psi + k] = Number.isFinite(v) ? v : this.impute[f];
        }
        idx[k] = k;
      }
      for (let k = psi - 1; k >= 0; k--) {
        const j = swaps[k];
        const tmp = perm[k];
        perm[k] = perm[j];
        perm[j] = tmp;
      }
      let feats = allFeatures;
      if (nTreeFeatures < cols) {
        // A random subset of columns for this tree (partial Fisher–Yates on a copy).
        const pool = Int32Array.from(allFeatures);
        for (let k = 0; k < nTreeFeatures; k++) {
          const j = k + rng.int(cols - k);
          const tmp = pool[k];
          pool[k] = pool[j];
          pool[j] = tmp;
        }
        feats = pool.slice(0, nTreeFeatures);
      }
      const root = next++;
      roots[t] = root;
      build(0, psi, 0, root, feats);
    }

    this.roots = roots;
    this.feature = feature.slice(0, next);
    this.child = child.slice(0, next);
    this.value = value.slice(0, next);
    this.size = size.slice(0, next);
    this.buildDense();
    return this;
  }

  /** River's name for fit (the detector contract, detector.ts). */
  learnMany(X: Matrix): this {
    return this.fit(X);
  }

  /**
   * Anomaly score s(x) = 2^(−E[h(x)]/c(ψ)) of every row: higher is more anomalous, in (0, 1].
   * (sklearn's score_samples is the opposite, −s(x): lower = more abnormal; hence not that name.)
   */
  scoreMany(X: Matrix): Float64Array {
    this.assertFitted();
    const { rows, cols, data } = X;
    const out = new Float64Array(rows);
    if (rows === 0) return out;
    if (cols !== this.nCols) throw new RangeError(`iforest: fitted on ${this.nCols} columns, asked to score ${cols}`);
    if (this.denseLeaf.length > 0) this.sumPathsDense(data, rows, out);
    else for (let r = 0; r < rows; r++) out[r] = this.sumPaths(data, r * cols);
    const norm = this.normaliser();
    const T = this.roots.length;
    for (let r = 0; r < rows; r++) out[r] = norm === 0 ? 0.5 : Math.pow(2, -out[r] / T / norm);
    return out;
  }

  /** Score of one row (an array of nCols numbers). */
  scoreOne(row: ArrayLike<number>): number {
    this.assertFitted();
    if (row.length !== this.nCols) throw new RangeError(`iforest: fitted on ${this.nCols} columns, got a row of ${row.length}`);
    return this.scoreAt(row, 0, this.normaliser());
  }

  /** Mean path length E[h(x)] of one row. */
  pathLength(row: ArrayLike<number>): number {
    this.assertFitted();
    const x = this.clean(row, 0);
    let sum = 0;
    for (let t = 0; t < this.roots.length; t++) sum += this.value[this.leaf(x, 0, this.roots[t])];
    return sum / this.roots.length;
  }

  /**
   * Share of the isolation of one row due to each column, summing to 1 (all zeros when no split
   * separated it, e.g. constant data). Each split on the row's path credits its column with the
   * information it removed, log₂(rows in the node / rows in the child the row went to): the split
   * that cuts an outlier off from the bulk takes most of the credit, as in depth-based attribution.
   */
  contributions(row: ArrayLike<number>): Float64Array {
    this.assertFitted();
    if (row.length !== this.nCols) throw new RangeError(`iforest: fitted on ${this.nCols} columns, got a row of ${row.length}`);
    const x = this.clean(row, 0);
    const credit = new Float64Array(this.nCols);
    const { feature, child, value, gain } = this;
    for (let t = 0; t < this.roots.length; t++) {
      let node = this.roots[t];
      let f = feature[node];
      while (f >= 0) {
        node = child[node] + (x[f] < value[node] ? 0 : 1);
        credit[f] += gain[node];
        f = feature[node];
      }
    }
    let total = 0;
    for (let f = 0; f < credit.length; f++) total += credit[f];
    if (total > 0) for (let f = 0; f < credit.length; f++) credit[f] /= total;
    return credit;
  }

  /** Training median per column (the value non-finite inputs are replaced by). */
  imputeValues(): Float64Array {
    return this.impute.slice();
  }

  toJSON(): IsolationForestState {
    this.assertFitted();
    return {
      kind: 'isolation-forest',
      version: 1,
      params: { ...this.params },
      nCols: this.nCols,
      psi: this.psi,
      heightLimit: this.heightLimit,
      impute: Array.from(this.impute),
      roots: encodeInt32(this.roots),
      feature: encodeInt32(this.feature),
      child: encodeInt32(this.child),
      value: encodeFloat64(this.value),
      size: encodeInt32(this.size),
    };
  }

  static fromJSON(state: IsolationForestState): IsolationForest {
    if (state?.kind !== 'isolation-forest' || state.version !== 1)
      throw new TypeError('iforest: not an isolation-forest state (kind "isolation-forest", version 1)');
    const f = new IsolationForest(state.params);
    f.nCols = state.nCols;
    f.psi = state.psi;
    f.heightLimit = state.heightLimit;
    f.impute = Float64Array.from(state.impute);
    f.roots = decodeInt32(state.roots);
    f.feature = decodeInt32(state.feature);
    f.child = decodeInt32(state.child);
    f.value = decodeFloat64(state.value);
    f.size = decodeInt32(state.size);
    f.scratch = new Float64Array(f.nCols);
    f.buildDense();
    const n = f.feature.length;
    if (f.child.length !== n || f.value.length !== n || f.size.length !== n || f.impute.length !== f.nCols) {
      throw new TypeError('iforest: corrupt state (node arrays of different lengths)');
    }
    return f;
  }

  private normaliser(): number {
    return averagePathLength(this.psi);
  }

  private scoreAt(data: ArrayLike<number>, base: number, norm: number): number {
    const sum = this.denseLeaf.length > 0 ? this.sumPathsDenseOne(data, base) : this.sumPaths(data, base);
    // c(1) = 0: a forest grown on a single row cannot tell rows apart; every score is 0.5.
    if (norm === 0) return 0.5;
    return Math.pow(2, -sum / this.roots.length / norm);
  }

  /** Σ over trees of the path length of one row (sparse layout; trees summed in order). */
  private sumPaths(data: ArrayLike<number>, base: number): number {
    const x = this.clean(data, base);
    const off = x === data ? base : 0;
    const { roots, feature, child, value } = this;
    let sum = 0;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t];
      let f = feature[node];
      while (f >= 0) {
        node = child[node] + (x[off + f] < value[node] ? 0 : 1);
        f = feature[node];
      }
      sum += value[node];
    }
    return sum;
  }

  /** As sumPaths on the dense layout (same leaves, same order of addition, so the same bits). */
  private sumPathsDenseOne(data: ArrayLike<number>, base: number): number {
    const x = this.clean(data, base);
    const off = x === data ? base : 0;
    const h = this.heightLimit;
    const nInt = (1 << h) - 1;
    const nLeaf = 1 << h;
    const { denseFeature, denseThreshold, denseLeaf } = this;
    let sum = 0;
    for (let t = 0; t < this.roots.length; t++) {
      const o = t * nInt;
      let i = 0;
      for (let k = 0; k < h; k++) i = 2 * i + 1 + +(x[off + denseFeature[o + i]] >= denseThreshold[o + i]);
      sum += denseLeaf[t * nLeaf + i - nInt];
    }
    return sum;
  }

  /**
   * Σ path lengths for many rows: blocks of rows are pushed through one tree at a time (the tree
   * stays in cache) and eight rows descend together, so the CPU overlaps their independent loads
   * instead of waiting on one row's chain of dependent ones. Blocks holding a non-finite value are
   * first copied with training medians filled in.
   */
  private sumPathsDense(data: Float64Array, rows: number, out: Float64Array): void {
    const cols = this.nCols;
    const h = this.heightLimit;
    const nInt = (1 << h) - 1;
    const nLeaf = 1 << h;
    const T = this.roots.length;
    const { denseFeature: df, denseThreshold: dt, denseLeaf: dl } = this;
    const B = 1024;
    let block = new Float64Array(0);
    for (let r0 = 0; r0 < rows; r0 += B) {
      const m = Math.min(rows, r0 + B) - r0;
      let x: Float64Array = data;
      let first = r0 * cols;
      if (!allFinite(data, first, first + m * cols)) {
        if (block.length === 0) block = new Float64Array(B * cols);
        for (let i = 0; i < m * cols; i++) {
          const v = data[first + i];
          block[i] = v - v === 0 ? v : this.impute[i % cols];
        }
        x = block;
        first = 0;
      }
      for (let t = 0; t < T; t++) {
        const o = t * nInt;
        const lo = t * nLeaf - nInt;
        let r = 0;
        for (; r + 8 <= m; r += 8) {
          const b0 = first + r * cols;
          const b1 = b0 + cols;
          const b2 = b1 + cols;
          const b3 = b2 + cols;
          const b4 = b3 + cols;
          const b5 = b4 + cols;
          const b6 = b5 + cols;
          const b7 = b6 + cols;
          let i0 = 0;
          let i1 = 0;
          let i2 = 0;
          let i3 = 0;
          let i4 = 0;
          let i5 = 0;
          let i6 = 0;
          let i7 = 0;
          for (let k = 0; k < h; k++) {
            i0 = 2 * i0 + 1 + +(x[b0 + df[o + i0]] >= dt[o + i0]);
            i1 = 2 * i1 + 1 + +(x[b1 + df[o + i1]] >= dt[o + i1]);
            i2 = 2 * i2 + 1 + +(x[b2 + df[o + i2]] >= dt[o + i2]);
            i3 = 2 * i3 + 1 + +(x[b3 + df[o + i3]] >= dt[o + i3]);
            i4 = 2 * i4 + 1 + +(x[b4 + df[o + i4]] >= dt[o + i4]);
            i5 = 2 * i5 + 1 + +(x[b5 + df[o + i5]] >= dt[o + i5]);
            i6 = 2 * i6 + 1 + +(x[b6 + df[o + i6]] >= dt[o + i6]);
            i7 = 2 * i7 + 1 + +(x[b7 + df[o + i7]] >= dt[o + i7]);
          }
          const q = r0 + r;
          out[q] += dl[lo + i0];
          out[q + 1] += dl[lo + i1];
          out[q + 2] += dl[lo + i2];
          out[q + 3] += dl[lo + i3];
          out[q + 4] += dl[lo + i4];
          out[q + 5] += dl[lo + i5];
          out[q + 6] += dl[lo + i6];
          out[q + 7] += dl[lo + i7];
        }
        for (; r < m; r++) {
          const b = first + r * cols;
          let i = 0;
          for (let k = 0; k < h; k++) i = 2 * i + 1 + +(x[b + df[o + i]] >= dt[o + i]);
          out[r0 + r] += dl[lo + i];
        }
      }
    }
  }

  /** Derive the padded complete-tree layout; skipped for deep forests (ψ > 4096) where it would be large. */
  private buildDense(): void {
    const gain = new Float64Array(this.feature.length);
    for (let node = 0; node < this.feature.length; node++) {
      if (this.feature[node] < 0) continue;
      const l = this.child[node];
      gain[l] = Math.log2(this.size[node] / Math.max(this.size[l], 1));
      gain[l + 1] = Math.log2(this.size[node] / Math.max(this.size[l + 1], 1));
    }
    this.gain = gain;
    const h = this.heightLimit;
    if (h > 12) {
      this.denseFeature = new Int32Array(0);
      this.denseThreshold = new Float64Array(0);
      this.denseLeaf = new Float64Array(0);
      return;
    }
    const T = this.roots.length;
    const nInt = (1 << h) - 1;
    const nLeaf = 1 << h;
    const df = new Int32Array(T * nInt);
    const dt = new Float64Array(T * nInt);
    const dl = new Float64Array(T * nLeaf);
    const { feature, child, value } = this;
    const fill = (t: number, node: number, pos: number, depth: number): void => {
      if (depth === h) {
        dl[t * nLeaf + pos - nInt] = value[node];
        return;
      }
      if (feature[node] < 0) {
        dt[t * nInt + pos] = Infinity;
        fill(t, node, 2 * pos + 1, depth + 1);
        fill(t, node, 2 * pos + 2, depth + 1);
        return;
      }
      df[t * nInt + pos] = feature[node];
      dt[t * nInt + pos] = value[node];
      fill(t, child[node], 2 * pos + 1, depth + 1);
      fill(t, child[node] + 1, 2 * pos + 2, depth + 1);
    };
    for (let t = 0; t < T; t++) fill(t, this.roots[t], 0, 0);
    this.denseFeature = df;
    this.denseThreshold = dt;
    this.denseLeaf = dl;
  }

  private leaf(x: ArrayLike<number>, off: number, root: number): number {
    let node = root;
    let f = this.feature[node];
    while (f >= 0) {
      node = this.child[node] + (x[off + f] < this.value[node] ? 0 : 1);
      f = this.feature[node];
    }
    return node;
  }

  /** The row itself when all its values are finite, else a scratch copy with training medians filled in. */
  private clean(data: ArrayLike<number>, base: number): ArrayLike<number> {
    const cols = this.nCols;
    let finite = true;
    for (let f = 0; f < cols; f++) {
      const v = data[base + f];
      if (v - v !== 0) {
        finite = false;
        break;
      }
    }
    if (finite) return data;
    const s = this.scratch;
    for (let f = 0; f < cols; f++) {
      const v = data[base + f];
      s[f] = v - v === 0 ? v : this.impute[f];
    }
    return s;
  }

  private assertFitted(): void {
    if (!this.fitted) throw new Error('iforest: not fitted yet; call fit() first');
  }
}

function allFinite(data: Float64Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const v = data[i];
    if (v - v !== 0) return false;
  }
  return true;
}

/** Median of each column's finite values (0 for a column without any). */
function columnMedians(X: Matrix): Float64Array {
  const { rows, cols, data } = X;
  const out = new Float64Array(cols);
  const buf = new Float64Array(rows);
  for (let f = 0; f < cols; f++) {
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const v = data[r * cols + f];
      if (Number.isFinite(v)) buf[n++] = v;
    }
    out[f] = n === 0 ? 0 : medianInPlace(buf, n);
  }
  return out;
}
