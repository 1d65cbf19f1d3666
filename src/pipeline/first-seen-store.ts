/**
 * The first-seen baselines of one job partition: per entity and field, the values seen in earlier
 * windows. The executors read it (`first_seen` features count values not in it); after each
 * window the pipeline adds the window's new values. Kept in the partition's state so a restart or
 * a standby taking over continues with the same baselines.
 *
 * Memory is bounded: at most `maxValues` values per (entity, field), the oldest forgotten first
 * (a value not seen for a long time counts as new again, which is what an analyst would expect).
 */
import type { EntityWindow, FirstSeenBaseline } from '../features/executor.js';
import type { FeatureSpec } from '../config/feature-spec.js';

/** JSON form: entity value → field → values, oldest first. */
export type FirstSeenRecord = Record<string, Record<string, string[]>>;

export class FirstSeenStore implements FirstSeenBaseline {
  private readonly entities = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly maxValues = 1000) {}

  static fromRecord(record: FirstSeenRecord, maxValues = 1000): FirstSeenStore {
    const store = new FirstSeenStore(maxValues);
    for (const entity of Object.keys(record).sort()) {
      const fields = new Map<string, Set<string>>();
      for (const [field, values] of Object.entries(record[entity])) fields.set(field, new Set(values));
      store.entities.set(entity, fields);
    }
    return store;
  }

  seen(entity: string, field: string): ReadonlySet<string> | undefined {
    return this.entities.get(entity)?.get(field);
  }

  get size(): number {
    return this.entities.size;
  }

  /**
   * Adds a window's values of every first_seen feature's field. Every entity present in the window
   * gets a baseline for the field (possibly empty), so from its second window on only genuinely
   * new values count.
   */
  update(windows: readonly EntityWindow[], features: readonly FeatureSpec[]): void {
    const firstSeen = features.filter((f): f is Extract<FeatureSpec, { kind: 'first_seen' }> => f.kind === 'first_seen');
    if (firstSeen.length === 0) return;
    for (const w of windows) {
      let fields = this.entities.get(w.entity.value);
      if (!fields) {
        fields = new Map();
        this.entities.set(w.entity.value, fields);
      }
      for (const spec of firstSeen) {
        let values = fields.get(spec.field);
        if (!values) {
          values = new Set();
          fields.set(spec.field, values);
        }
        for (const v of [...(w.firstSeen[spec.name] ?? []), ...(w.categorical[spec.field] ?? [])]) {
          if (values.has(v)) continue;
          values.add(v);
          if (values.size > this.maxValues) values.delete(values.values().next().value!);
        }
      }
    }
  }

  toRecord(): FirstSeenRecord {
    const out: FirstSeenRecord = {};
    for (const entity of [...this.entities.keys()].sort()) {
      const fields: Record<string, string[]> = {};
      for (const [field, values] of this.entities.get(entity)!) fields[field] = [...values];
      out[entity] = fields;
    }
    return out;
  }
}
