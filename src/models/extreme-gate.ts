/**
 * An entity teaches a standardiser at most one extreme score per `repeatWindow`: a heavy tail that
 * many entities share (big uploads happen) is learned, one entity repeating its own extreme hour
 * after hour (a beacon seen by one model only, a brute force below the fused threshold) does not
 * make itself ordinary. One gate serves every standardiser, keyed by its name (a model, or a
 * feature's deviation scale).
 */
export const DAY_MS = 86_400_000;

/** Standardiser → [entity, time] of the extreme scores taught within the repeat window. */
export type ExtremeGateState = Record<string, [string, number][]>;

export class ExtremeGate {
  /** Per standardiser: entity → time it last taught an extreme score (in time order of admission). */
  private seen = new Map<string, Map<string, number>>();

  constructor(readonly repeatWindow = DAY_MS) {}

  /**
   * Whether this entity may teach `scale` an extreme score now (none taught within repeatWindow);
   * if so, remembers the time. Entries older than repeatWindow are pruned as the map grows.
   */
  admit(scale: string, entity: string, time: number): boolean {
    let seen = this.seen.get(scale);
    if (!seen) {
      seen = new Map();
      this.seen.set(scale, seen);
    }
    const last = seen.get(entity);
    if (last !== undefined && time - last < this.repeatWindow) return false;
    seen.delete(entity); // re-insert: the map stays in time order of admission
    seen.set(entity, time);
    if (seen.size > 1024) for (const [k, t] of seen) if (time - t >= this.repeatWindow) seen.delete(k);
    return true;
  }

  toJSON(): ExtremeGateState {
    return Object.fromEntries([...this.seen].map(([k, m]) => [k, [...m]]));
  }

  static fromJSON(state: ExtremeGateState | undefined, repeatWindow = DAY_MS): ExtremeGate {
    const g = new ExtremeGate(repeatWindow);
    for (const [k, list] of Object.entries(state ?? {})) g.seen.set(k, new Map(list));
    return g;
  }
}
