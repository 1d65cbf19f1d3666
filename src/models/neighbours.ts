/**
 * Nearest-neighbour evidence: "the closest past windows of this entity". For each entity a small
 * reservoir of its past feature vectors is kept; a new window is compared with them and the k
 * nearest are shown with their time and distance, with a verdict: the window resembles the
 * entity's past ("typical") or nothing in its history comes close ("unlike its past").
 *
 * Vectors are the window's numeric features, signed-log1p transformed (counts and bytes span
 * orders of magnitude) and standardised by the population's running mean and deviation per
 * feature (Welford, count capped so the scale follows drift); distance = root mean square of the
 * standardised differences over the features both windows have, so 1.0 means "one population
 * standard deviation apart on a typical feature". A window is "typical" when its nearest distance
 * is within TYPICAL_FACTOR × the entity's usual nearest distance (the median of its last ones,
 * floored at TYPICAL_FLOOR).
 *
 * Memory is bounded by design: `capacity` vectors per entity (reservoir sampling, seeded, so the
 * sample spans the entity's whole history rather than only its last hours), `maxEntities`
 * entities (the least recently seen is evicted), Float32 storage. toJSON / fromJSON restore the
 * exact state (reservoirs, recency order, population scale and the sampler's position), so a
 * runner resumed from its checkpoint writes the same evidence as one that never stopped.
 */
import { z } from 'zod';
import { decodeFloat32, encodeFloat32 } from './codec.js';
import { Random } from './random.js';

export const DEFAULT_CAPACITY = 32;
export const DEFAULT_MAX_ENTITIES = 5_000;
/** Features per vector (the presets have at most a dozen); memory ≤ maxEntities × capacity × MAX_FEATURES × 4 bytes (15 MB at the defaults). */
export const MAX_FEATURES = 24;
export const DEFAULT_K = 3;
/** "Typical" when the nearest distance ≤ TYPICAL_FACTOR × the entity's usual nearest distance… */
export const TYPICAL_FACTOR = 2;
/** …floored here (standardised units), so an entity that always repeats itself exactly is not "unlike its past" for a tiny change. */
export const TYPICAL_FLOOR = 0.5;
/** Past nearest distances kept per entity for its "usual" distance. */
const USUAL_HISTORY = 16;
const MOMENT_CAP = 10_000;

export interface Neighbour {
  /** Window start of the past window, epoch ms. */
  readonly time: number;
  readonly distance: number;
}

export interface NeighbourEvidence {
  /** The k nearest past windows, closest first. */
  readonly nearest: readonly Neighbour[];
  /** Past windows compared against (the entity's reservoir). */
  readonly compared: number;
  /** The entity's usual nearest distance (null until it has one). */
  readonly usual: number | null;
  readonly verdict: 'typical' | 'unlike its past' | 'no history';
}

interface EntityMemory {
  /** capacity × features, row-major (features in `NeighbourMemory.features` order at insert time). */
  vectors: Float32Array;
  times: Float64Array;
  size: number;
  seen: number;
  usual: number[];
}

/** The checkpointed memory (partition state; external input, validated on load). */
export const neighbourStateSchema = z.strictObject({
  version: z.literal(1),
  capacity: z.number().int().min(1),
  maxEntities: z.number().int().min(1),
  k: z.number().int().min(1),
  random: z.number().int().min(0).max(0xffffffff),
  features: z.array(z.string()),
  mean: z.array(z.number()),
  m2: z.array(z.number()),
  count: z.array(z.number()),
  /** Least recently seen first. */
  entities: z.array(
    z.strictObject({
      entity: z.string(),
      vectors: z.string(),
      times: z.array(z.number()),
      seen: z.number().int().min(0),
      usual: z.array(z.number()),
    }),
  ),
});

export type NeighbourState = z.infer<typeof neighbourStateSchema>;

const slog = (x: number): number => Math.sign(x) * Math.log1p(Math.abs(x));

export interface NeighbourOptions {
  readonly capacity?: number;
  readonly maxEntities?: number;
  readonly k?: number;
  readonly seed?: number;
}

export class NeighbourMemory {
  readonly capacity: number;
  readonly maxEntities: number;
  readonly k: number;
  private readonly random: Random;
  /** Feature order (fixed by first sight; at most `maxFeatures` features). */
  private readonly features: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly count: Float64Array;
  /** Insertion order = recency (touched entities are re-inserted). */
  private readonly entities = new Map<string, EntityMemory>();
  /** Features tracked (the presets have at most a dozen): bounds each vector. */
  private readonly maxFeatures = MAX_FEATURES;

  constructor(options: NeighbourOptions = {}) {
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.maxEntities = options.maxEntities ?? DEFAULT_MAX_ENTITIES;
    this.k = options.k ?? DEFAULT_K;
    if (!(this.capacity >= 1 && this.maxEntities >= 1 && this.k >= 1))
      throw new RangeError('neighbours: capacity, maxEntities and k must be ≥ 1');
    // The bare mulberry32 stream of the seed (Random positioned at it): the same draws as before
    // the memory was checkpointed, so evaluations did not move.
    this.random = Random.fromState((options.seed ?? 42) >>> 0);
    this.mean = new Float64Array(this.maxFeatures);
    this.m2 = new Float64Array(this.maxFeatures);
    this.count = new Float64Array(this.maxFeatures);
  }

  /** Entities held (≤ maxEntities). */
  get size(): number {
    return this.entities.size;
  }

  /** The k nearest past windows of `entity` to this window, before it is remembered. */
  nearest(entity: string, features: Readonly<Record<string, number>>): NeighbourEvidence {
    const mem = this.entities.get(entity);
    if (!mem || mem.size === 0) return { nearest: [], compared: 0, usual: null, verdict: 'no history' };
    const x = this.vector(features);
    const found: Neighbour[] = [];
    for (let r = 0; r < mem.size; r++) found.push({ time: mem.times[r], distance: this.distance(x, mem.vectors, r) });
    found.sort((a, b) => a.distance - b.distance || b.time - a.time);
    const nearest = found.slice(0, this.k).map((n) => ({ time: n.time, distance: Math.round(n.distance * 100) / 100 }));
    const usual = mem.usual.length ? median(mem.usual) : null;
    const limit = Math.max(TYPICAL_FLOOR, TYPICAL_FACTOR * (usual ?? 0));
    return {
      nearest,
      compared: mem.size,
      usual: usual === null ? null : Math.round(usual * 100) / 100,
      verdict: found[0].distance <= limit ? 'typical' : 'unlike its past',
    };
  }

  /** Remembers a window (after `nearest`): updates the population scale and the entity's reservoir. */
  remember(entity: string, time: number, features: Readonly<Record<string, number>>, nearestDistance?: number): void {
    for (const [name, raw] of Object.entries(features)) {
      if (!Number.isFinite(raw)) continue;
      const j = this.column(name);
      if (j < 0) continue;
      const v = slog(raw);
      const n = Math.min(this.count[j] + 1, MOMENT_CAP);
      const d = v - this.mean[j];
      this.mean[j] += d / n;
      this.m2[j] =
        this.count[j] + 1 > MOMENT_CAP ? this.m2[j] * ((n - 1) / n) + d * (v - this.mean[j]) : this.m2[j] + d * (v - this.mean[j]);
      this.count[j] = n;
    }
    let mem = this.entities.get(entity);
    if (mem) this.entities.delete(entity);
    else mem = this.freshMemory();
    this.entities.set(entity, mem);
    if (nearestDistance !== undefined && Number.isFinite(nearestDistance)) {
      mem.usual.push(nearestDistance);
      if (mem.usual.length > USUAL_HISTORY) mem.usual.shift();
    }
    // Reservoir sampling (Algorithm R): every past window has the same chance to be kept.
    mem.seen++;
    const slot = mem.size < this.capacity ? mem.size++ : Math.floor(this.random.next() * mem.seen);
    if (slot >= this.capacity) return;
    const row = slot * this.maxFeatures;
    mem.vectors.fill(NaN, row, row + this.maxFeatures);
    for (const [name, raw] of Object.entries(features)) {
      const j = this.index.get(name);
      if (j !== undefined && Number.isFinite(raw)) mem.vectors[row + j] = slog(raw);
    }
    mem.times[slot] = time;
  }

  /**
   * An empty reservoir for a new entity: the least recently seen entity's, reset, once the memory is
   * full (an estate larger than maxEntities replaces entities every window; reusing their arrays
   * keeps that from churning the heap), else a new one.
   */
  private freshMemory(): EntityMemory {
    if (this.entities.size >= this.maxEntities) {
      const oldest = this.entities.entries().next().value;
      if (oldest !== undefined) {
        const [key, mem] = oldest;
        this.entities.delete(key);
        mem.vectors.fill(NaN);
        mem.times.fill(0);
        mem.size = 0;
        mem.seen = 0;
        mem.usual = [];
        return mem;
      }
    }
    return this.emptyMemory();
  }

  /** A new, empty reservoir (every feature absent). */
  private emptyMemory(): EntityMemory {
    return {
      vectors: new Float32Array(this.capacity * this.maxFeatures).fill(NaN),
      times: new Float64Array(this.capacity),
      size: 0,
      seen: 0,
      usual: [],
    };
  }

  /** The exact state, as JSON (vectors as base64 Float32, only the rows and columns in use). */
  toJSON(): NeighbourState {
    const f = this.features.length;
    const entities: NeighbourState['entities'] = [];
    for (const [entity, mem] of this.entities) {
      const rows = new Float32Array(mem.size * f);
      for (let r = 0; r < mem.size; r++) rows.set(mem.vectors.subarray(r * this.maxFeatures, r * this.maxFeatures + f), r * f);
      entities.push({
        entity,
        vectors: encodeFloat32(rows),
        times: Array.from(mem.times.subarray(0, mem.size)),
        seen: mem.seen,
        usual: [...mem.usual],
      });
    }
    return {
      version: 1,
      capacity: this.capacity,
      maxEntities: this.maxEntities,
      k: this.k,
      random: this.random.getState(),
      features: [...this.features],
      mean: Array.from(this.mean.subarray(0, f)),
      m2: Array.from(this.m2.subarray(0, f)),
      count: Array.from(this.count.subarray(0, f)),
      entities,
    };
  }

  /** Restores a checkpointed memory (validated: a clear error names what is wrong). */
  static fromJSON(json: unknown): NeighbourMemory {
    const parsed = neighbourStateSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`neighbour memory: ${issue.path.join('.') || '(root)'}: ${issue.message} — delete the job's state to start afresh`);
    }
    const state = parsed.data;
    const m = new NeighbourMemory({ capacity: state.capacity, maxEntities: state.maxEntities, k: state.k });
    m.random.setState(state.random);
    const f = state.features.length;
    if (f > m.maxFeatures || state.mean.length !== f || state.m2.length !== f || state.count.length !== f)
      throw new Error(
        `neighbour memory: ${f} features with ${state.mean.length}/${state.m2.length}/${state.count.length} moments — delete the job's state to start afresh`,
      );
    state.features.forEach((name, j) => {
      m.features.push(name);
      m.index.set(name, j);
      m.mean[j] = state.mean[j];
      m.m2[j] = state.m2[j];
      m.count[j] = state.count[j];
    });
    for (const e of state.entities) {
      const size = e.times.length;
      const bytes = Buffer.byteLength(e.vectors, 'base64');
      if (size > m.capacity || bytes !== size * f * 4)
        throw new Error(
          `neighbour memory: entity ${e.entity} holds ${size} windows in ${bytes} bytes — delete the job's state to start afresh`,
        );
      const rows = decodeFloat32(e.vectors);
      const mem = m.emptyMemory();
      for (let r = 0; r < size; r++) mem.vectors.set(rows.subarray(r * f, (r + 1) * f), r * m.maxFeatures);
      mem.times.set(e.times);
      m.entities.set(e.entity, { ...mem, size, seen: e.seen, usual: [...e.usual] });
    }
    return m;
  }

  private column(name: string): number {
    const j = this.index.get(name);
    if (j !== undefined) return j;
    if (this.features.length >= this.maxFeatures) return -1;
    const k = this.features.length;
    this.features.push(name);
    this.index.set(name, k);
    return k;
  }

  /** signed-log1p values in column order (NaN = absent). */
  private vector(features: Readonly<Record<string, number>>): Float64Array {
    const x = new Float64Array(this.features.length).fill(NaN);
    for (const [name, raw] of Object.entries(features)) {
      const j = this.index.get(name);
      if (j !== undefined && Number.isFinite(raw)) x[j] = slog(raw);
    }
    return x;
  }

  /** RMS of standardised differences over the features both have (a missing feature counts as 0, the log of no activity). */
  private distance(x: Float64Array, vectors: Float32Array, r: number): number {
    let sum = 0;
    let used = 0;
    const row = r * this.maxFeatures;
    for (let j = 0; j < x.length; j++) {
      const a = Number.isNaN(x[j]) ? 0 : x[j];
      const bRaw = vectors[row + j];
      const b = Number.isNaN(bRaw) ? 0 : bRaw;
      if (Number.isNaN(x[j]) && Number.isNaN(bRaw)) continue;
      const sd = this.count[j] > 1 ? Math.sqrt(this.m2[j] / this.count[j]) : 1;
      const z = (a - b) / Math.max(sd, 0.05);
      sum += z * z;
      used++;
    }
    return used ? Math.sqrt(sum / used) : 0;
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The evidence as a sentence for the narrative. */
export function neighbourPhrase(e: NeighbourEvidence): string {
  if (e.verdict === 'no history') return 'no past window of this entity to compare with yet';
  const n = e.nearest[0];
  const at = new Date(n.time).toISOString().slice(0, 16);
  if (e.verdict === 'typical') return `most similar past window: ${at}, distance ${n.distance.toFixed(1)} — typical`;
  return `nothing like it in its last ${e.compared} sampled windows (closest ${at}, distance ${n.distance.toFixed(1)}${e.usual !== null ? `, usually ${e.usual.toFixed(1)}` : ''})`;
}
