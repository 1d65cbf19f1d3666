import { z } from 'zod';

/**
 * `lists:` — watch-, allow- and IOC lists as soft labels (src/feedback/lists.ts), each with a weight
 * in [0, 1]. Values inline, in a file (one per line; a line with "/" is a CIDR range) or in an index.
 */
export const listSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(['watch', 'allow', 'ioc']),
  /** Soft-label strength in [0, 1]. */
  weight: z.number().min(0).max(1),
  /** Fields whose values are matched (entity value, related.*, categorical values); default: any. */
  fields: z.array(z.string().min(1)).optional(),
  /** Exact values (user names, host names, process names, domains, IPs). */
  values: z.array(z.string().min(1)).default([]),
  /** A file of values, one per line (relative to the configuration file). */
  values_file: z.string().min(1).optional(),
  /**
   * Values kept in an index of the cluster (a threat-intel or watch-list index the SOC maintains):
   * `field` of every document, read again every pass, so an edit takes effect on the next one. A
   * value with "/" is a CIDR range.
   */
  values_index: z
    .strictObject({
      index: z.string().min(1),
      field: z.string().min(1),
      /** More values than this is an error at read time (raise it, or split the list). */
      max_values: z.number().int().min(1).max(1_000_000).default(100_000),
    })
    .optional(),
  /** IPv4 / IPv6 ranges, e.g. 10.20.0.0/24. */
  cidrs: z.array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'expected a CIDR range such as 10.20.0.0/24 or fd00::/8')).default([]),
  /** Why the list exists (shown on every document it touches). */
  reason: z.string().default(''),
  /** Optional expiry (ISO date): an IOC list from one campaign should not live for ever. */
  expires: z.iso.datetime().optional(),
});

export type ListSpec = z.infer<typeof listSchema>;

export const listsSchema = z.array(listSchema).default([]);
