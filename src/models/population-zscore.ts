/**
 * The z-score detector on a plain table (rows are one population, no entities): robust z of each
 * column against the column's median and σ̂ (1.4826·MAD, or 1.2533·mean absolute deviation when the
 * MAD is 0), score = √(Σ z²) over the columns. Used by `vigil eval --csv --model zscore`; the
 * per-entity version with decay and cold start is RobustBaseline.
 * Non-finite values contribute 0; constant columns (σ̂ = 0) contribute 0.
 */
import type { TableDetector } from './detector.js';
import type { Matrix } from './matrix.js';
import { robustSd, robustSummaryInPlace } from './stats.js';

export interface PopulationZScoreState {
  readonly kind: 'population-zscore';
  readonly version: 1;
  readonly center: number[];
  readonly scale: number[];
}

export class PopulationZScore implements TableDetector<PopulationZScoreState> {
  private center = new Float64Array(0);
  private scale = new Float64Array(0);

  /** River's name for fit (the detector contract, detector.ts). */
  learnMany(X: Matrix): this {
    return this.fit(X);
  }

  fit(X: Matrix): this {
    if (X.rows < 1 || X.cols < 1) throw new RangeError(`zscore: cannot fit on an empty matrix (${X.rows} rows × ${X.cols} columns)`);
    this.center = new Float64Array(X.cols);
    this.scale = new Float64Array(X.cols);
    const buf = new Float64Array(X.rows);
    for (let c = 0; c < X.cols; c++) {
      let n = 0;
      for (let r = 0; r < X.rows; r++) {
        const v = X.data[r * X.cols + c];
        if (Number.isFinite(v)) buf[n++] = v;
      }
      const s = robustSummaryInPlace(buf, n);
      this.center[c] = n > 0 ? s.median : 0;
      this.scale[c] = n > 0 ? robustSd(s) : 0;
    }
    return this;
  }

  /** √(Σ z²) of every row: higher is more anomalous. */
  scoreMany(X: Matrix): Float64Array {
    if (X.rows > 0 && X.cols !== this.center.length)
      throw new RangeError(`zscore: fitted on ${this.center.length} columns, asked to score ${X.cols}`);
    const out = new Float64Array(X.rows);
    for (let r = 0; r < X.rows; r++) out[r] = this.scoreAt(X.data, r * X.cols);
    return out;
  }

  /** √(Σ z²) of one row. */
  scoreOne(row: ArrayLike<number>): number {
    if (row.length !== this.center.length)
      throw new RangeError(`zscore: fitted on ${this.center.length} columns, got a row of ${row.length}`);
    return this.scoreAt(row, 0);
  }

  toJSON(): PopulationZScoreState {
    return { kind: 'population-zscore', version: 1, center: Array.from(this.center), scale: Array.from(this.scale) };
  }

  static fromJSON(state: PopulationZScoreState): PopulationZScore {
    if (state?.kind !== 'population-zscore' || state.version !== 1)
      throw new TypeError('zscore: not a population-zscore state (kind "population-zscore", version 1)');
    const z = new PopulationZScore();
    z.center = Float64Array.from(state.center);
    z.scale = Float64Array.from(state.scale);
    return z;
  }

  private scoreAt(data: ArrayLike<number>, base: number): number {
    let sum = 0;
    for (let c = 0; c < this.center.length; c++) {
      const v = data[base + c];
      const s = this.scale[c];
      if (!Number.isFinite(v) || s === 0) continue;
      const z = (v - this.center[c]) / s;
      sum += z * z;
    }
    return Math.sqrt(sum);
  }
}
