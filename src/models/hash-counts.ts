/**
 * Counts keyed by a value's fingerprint (value-hash.ts), in two typed arrays sorted by fingerprint:
 * 16 bytes an entry and one lookup a binary search, where a Map of strings costs some 80–100 bytes
 * an entry. The strings themselves are not kept. Grows by doubling; the caller bounds the number of
 * entries (e.g. sequence.ts prunes an entity's transitions beyond its cap).
 */
export class HashCounts {
  size = 0;
  private keys: Float64Array;
  private values: Float64Array;

  constructor(initial = 4) {
    this.keys = new Float64Array(Math.max(1, initial));
    this.values = new Float64Array(Math.max(1, initial));
  }

  get(hash: number): number {
    const i = this.find(hash);
    return i >= 0 ? this.values[i] : 0;
  }

  add(hash: number, by = 1): void {
    this.put(hash, by, true);
  }

  set(hash: number, value: number): void {
    this.put(hash, value, false);
  }

  clear(): void {
    this.size = 0;
  }

  /** [fingerprint, value] of every entry, by fingerprint. */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.size; i++) out.push([this.keys[i], this.values[i]]);
    return out;
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  private put(hash: number, value: number, add: boolean): void {
    let i = this.find(hash);
    if (i >= 0) {
      this.values[i] = add ? this.values[i] + value : value;
      return;
    }
    i = -i - 1;
    if (this.size === this.keys.length) {
      const keys = new Float64Array(this.keys.length * 2);
      const values = new Float64Array(this.keys.length * 2);
      keys.set(this.keys);
      values.set(this.values);
      this.keys = keys;
      this.values = values;
    }
    this.keys.copyWithin(i + 1, i, this.size);
    this.values.copyWithin(i + 1, i, this.size);
    this.keys[i] = hash;
    this.values[i] = value;
    this.size++;
  }

  private find(hash: number): number {
    return findSorted(this.keys, this.size, hash);
  }
}

/** Index of `hash` among the first `size` sorted fingerprints, or −(insertion point) − 1. */
export function findSorted(keys: Float64Array, size: number, hash: number): number {
  let lo = 0;
  let hi = size - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = keys[mid];
    if (k < hash) lo = mid + 1;
    else if (k > hash) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}
