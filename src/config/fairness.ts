import { z } from 'zod';

/**
 * `fairness:` — the attribute anomaly documents are segmented by (`vigil.segment`, the dashboards'
 * "Alert rate by segment" panel) and the lookup it comes from (src/anomaly/segment.ts).
 */
export const fairnessSchema = z.strictObject({
  /** Attribute of the lookup rows, e.g. department, country, site. */
  by: z.string().min(1),
  /** NDJSON enrichment file: {"field":"user.name","value":"alice","attributes":{"department":"finance"}} per line. */
  lookup: z.string().min(1),
});

export type FairnessConfig = z.infer<typeof fairnessSchema>;
