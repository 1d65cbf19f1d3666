/**
 * Adds `vigil.segment` to anomaly documents on their way to the index when `fairness:` is
 * configured: the entity's attribute from the lookup (src/anomaly/segment.ts) and `alerted` (1 on
 * an alert, else 0) as a number, so a dashboard can average it per segment — the alert rate by
 * department or country (the Overview's "Alert rate by segment" panel). A decorator around the
 * document sink: the scoring path does not change, and documents without an entity (status
 * records) pass through untouched.
 *
 * With pseudonymisation the documents carry tokens, so the lookup's values are tokenised with the
 * same key first: the join still holds and no raw name is kept beyond the lookup file itself.
 */
import { segmentOfWindow, SegmentLookup } from '../anomaly/segment.js';
import type { FairnessConfig } from '../config/fairness.js';
import type { WriteItem, WriteReport } from './anomaly-writer.js';
import type { DocumentSink } from './job-runner.js';

/** What the sink reads of an anomaly document (src/anomaly/document.ts). */
interface SegmentableDoc {
  related?: { user?: string[]; hosts?: string[] };
  vigil?: { entity?: { field: string; value: string }; is_alert?: boolean; segment?: { by: string; value: string; alerted: number } };
}

export class SegmentingSink implements DocumentSink {
  constructor(
    private readonly inner: DocumentSink,
    private readonly by: string,
    private readonly lookup: SegmentLookup,
  ) {}

  async write(items: readonly WriteItem[]): Promise<WriteReport> {
    return this.inner.write(items.map((item) => this.withSegment(item)));
  }

  private withSegment(item: WriteItem): WriteItem {
    const doc = item.doc as SegmentableDoc;
    const entity = doc.vigil?.entity;
    if (!doc.vigil || !entity) return item;
    const value = segmentOfWindow(
      { entityField: entity.field, entity: entity.value, related: { user: doc.related?.user ?? [], hosts: doc.related?.hosts ?? [] } },
      this.by,
      this.lookup,
    );
    const vigil = { ...doc.vigil, segment: { by: this.by, value, alerted: doc.vigil.is_alert ? 1 : 0 } };
    return { ...item, doc: { ...doc, vigil } };
  }
}

/**
 * The sink with segments when `fairness:` is set, else `inner` itself. `tokenise` maps a lookup
 * value to what documents carry (the pseudonymiser's token when the field is pseudonymised).
 */
export function segmentingSinkFor(
  inner: DocumentSink,
  fairness: FairnessConfig | undefined,
  tokenise?: (field: string, value: string) => string,
): DocumentSink {
  if (!fairness) return inner;
  const lookup = SegmentLookup.loadSync(fairness.lookup);
  return new SegmentingSink(inner, fairness.by, tokenise ? lookup.mapValues(tokenise) : lookup);
}
