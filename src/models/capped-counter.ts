/**
 * Capped counts of values by fingerprint (value-hash.ts): how many windows each value appeared in
 * and the step it was last seen, for at most `cap` values. When a bump takes it past the cap, it
 * keeps the 90% most frequent (ties: the most recently seen, then the smaller fingerprint) and
 * forgets the rest — a value not seen for long that comes back counts as new again, which can only
 * make a rare value look rarer.
 *
 * Memory is bounded by design and flat: fingerprints, counts and steps in three typed arrays
 * sorted by fingerprint (binary search), 20 bytes per value, grown by doubling up to the cap.
 * Also tracks the number of values seen in exactly one window (Good–Turing N₁).
 */
import { findSorted } from './hash-counts.js';

export class CappedCounter {
  /** Windows counted (bumps), whatever their values. */
  windows = 0;
  /** Values with a count of exactly 1. */
  singletons = 0;
  size = 0;
  private keys: Float64Array;
  private counts: Uint32Array;
  private steps: Float64Array;

  constructor(
    readonly cap: number,
    initial = 4,
  ) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`counter: cap must be a whole number ≥ 1, got ${cap}`);
    const room = Math.max(1, Math.min(initial, cap + 1));
    this.keys = new Float64Array(room);
    this.counts = new Uint32Array(room);
    this.steps = new Float64Array(room);
  }

  /** Windows the value appeared in (0 when never, or forgotten). */
  count(hash: number): number {
    const i = this.find(hash);
    return i >= 0 ? this.counts[i] : 0;
  }

  /** Step the value was last seen at (−Infinity when not kept). */
  stepOf(hash: number): number {
    const i = this.find(hash);
    return i >= 0 ? this.steps[i] : -Infinity;
  }

  /** One window with these distinct values (fingerprints) at `step`. */
  bump(hashes: readonly number[], step: number): void {
    this.windows++;
    for (const h of hashes) {
      let i = this.find(h);
      if (i >= 0) {
        if (this.counts[i] === 1) this.singletons--;
        this.counts[i]++;
        this.steps[i] = step;
        continue;
      }
      i = -i - 1;
      if (this.size === this.keys.length) this.resize(Math.min(this.cap + 1, this.keys.length * 2));
      this.keys.copyWithin(i + 1, i, this.size);
      this.counts.copyWithin(i + 1, i, this.size);
      this.steps.copyWithin(i + 1, i, this.size);
      this.keys[i] = h;
      this.counts[i] = 1;
      this.steps[i] = step;
      this.size++;
      this.singletons++;
    }
    if (this.size > this.cap) this.prune(Math.max(1, Math.floor(this.cap * 0.9)));
  }

  /** Sets a value's count and step directly (restoring a state). */
  set(hash: number, count: number, step: number): void {
    const before = this.count(hash);
    if (before === 1) this.singletons--;
    let i = this.find(hash);
    if (i < 0) {
      i = -i - 1;
      if (this.size === this.keys.length) this.resize(Math.max(this.keys.length * 2, this.size + 1));
      this.keys.copyWithin(i + 1, i, this.size);
      this.counts.copyWithin(i + 1, i, this.size);
      this.steps.copyWithin(i + 1, i, this.size);
      this.size++;
    }
    this.keys[i] = hash;
    this.counts[i] = count;
    this.steps[i] = step;
    if (count === 1) this.singletons++;
  }

  /** [fingerprint, count, last step] of every kept value, by fingerprint. */
  entries(): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (let i = 0; i < this.size; i++) out.push([this.keys[i], this.counts[i], this.steps[i]]);
    return out;
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.counts.byteLength + this.steps.byteLength;
  }

  private find(hash: number): number {
    return findSorted(this.keys, this.size, hash);
  }

  private resize(room: number): void {
    const keys = new Float64Array(room);
    const counts = new Uint32Array(room);
    const steps = new Float64Array(room);
    keys.set(this.keys.subarray(0, this.size));
    counts.set(this.counts.subarray(0, this.size));
    steps.set(this.steps.subarray(0, this.size));
    this.keys = keys;
    this.counts = counts;
    this.steps = steps;
  }

  private prune(keep: number): void {
    const order = Array.from({ length: this.size }, (_, i) => i).sort((x, y) => this.counts[y] - this.counts[x] || this.steps[y] - this.steps[x] || this.keys[x] - this.keys[y]);
    const kept = order.slice(0, keep).sort((x, y) => this.keys[x] - this.keys[y]);
    const keys = new Float64Array(this.cap + 1);
    const counts = new Uint32Array(this.cap + 1);
    const steps = new Float64Array(this.cap + 1);
    let singletons = 0;
    kept.forEach((i, at) => {
      keys[at] = this.keys[i];
      counts[at] = this.counts[i];
      steps[at] = this.steps[i];
      if (counts[at] === 1) singletons++;
    });
    this.keys = keys;
    this.counts = counts;
    this.steps = steps;
    this.size = kept.length;
    this.singletons = singletons;
  }
}
