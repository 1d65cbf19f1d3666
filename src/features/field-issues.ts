/**
 * Tally of events whose fields were missing or mistyped, per field. Events with such fields are
 * never thrown away silently and never crash a run: the field is treated as absent for that event
 * and the tally travels with the window result into the run summary.
 */

export interface FieldIssueCount {
  /** Events in scope without a value for the field (absent, null or empty array). */
  missing: number;
  /** Events whose value could not be used (e.g. "abc" in a numeric field, an object where a term is expected). */
  mistyped: number;
  /** One offending value (truncated), to make the summary actionable. */
  example?: string;
}

export type FieldIssueSummary = Record<string, FieldIssueCount>;

export class FieldIssues {
  private readonly counts = new Map<string, FieldIssueCount>();

  missing(field: string, n = 1): void {
    if (n > 0) this.entry(field).missing += n;
  }

  mistyped(field: string, value?: unknown, n = 1): void {
    if (n <= 0) return;
    const e = this.entry(field);
    e.mistyped += n;
    if (e.example === undefined && value !== undefined) e.example = describe(value);
  }

  /** Adds another tally (e.g. of the next window) into this one. */
  merge(other: FieldIssues | FieldIssueSummary): this {
    const entries = other instanceof FieldIssues ? other.counts.entries() : Object.entries(other);
    for (const [field, c] of entries) {
      const e = this.entry(field);
      e.missing += c.missing;
      e.mistyped += c.mistyped;
      if (e.example === undefined && c.example !== undefined) e.example = c.example;
    }
    return this;
  }

  get(field: string): FieldIssueCount {
    const c = this.counts.get(field);
    return c ? { ...c } : { missing: 0, mistyped: 0 };
  }

  /** True when nothing was counted. */
  get empty(): boolean {
    return this.counts.size === 0;
  }

  /** Plain object, fields sorted, zero entries left out: what the run summary prints and stores. */
  toJSON(): FieldIssueSummary {
    const out: FieldIssueSummary = {};
    for (const field of [...this.counts.keys()].sort()) {
      const c = this.counts.get(field)!;
      if (c.missing === 0 && c.mistyped === 0) continue;
      out[field] = { ...c };
    }
    return out;
  }

  private entry(field: string): FieldIssueCount {
    let e = this.counts.get(field);
    if (!e) {
      e = { missing: 0, mistyped: 0 };
      this.counts.set(field, e);
    }
    return e;
  }
}

function describe(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** "3.1 %" (one decimal, "<0.1 %" for a non-zero sliver). */
export function share(part: number, whole: number): string {
  if (whole <= 0) return '0 %';
  const pct = (100 * part) / whole;
  return part > 0 && pct < 0.1 ? '<0.1 %' : `${pct.toFixed(1)} %`;
}
