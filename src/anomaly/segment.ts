/**
 * The segment of an entity for fairness monitoring: an attribute (department, country, site…)
 * from an enrichment lookup (`fairness.lookup`), joined on the entity value. ECS events carry no
 * department, and a country seen in one event is not the person's; an identity-directory export
 * is where such attributes live (`vigil simulate --directory` writes one for the simulated world).
 *
 * Lookup rows, NDJSON: {"field":"user.name","value":"alice","attributes":{"department":"finance","country":"US"}}.
 * Used by the fairness table (src/eval/fairness.ts) and written into anomaly documents as
 * `vigil.segment` (src/pipeline/segment-sink.ts) for the dashboards.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The segment of an entity the lookup does not know. */
export const NO_SEGMENT = '(none)';

const lookupRowSchema = z.strictObject({
  field: z.string().min(1),
  value: z.string().min(1),
  attributes: z.record(z.string(), z.string()),
});

/** Entity (field and value) → attributes. */
export class SegmentLookup {
  private readonly rows = new Map<string, Readonly<Record<string, string>>>();
  private readonly byValue = new Map<string, Readonly<Record<string, string>>>();

  add(field: string, value: string, attributes: Readonly<Record<string, string>>): void {
    this.rows.set(`${field}\u0000${value}`, attributes);
    this.byValue.set(value, attributes);
  }

  /** Every row, as added. */
  *entries(): IterableIterator<{ field: string; value: string; attributes: Readonly<Record<string, string>> }> {
    for (const [key, attributes] of this.rows) {
      const cut = key.indexOf('\u0000');
      yield { field: key.slice(0, cut), value: key.slice(cut + 1), attributes };
    }
  }

  /** The same rows with their values mapped (e.g. to the pseudonymised tokens the documents carry). */
  mapValues(map: (field: string, value: string) => string): SegmentLookup {
    const out = new SegmentLookup();
    for (const r of this.entries()) out.add(r.field, map(r.field, r.value), r.attributes);
    return out;
  }

  get size(): number {
    return this.rows.size;
  }

  /** The attribute of an entity; `field` undefined matches on the value alone (related.* values). */
  attribute(by: string, value: string, field?: string): string | undefined {
    const row = field === undefined ? this.byValue.get(value) : this.rows.get(`${field}\u0000${value}`);
    return row?.[by];
  }

  /** Parses NDJSON lookup rows; an invalid line is an error naming its line number and the fix. */
  static parse(text: string, source = 'fairness.lookup'): SegmentLookup {
    const lookup = new SegmentLookup();
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new Error(
          `${source} line ${i + 1}: not JSON; each line must be {"field":"user.name","value":"alice","attributes":{"department":"finance"}}`,
        );
      }
      lookup.addRow(json, `${source} line ${i + 1}`);
    });
    return lookup;
  }

  /** Adds one row given as JSON (a file line, an index document); an invalid one is an error naming `where` and the shape. */
  addRow(json: unknown, where: string, unit: 'line' | 'document' = 'line'): void {
    const row = lookupRowSchema.safeParse(json);
    if (!row.success) {
      const issue = row.error.issues[0];
      throw new Error(
        `${where}: ${issue.path.join('.') || 'row'}: ${issue.message}; each ${unit} must be {"field":"user.name","value":"alice","attributes":{"department":"finance"}}`,
      );
    }
    this.add(row.data.field, row.data.value, row.data.attributes);
  }

  /** Read once at start-up (a missing file is an error naming the setting). */
  static loadSync(path: string, setting = 'fairness.lookup'): SegmentLookup {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`${setting}: cannot read ${path} (${(e as Error).message}); give the path of an NDJSON lookup file`, { cause: e });
    }
    return SegmentLookup.parse(text, path);
  }
}

/** The segment of a window: its entity's attribute, else its first related user's, else its first related host's. */
/** What the segment of a window is read from: its entity and its related users and hosts. */
export interface SegmentSubject {
  readonly entityField: string;
  readonly entity: string;
  readonly related: { readonly user?: readonly string[]; readonly hosts?: readonly string[] };
}

export function segmentOfWindow(w: SegmentSubject, by: string, lookup: SegmentLookup): string {
  return (
    lookup.attribute(by, w.entity, w.entityField) ??
    (w.related.user ?? []).map((u) => lookup.attribute(by, u, 'user.name')).find((x) => x !== undefined) ??
    (w.related.hosts ?? []).map((h) => lookup.attribute(by, h, 'host.name')).find((x) => x !== undefined) ??
    NO_SEGMENT
  );
}
