/**
 * Capped counts of values by fingerprint (value-hash.ts): how many windows each value appeared in
 * and the step it was last seen, for at most `cap` values. When a bump takes it past the cap, it
 * keeps the 90% most frequent (ties: the most recently seen, then the smaller fingerprint) and
 * forgets the rest — a value not seen for long that comes back counts as new again, which can only
 * make a rare value look rarer.
 *
 * Memory is bounded by design and flat: [fingerprint, count, last step] records in one Float64Array
 * sorted by fingerprint (binary search), 24 bytes per value, grown by doubling up to the cap.
 * Also tracks the number of values seen in exactly one window (Good–Turing N₁).
 */
import { findSorted } from './hash-counts.js';

export class CappedCounter {
  /** Windows counted (bumps), whatever their values. */
  windows = 0;
  /** Values with a count of exactly 1. */
  singletons = 0;
  size = 0;
  /** Interleaved [fingerprint, count, last step] records, sorted by fingerprint. */
  private data: Float64Array;

  constructor(
    readonly cap: number,
    initial = 4,
  ) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`counter: cap must be a whole number ≥ 1, got ${cap}`);
    this.data = new Float64Array(3 * Math.max(1, Math.min(initial, cap + 1)));
  }

  /** Windows the value appeared in (0 when never, or forgotten). */
  count(hash: number): number {
    const i = this.find(hash);
    return i >= 0 ? this.data[3 * i + 1] : 0;
  }

  /** Step the value was last seen at (−Infinity when not kept). */
  stepOf(hash: number): number {
    const i = this.find(hash);
    return i >= 0 ? this.data[3 * i + 2] : -Infinity;
  }

  /** One window with these distinct values (fingerprints) at `step`. */
  bump(hashes: readonly number[], step: number): void {
    this.windows++;
    for (const h of hashes) {
      const i = this.find(h);
      if (i >= 0) {
        if (this.data[3 * i + 1] === 1) this.singletons--;
        this.data[3 * i + 1]++;
        this.data[3 * i + 2] = step;
        continue;
      }
      this.insert(-i - 1, h, 1, step);
      this.singletons++;
    }
    if (this.size > this.cap) this.prune(Math.max(1, Math.floor(this.cap * 0.9)));
  }

  /** Sets a value's count and step directly (restoring a state). */
  set(hash: number, count: number, step: number): void {
    const i = this.find(hash);
    if (i >= 0) {
      if (this.data[3 * i + 1] === 1) this.singletons--;
      this.data[3 * i + 1] = count;
      this.data[3 * i + 2] = step;
    } else this.insert(-i - 1, hash, count, step);
    if (count === 1) this.singletons++;
  }

  /** [fingerprint, count, last step] of every kept value, by fingerprint. */
  entries(): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (let i = 0; i < this.size; i++) out.push([this.data[3 * i], this.data[3 * i + 1], this.data[3 * i + 2]]);
    return out;
  }

  /** Bytes held by the typed array. */
  get bytes(): number {
    return this.data.byteLength;
  }

  private find(hash: number): number {
    return findSorted(this.data, 3, this.size, hash);
  }

  private insert(i: number, hash: number, count: number, step: number): void {
    if (3 * (this.size + 1) > this.data.length) {
      const data = new Float64Array(Math.max(3 * (this.size + 1), this.data.length * 2));
      data.set(this.data);
      this.data = data;
    }
    this.data.copyWithin(3 * (i + 1), 3 * i, 3 * this.size);
    this.data[3 * i] = hash;
    this.data[3 * i + 1] = count;
    this.data[3 * i + 2] = step;
    this.size++;
  }

  private prune(keep: number): void {
    const d = this.data;
    const order = Array.from({ length: this.size }, (_, i) => i).sort(
      (x, y) => d[3 * y + 1] - d[3 * x + 1] || d[3 * y + 2] - d[3 * x + 2] || d[3 * x] - d[3 * y],
    );
    const kept = order.slice(0, keep).sort((x, y) => d[3 * x] - d[3 * y]);
    const data = new Float64Array(3 * (this.cap + 1));
    let singletons = 0;
    kept.forEach((i, at) => {
      data.set(d.subarray(3 * i, 3 * i + 3), 3 * at);
      if (d[3 * i + 1] === 1) singletons++;
    });
    this.data = data;
    this.size = kept.length;
    this.singletons = singletons;
  }
}
