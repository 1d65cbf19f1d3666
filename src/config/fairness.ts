import { z } from 'zod';
import { durationSchema } from './job.js';

/**
 * `fairness:` — the attribute anomaly documents are segmented by (`vigil.segment`, the dashboards'
 * "Alert rate by segment" panel) and the lookup it comes from (src/anomaly/segment.ts).
 */
export const fairnessSchema = z
  .strictObject({
    /** Attribute of the lookup rows, e.g. department, country, site. */
    by: z.string().min(1),
    /** NDJSON enrichment file: {"field":"user.name","value":"alice","attributes":{"department":"finance"}} per line. */
    lookup: z.string().min(1).optional(),
    /**
     * The same rows as documents of an index (an identity-directory export kept in the cluster),
     * read when the first documents are written and again every `lookup_refresh`.
     */
    lookup_index: z.string().min(1).optional(),
    lookup_refresh: durationSchema.default('1h'),
  })
  .refine((f) => (f.lookup === undefined) !== (f.lookup_index === undefined), {
    error: 'set exactly one of lookup (an NDJSON file) and lookup_index (an index holding the same rows)',
    path: ['lookup'],
  });

export type FairnessConfig = z.infer<typeof fairnessSchema>;
/** As written (defaults not yet applied). */
export type FairnessInput = z.input<typeof fairnessSchema>;
