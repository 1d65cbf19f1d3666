/**
 * Counts keyed by a value's fingerprint (value-hash.ts), interleaved [fingerprint, count] in one
 * Float64Array sorted by fingerprint: 16 bytes an entry plus one typed array per counter, and one
 * lookup a binary search, where a Map of strings costs some 80–100 bytes an entry. The strings
 * themselves are not kept. Grows by doubling; the caller bounds the number of entries (e.g.
 * sequence.ts prunes an entity's transitions beyond its cap).
 */
export class HashCounts {
  size = 0;
  private data: Float64Array;

  constructor(initial = 4) {
    this.data = new Float64Array(2 * Math.max(1, initial));
  }

  get(hash: number): number {
    const i = findSorted(this.data, 2, this.size, hash);
    return i >= 0 ? this.data[2 * i + 1] : 0;
  }

  add(hash: number, by = 1): void {
    this.put(hash, by, true);
  }

  set(hash: number, value: number): void {
    this.put(hash, value, false);
  }

  /** [fingerprint, value] of every entry, by fingerprint. */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.size; i++) out.push([this.data[2 * i], this.data[2 * i + 1]]);
    return out;
  }

  /** Bytes held by the typed array. */
  get bytes(): number {
    return this.data.byteLength;
  }

  private put(hash: number, value: number, add: boolean): void {
    let i = findSorted(this.data, 2, this.size, hash);
    if (i >= 0) {
      this.data[2 * i + 1] = add ? this.data[2 * i + 1] + value : value;
      return;
    }
    i = -i - 1;
    if (2 * (this.size + 1) > this.data.length) {
      const data = new Float64Array(this.data.length * 2);
      data.set(this.data);
      this.data = data;
    }
    this.data.copyWithin(2 * (i + 1), 2 * i, 2 * this.size);
    this.data[2 * i] = hash;
    this.data[2 * i + 1] = value;
    this.size++;
  }
}

/** Index of `hash` among the first `size` records of `stride` values sorted by their first value, or −(insertion point) − 1. */
export function findSorted(data: Float64Array, stride: number, size: number, hash: number): number {
  let lo = 0;
  let hi = size - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = data[mid * stride];
    if (k < hash) lo = mid + 1;
    else if (k > hash) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}
