/**
 * Weak supervision from lists: watch-lists, allow-lists and IOC lists as soft labels.
 *
 * Each list names what it matches (entities or related values of any field, IP addresses and
 * CIDR ranges, process names, destinations) and a weight w ∈ [0, 1]:
 * - `watch` and `ioc` raise a matching window's fused score by w · `shift` (default 3 standard
 *   deviations at w = 1): a watched account is looked at sooner, an IOC hit nearly always;
 * - `allow` lowers it by the same amount: known-benign noise (backup agents, vulnerability
 *   scanners, monitoring pollers — examples shipped in examples/lists/) stays out of the budget but
 *   is never silently dropped: its documents are written with the list named.
 * As a label y* the list says "attack" with probability w (watch, ioc) or "benign" with probability
 * w (allow); the pipeline records every applied list on the document.
 */
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { resolve } from 'node:path';
import type { ListSpec } from '../config/lists.js';
import type { Engine } from '../engine/engine.js';
import { getPath } from '../features/event.js';

export type { ListSpec };

export interface ListWindow {
  readonly entityField: string;
  readonly entityValue: string;
  /** Window end, epoch ms. */
  readonly end: number;
  /** Field → values seen in the window (related.ip/user/hosts, categorical fields). */
  readonly values: Readonly<Record<string, readonly string[]>>;
}

export interface ListHit {
  readonly list: string;
  readonly kind: ListSpec['kind'];
  readonly weight: number;
  readonly field: string;
  readonly value: string;
  readonly reason: string;
}

export interface SoftLabel {
  /** Added to the fused score (z scale). */
  readonly shift: number;
  readonly hits: readonly ListHit[];
}

interface CompiledList {
  readonly spec: ListSpec;
  readonly values: ReadonlySet<string>;
  readonly ranges: BlockList | undefined;
  readonly expires: number;
}

export class SoftLabeller {
  private readonly lists: readonly CompiledList[];

  /** @param shift z-units a weight-1 list moves the fused score (default 3). */
  constructor(
    specs: readonly ListSpec[],
    private readonly shift = 3,
  ) {
    this.lists = specs.map((spec) => ({
      spec,
      values: new Set(spec.values),
      ranges: compileRanges(spec),
      expires: spec.expires ? Date.parse(spec.expires) : Infinity,
    }));
  }

  get size(): number {
    return this.lists.length;
  }

  /** The lists matching a window and the shift they add up to (each list counts once, at its strongest hit). */
  label(window: ListWindow): SoftLabel {
    const hits: ListHit[] = [];
    const candidates: [string, string][] = [[window.entityField, window.entityValue]];
    for (const [field, values] of Object.entries(window.values)) for (const v of values) candidates.push([field, v]);
    for (const list of this.lists) {
      if (list.expires <= window.end) continue;
      const hit = candidates.find(([field, value]) => (!list.spec.fields || list.spec.fields.includes(field)) && matches(list, value));
      if (hit)
        hits.push({
          list: list.spec.name,
          kind: list.spec.kind,
          weight: list.spec.weight,
          field: hit[0],
          value: hit[1],
          reason: list.spec.reason,
        });
    }
    const shift = hits.reduce((sum, h) => sum + (h.kind === 'allow' ? -1 : 1) * h.weight * this.shift, 0);
    return { shift, hits };
  }
}

function matches(list: CompiledList, value: string): boolean {
  if (list.values.has(value)) return true;
  if (!list.ranges) return false;
  const family = isIP(value);
  return family !== 0 && list.ranges.check(value, family === 4 ? 'ipv4' : 'ipv6');
}

function compileRanges(spec: ListSpec): BlockList | undefined {
  if (spec.cidrs.length === 0) return undefined;
  const block = new BlockList();
  for (const cidr of spec.cidrs) {
    const [net, bits] = cidr.split('/');
    const family = isIP(net);
    if (family === 0) throw new RangeError(`lists[${spec.name}].cidrs: "${cidr}" is not an IP range (expected e.g. 10.20.0.0/24)`);
    block.addSubnet(net, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  }
  return block;
}

/** Reads each list's `values_file` (one value per line, `#` comments) into its values. */
export function loadLists(specs: readonly ListSpec[], baseDir: string): ListSpec[] {
  return specs.map((spec) => {
    if (!spec.values_file) return spec;
    const path = resolve(baseDir, spec.values_file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`lists[${spec.name}].values_file: cannot read ${path} (${error instanceof Error ? error.message : String(error)})`, {
        cause: error,
      });
    }
    const lines = text
      .split(/\r?\n/)
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean);
    return withValues(spec, lines);
  });
}

/** Splits list values into exact values and CIDR ranges (a value with "/"). */
function withValues(spec: ListSpec, values: readonly string[]): ListSpec {
  return {
    ...spec,
    values: [...spec.values, ...values.filter((v) => !v.includes('/'))],
    cidrs: [...spec.cidrs, ...values.filter((v) => v.includes('/'))],
  };
}

/**
 * The values of one list's `values_index`: `field` of every document (strings, or arrays of them),
 * trimmed, duplicates once. A document without the field is counted in `missing`; more values
 * than `max_values` is an error naming the list (nothing is silently cut).
 */
export async function readIndexValues(engine: Engine, spec: ListSpec): Promise<{ values: string[]; missing: number }> {
  const source = spec.values_index;
  if (!source) return { values: [], missing: 0 };
  const values = new Set<string>();
  let missing = 0;
  let tooMany = false;
  try {
    // No sort field: the index's own mapping is the SOC's (a text field cannot be sorted on); the
    // point in time's tiebreaker pages it.
    for await (const page of engine.stream({ index: source.index, fields: [source.field], sort: [], pageSize: 5_000 })) {
      for (const hit of page) {
        const raw = getPath(hit.source, source.field);
        const found = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
        if (found.length === 0) missing++;
        for (const v of found) values.add(v.trim());
      }
      // Stop reading (the stream closes its point in time): the list is refused as a whole.
      tooMany = values.size > source.max_values;
      if (tooMany) break;
    }
  } catch (error) {
    throw new Error(
      `lists[${spec.name}].values_index: cannot read ${source.index} (${error instanceof Error ? error.message : String(error)})`,
      {
        cause: error,
      },
    );
  }
  if (tooMany)
    throw new Error(
      `lists[${spec.name}].values_index: ${source.index} holds more than max_values (${source.max_values}) values in ${source.field} — raise max_values or split the list`,
    );
  return { values: [...values].sort(), missing };
}

/**
 * The lists with the values of their `values_index` added (lists without one as they are). Throws,
 * naming the list, when an index cannot be read or holds too many values; the pass keeps the last
 * lists it read (analyst-pass.ts).
 */
export async function withIndexLists(
  engine: Engine,
  specs: readonly ListSpec[],
): Promise<{ lists: ListSpec[]; missing: { list: string; documents: number }[] }> {
  const missing: { list: string; documents: number }[] = [];
  const lists: ListSpec[] = [];
  for (const spec of specs) {
    if (!spec.values_index) {
      lists.push(spec);
      continue;
    }
    const read = await readIndexValues(engine, spec);
    if (read.missing > 0) missing.push({ list: spec.name, documents: read.missing });
    lists.push(withValues(spec, read.values));
  }
  return { lists, missing };
}
