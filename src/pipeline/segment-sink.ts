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
import { durationMs } from '../config/duration.js';
import type { FairnessInput } from '../config/fairness.js';
import type { Engine } from '../engine/engine.js';
import { refreshingRead } from '../engine/refreshing-read.js';
import type { Logger } from '../log.js';
import type { WriteItem, WriteReport } from './anomaly-writer.js';
import type { DocumentSink } from './job-runner.js';

/** What the sink reads of an anomaly document (src/anomaly/document.ts). */
interface SegmentableDoc {
  related?: { user?: string[]; hosts?: string[] };
  vigil?: { entity?: { field: string; value: string }; is_alert?: boolean; segment?: { by: string; value: string; alerted: number } };
}

/** Where the sink's lookup comes from: loaded once (a file), or read from the cluster now and then. */
export type LookupSource = SegmentLookup | (() => Promise<SegmentLookup | undefined>);

export class SegmentingSink implements DocumentSink {
  constructor(
    private readonly inner: DocumentSink,
    private readonly by: string,
    private readonly lookup: LookupSource,
  ) {}

  async write(items: readonly WriteItem[]): Promise<WriteReport> {
    const lookup = typeof this.lookup === 'function' ? await this.lookup() : this.lookup;
    // No lookup (its index could not be read yet): the documents are written without a segment, never held back.
    return this.inner.write(lookup ? items.map((item) => this.withSegment(item, lookup)) : items);
  }

  private withSegment(item: WriteItem, lookup: SegmentLookup): WriteItem {
    const doc = item.doc as SegmentableDoc;
    const entity = doc.vigil?.entity;
    if (!doc.vigil || !entity) return item;
    const value = segmentOfWindow(
      { entityField: entity.field, entity: entity.value, related: { user: doc.related?.user ?? [], hosts: doc.related?.hosts ?? [] } },
      this.by,
      lookup,
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
  fairness: FairnessInput | undefined,
  tokenise?: (field: string, value: string) => string,
  cluster?: { readonly engine: Engine; readonly log: Logger; readonly now?: () => number },
): DocumentSink {
  if (!fairness) return inner;
  const tokens = (lookup: SegmentLookup): SegmentLookup => (tokenise ? lookup.mapValues(tokenise) : lookup);
  if (fairness.lookup !== undefined) return new SegmentingSink(inner, fairness.by, tokens(SegmentLookup.loadSync(fairness.lookup)));
  const index = fairness.lookup_index ?? '';
  if (!cluster)
    throw new Error(`fairness.lookup_index: ${index} is read from the cluster; this command has none (use fairness.lookup, a file)`);
  return new SegmentingSink(
    inner,
    fairness.by,
    indexLookup(index, durationMs(fairness.lookup_refresh ?? DEFAULT_LOOKUP_REFRESH), tokens, cluster),
  );
}

/** How often a lookup index is read again when the configuration does not say. */
const DEFAULT_LOOKUP_REFRESH = '1h';

/** Rows read from the lookup index at most (a directory export larger than this is an error). */
export const MAX_LOOKUP_ROWS = 1_000_000;

/** Reads every row of a lookup index; an invalid document is an error naming its id. */
export async function readLookupIndex(engine: Engine, index: string): Promise<SegmentLookup> {
  const lookup = new SegmentLookup();
  for await (const page of engine.stream({ index, fields: ['field', 'value', 'attributes'], sort: [], pageSize: 5_000 })) {
    for (const hit of page) lookup.addRow(hit.source, `fairness.lookup_index ${index} document ${hit.id}`, 'document');
    if (lookup.size > MAX_LOOKUP_ROWS) throw new Error(`fairness.lookup_index: ${index} holds more than ${MAX_LOOKUP_ROWS} rows`);
  }
  return lookup;
}

/**
 * The lookup from an index: read at the first write and again once `refreshMs` has passed. A failed
 * read is logged; the last rows read stay in use (none before the first success: documents are then
 * written without a segment), and it is tried again at the next write after a minute.
 */
function indexLookup(
  index: string,
  refreshMs: number,
  tokens: (lookup: SegmentLookup) => SegmentLookup,
  cluster: { readonly engine: Engine; readonly log: Logger; readonly now?: () => number },
): () => Promise<SegmentLookup | undefined> {
  return refreshingRead({
    read: async () => {
      const read = await readLookupIndex(cluster.engine, index);
      cluster.log.info({ index, rows: read.size }, 'fairness lookup read from the cluster');
      return tokens(read);
    },
    refreshMs,
    retryMs: 60_000,
    ...(cluster.now ? { now: cluster.now } : {}),
    onError: (error, kept) =>
      cluster.log.error(
        { index, err: error instanceof Error ? error.message : String(error) },
        kept
          ? 'fairness lookup index unreadable: segments keep the rows read last'
          : 'fairness lookup index unreadable: documents are written without a segment until it can be read',
      ),
  });
}
