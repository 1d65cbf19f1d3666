/**
 * One entity-window as the detectors see it: the window's numeric features, categorical values,
 * ordered actions and per-destination arrival times. Every detector reads the parts it needs.
 */

export interface Observation {
  /** Entity key, e.g. "user.name=alice". */
  entity: string;
  /** Window start, epoch ms. */
  time: number;
  /** Numeric features; NaN (or any non-finite value, or an absent key) = missing. */
  features: Record<string, number>;
  /** Distinct values seen this window per categorical field (rarity / first-seen). */
  categorical?: Record<string, string[]>;
  /** Ordered actions in the window (sequence model). */
  actions?: string[];
  /** Destination → event timestamps (ms) in the window (beaconing). */
  arrivals?: Record<string, number[]>;
}

/**
 * The categorical values the rarity model sees: the observation's own, plus its distinct actions
 * as the field "action" (unless given), so a first-time action is flagged first-seen even when the
 * sequence around it looks ordinary.
 */
export function categoricalOf(o: Observation): Record<string, string[]> | undefined {
  if (!o.actions || o.actions.length === 0 || (o.categorical && 'action' in o.categorical)) return o.categorical;
  return { ...o.categorical, action: o.actions };
}
