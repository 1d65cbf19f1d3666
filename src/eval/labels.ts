/**
 * Attack labels: one JSON object a line, the format every labelled data set uses —
 *   {"scenario":"password_spray","technique":"T1110.003","entity":{"field":"source.ip","value":"203.0.113.7"},
 *    "start":"2026-03-02T01:00:00Z","end":"2026-03-02T03:00:00Z"}
 * and the rule that decides which scored entity-windows they make positive.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';

const isoInstant = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s) && Number.isFinite(Date.parse(s)), {
    error: 'an ISO-8601 instant with a zone, e.g. 2026-03-02T01:00:00Z',
  });

/** Unknown extra keys are allowed (other data sets may carry ids or notes) and ignored. */
export const labelSchema = z
  .object({
    scenario: z.string().min(1, 'name the scenario, e.g. "password_spray"'),
    technique: z
      .string()
      .regex(/^T\d{4}(\.\d{3})?$/, 'an ATT&CK technique id such as T1110.003')
      .optional(),
    entity: z.object({
      field: z.string().min(1, 'the entity field, e.g. "user.name" or "source.ip"'),
      value: z.string().min(1),
    }),
    start: isoInstant,
    end: isoInstant,
  })
  .refine((l) => Date.parse(l.end) >= Date.parse(l.start), { error: 'end must not be before start', path: ['end'] });

export type LabelRecord = z.infer<typeof labelSchema>;

/** A label with its interval parsed, and the attack instance it belongs to. */
export interface Label {
  readonly scenario: string;
  readonly technique: string;
  readonly field: string;
  readonly value: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Position in the labels file (0-based). */
  readonly index: number;
  /**
   * Labels of one attack share scenario, technique, start and end (e.g. the attacker's IP and the
   * victim account of one brute force); an attack counts as caught when any of its labels is.
   */
  readonly attack: string;
}

export function toLabel(record: LabelRecord, index: number): Label {
  const startMs = Date.parse(record.start);
  const endMs = Date.parse(record.end);
  const technique = record.technique ?? 'unknown';
  return {
    scenario: record.scenario,
    technique,
    field: record.entity.field,
    value: record.entity.value,
    startMs,
    endMs,
    index,
    attack: `${record.scenario}|${technique}|${startMs}|${endMs}`,
  };
}

/** Parses label lines; a bad line fails with its line number and the field at fault. */
export function parseLabels(lines: Iterable<string>, source = 'labels'): Label[] {
  const labels: Label[] = [];
  let lineNo = 0;
  for (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (!line) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new Error(`${source}:${lineNo}: not JSON — each line must be one label object`);
    }
    const parsed = labelSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${source}:${lineNo}: ${issue.path.join('.') || '(label)'}: ${issue.message}`);
    }
    labels.push(toLabel(parsed.data, labels.length));
  }
  return labels;
}

export async function readLabels(path: string): Promise<Label[]> {
  const lines: string[] = [];
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) lines.push(line);
  return parseLabels(lines, path);
}

/** related.* of an anomaly document. */
export interface RelatedValues {
  readonly ip?: readonly string[];
  readonly user?: readonly string[];
  readonly hosts?: readonly string[];
}

/** What the matching rule needs to know about a scored entity-window. */
export interface WindowKey {
  readonly entityValue: string;
  readonly startMs: number;
  readonly endMs: number;
  /** The window's related.ip / related.user / related.hosts. */
  readonly related?: RelatedValues;
}

/** Which related.* list a label's field is compared with: IPs with related.ip, users with related.user, hosts with related.hosts. */
export function relatedKind(field: string): keyof RelatedValues | undefined {
  if (field === 'ip' || field.endsWith('.ip')) return 'ip';
  if (field === 'user.name' || field.endsWith('.user.name')) return 'user';
  if (field === 'host.name' || field === 'host.hostname' || field.endsWith('.host.name')) return 'hosts';
  return undefined;
}

function relatedHas(related: RelatedValues, l: Label): boolean {
  const kind = relatedKind(l.field);
  if (kind) return related[kind]?.includes(l.value) ?? false;
  // A field with no related.* counterpart: any related value will do.
  return Boolean(related.ip?.includes(l.value) || related.user?.includes(l.value) || related.hosts?.includes(l.value));
}

/**
 * The positive rule: the window's entity value equals the label's value, or the value is among
 * the window's related values of the same kind (an IP label in related.ip, a user in
 * related.user, a host in related.hosts), and the window [start, end) overlaps the label's
 * [start, end].
 */
export function matchesLabel(w: WindowKey, l: Label): boolean {
  if (!(w.startMs <= l.endMs && w.endMs > l.startMs)) return false;
  if (w.entityValue === l.value) return true;
  return w.related !== undefined && relatedHas(w.related, l);
}

/**
 * Index of labels by value for fast matching of many windows: windows are matched against the
 * labels sharing one of their values only.
 */
export class LabelIndex {
  private readonly byValue = new Map<string, Label[]>();

  constructor(readonly labels: readonly Label[]) {
    for (const l of labels) {
      const list = this.byValue.get(l.value);
      if (list) list.push(l);
      else this.byValue.set(l.value, [l]);
    }
  }

  /** The labels that make this window positive (empty when it is benign). */
  match(w: WindowKey): Label[] {
    const out: Label[] = [];
    const seen = new Set<number>();
    const r = w.related;
    const values = r ? [w.entityValue, ...(r.ip ?? []), ...(r.user ?? []), ...(r.hosts ?? [])] : [w.entityValue];
    for (const v of values) {
      for (const l of this.byValue.get(v) ?? []) {
        if (!seen.has(l.index) && matchesLabel(w, l)) {
          seen.add(l.index);
          out.push(l);
        }
      }
    }
    return out;
  }
}
