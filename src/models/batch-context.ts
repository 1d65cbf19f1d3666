/**
 * What the other entities of the same window show: a value (a process, a destination, an action)
 * that most peers show at the same time is a fleet-wide event — patch day, a new agent rolled out,
 * a company-wide meeting tool — not one entity's anomaly. The rarity and sequence models take the
 * share of *other* entities in the window showing the value as a floor under its probability.
 * Built by Ensemble.scoreMany from the window's observations; scoreOne has no batch and no floor.
 */

/** Other entities needed in the window before their share is trusted (default 10). */
export const BATCH_MIN_PEERS = 10;

export class BatchContext {
  /** field → entities in the window with at least one value of it. */
  private readonly withField = new Map<string, number>();
  /** field → value → entities in the window showing it. */
  private readonly values = new Map<string, Map<string, number>>();

  constructor(readonly minPeers = BATCH_MIN_PEERS) {}

  /** Count one entity's distinct values per field (actions under the pseudo-field "\u0000actions"). */
  add(fields: Readonly<Record<string, readonly string[]>>): void {
    for (const [field, raw] of Object.entries(fields)) {
      const distinct = new Set(raw.filter((v) => typeof v === 'string' && v !== ''));
      if (distinct.size === 0) continue;
      this.withField.set(field, (this.withField.get(field) ?? 0) + 1);
      let m = this.values.get(field);
      if (!m) {
        m = new Map();
        this.values.set(field, m);
      }
      for (const v of distinct) m.set(v, (m.get(v) ?? 0) + 1);
    }
  }

  /**
   * Share of the other entities in the window (the asking entity, which shows the value itself,
   * excluded) that show this value; 0 when fewer than minPeers others have the field.
   */
  peerShare(field: string, value: string): number {
    const others = (this.withField.get(field) ?? 0) - 1;
    if (others < this.minPeers) return 0;
    const showing = (this.values.get(field)?.get(value) ?? 0) - 1;
    return Math.max(0, showing) / others;
  }
}

/** Pseudo-field under which the sequence model's actions are counted. */
export const ACTIONS_FIELD = '\u0000actions';
