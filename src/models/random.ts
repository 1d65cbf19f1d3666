/**
 * Seeded pseudo-random numbers. Every model that draws randomness takes a seed so a fit is
 * reproducible bit for bit; the generator state is one 32-bit word, so it serialises trivially.
 *
 * mulberry32 (Tommy Ettinger): 32-bit state, period 2^32, passes PractRand to large sizes — ample for
 * drawing subsamples and split points, and far cheaper than a cryptographic generator.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = Random.mixSeed(seed);
  }

  /** Spread any integer or float seed over 32 bits (splitmix-style) so nearby seeds give unrelated streams. */
  static mixSeed(seed: number): number {
    let h = Math.floor(Number.isFinite(seed) ? seed : 0) ^ 0x9e3779b9;
    // Fold in the high bits of seeds larger than 32 bits.
    h ^= Math.floor(Math.abs(seed) / 4294967296) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in (0, 1): safe for logarithms. */
  open(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return u;
  }

  /** Standard normal (Box–Muller; one value per call, the second is discarded to keep state simple). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(this.open())) * Math.cos(2 * Math.PI * this.next());
  }

  getState(): number {
    return this.state >>> 0;
  }

  setState(state: number): void {
    this.state = state | 0;
  }

  /** A generator positioned exactly where this one was saved. */
  static fromState(state: number): Random {
    const r = new Random(0);
    r.setState(state);
    return r;
  }
}

/**
 * The bare mulberry32 stream as a function, seeded with the 32-bit seed as given (no mixing), for
 * callers that only need reproducible uniforms: fixtures, benchmarks, retry jitter.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
