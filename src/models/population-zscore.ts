/**
 * The z-score detector on a plain table (rows are one population, no entities): robust z of each
 * column against the column's median and σ̂ (1.4826·MAD, or 1.2533·mean absolute deviation when the
 * MAD is 0), score = √(Σ z²) over the columns. Used by `vigil eval --csv --model zscore`; the
 * per-entity version with decay and cold start is RobustBaseline.
 * Non-finite values contribute 0; constant columns (σ̂ = 0) contribute 0.
 */
import type { Matrix } from './matrix.js';
import { robustSd, robustSummaryInPlace } from './stats.js';

export class PopulationZScore {
  private center = new Float64Array(0);
  private scale = new Float64Array(0);

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

  scoreSamples(X: Matrix): Float64Array {
    if (X.rows > 0 && X.cols !== this.center.length) throw new RangeError(`zscore: fitted on ${this.center.length} columns, asked to score ${X.cols}`);
    const out = new Float64Array(X.rows);
    for (let r = 0; r < X.rows; r++) {
      let sum = 0;
      for (let c = 0; c < X.cols; c++) {
        const v = X.data[r * X.cols + c];
        const s = this.scale[c];
        if (!Number.isFinite(v) || s === 0) continue;
        const z = (v - this.center[c]) / s;
        sum += z * z;
      }
      out[r] = Math.sqrt(sum);
    }
    return out;
  }
}
