/**
 * Privacy by design at one boundary: a FeatureExecutor decorator that tokenises every identity in
 * the entity-windows the moment they leave the executor. Everything downstream — models and their
 * state, first-seen baselines, relational links, incidents, anomaly documents, explanations,
 * alerts, logs — only ever sees tokens, so no other component needs to know about privacy, and
 * links between entities are unchanged (one value, one token, across fields of the same class).
 *
 * The cluster still filters and aggregates on raw values (the engine holds the events anyway);
 * the first-seen baseline, kept in tokens, is consulted through a view that tokenises the raw value
 * it is asked about.
 *
 * Before a window's result is returned, the tokens it minted are handed to the vault (vault.ts),
 * so a token is never written anywhere before `vigil reveal` can open it.
 */
import {
  DEFAULT_RELATED_FIELDS,
  type EntityWindow,
  type FeatureExecutor,
  type FirstSeenBaseline,
  type RelatedFields,
  type WindowRequest,
  type WindowResult,
} from '../features/executor.js';
import { specFields } from '../config/feature-spec.js';
import type { Pseudonymiser, VaultRecord } from './pseudonymiser.js';

/** Where minted tokens go (the vault index; an array in tests). */
export interface VaultSink {
  store(records: readonly VaultRecord[]): Promise<void>;
}

export interface PrivacyOptions {
  /** Data minimisation: collect into related.* only identities from fields the job itself reads. */
  readonly minimise: boolean;
}

export class PseudonymisingExecutor implements FeatureExecutor {
  constructor(
    private readonly inner: FeatureExecutor,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly vault: VaultSink,
    private readonly options: PrivacyOptions = { minimise: false },
  ) {}

  async computeWindow(request: WindowRequest): Promise<WindowResult> {
    const baseline = request.baseline ? this.tokenisedBaseline(request, request.baseline) : undefined;
    const relatedFields = this.options.minimise ? readRelatedFields(request) : request.relatedFields;
    const result = await this.inner.computeWindow({ ...request, baseline, relatedFields });
    const firstSeenField = new Map(request.features.flatMap((f) => (f.kind === 'first_seen' ? [[f.name, f.field] as const] : [])));
    const windows = result.windows.map((w) => this.window(w, request, firstSeenField));
    const minted = this.pseudonymiser.drainMinted();
    if (minted.length > 0) {
      try {
        await this.vault.store(minted);
      } catch (error) {
        // Not stored: mint them again next time, and fail this window (it is retried as a whole).
        this.pseudonymiser.forget(minted.map((r) => r.token));
        throw error;
      }
    }
    return { windows, fieldIssues: result.fieldIssues };
  }

  private window(w: EntityWindow, request: WindowRequest, firstSeenField: ReadonlyMap<string, string>): EntityWindow {
    const p = this.pseudonymiser;
    const fields = w.entity.fields;
    const entityValues: Record<string, string> = {};
    for (const [field, value] of Object.entries(w.entityValues)) entityValues[field] = p.value(field, value);
    const categorical: Record<string, string[]> = {};
    for (const [field, values] of Object.entries(w.categorical)) categorical[field] = p.values(field, values);
    const firstSeen: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(w.firstSeen)) firstSeen[name] = p.values(firstSeenField.get(name) ?? name, values);
    const related = {
      ip: p.values('related.ip', w.related.ip),
      user: p.values('related.user', w.related.user),
      hosts: p.values('related.hosts', w.related.hosts),
    };
    const sequence = request.sequenceField;
    const actions = w.actions && sequence && p.covers(sequence) ? w.actions.map((a) => p.value(sequence, a)) : w.actions;
    return {
      ...w,
      entity: { fields, value: this.entityToken(fields, w.entity.value) },
      entityValues,
      categorical,
      firstSeen,
      related,
      actions,
      arrivals: this.arrivals(w, request),
    };
  }

  /** "alice" or "alice|10.0.0.1" (one part per entity field), each part tokenised by its field. */
  private entityToken(fields: readonly string[], value: string): string {
    const parts = value.split('|');
    if (parts.length !== fields.length) return this.pseudonymiser.value(fields[0], value);
    return parts.map((v, i) => this.pseudonymiser.value(fields[i], v)).join('|');
  }

  private arrivals(w: EntityWindow, request: WindowRequest): Record<string, number[]> | undefined {
    const field = request.periodicityField;
    if (!w.arrivals || !field || !this.pseudonymiser.covers(field)) return w.arrivals;
    const out: Record<string, number[]> = {};
    for (const [destination, times] of Object.entries(w.arrivals)) out[this.pseudonymiser.value(field, destination)] = times;
    return out;
  }

  /** The stored baseline is in tokens; the executors ask with raw values. */
  private tokenisedBaseline(request: WindowRequest, stored: FirstSeenBaseline): FirstSeenBaseline {
    const p = this.pseudonymiser;
    return {
      seen: (entity, field) => {
        const set = stored.seen(this.entityToken(request.entityFields, entity), field);
        if (!set || !p.covers(field)) return set;
        return tokenView(set, (raw) => p.value(field, raw));
      },
    };
  }
}

/** Data minimisation without pseudonymisation: the inner executor asked for fewer related.* sources. */
export class MinimisingExecutor implements FeatureExecutor {
  constructor(private readonly inner: FeatureExecutor) {}

  computeWindow(request: WindowRequest): Promise<WindowResult> {
    return this.inner.computeWindow({ ...request, relatedFields: readRelatedFields(request) });
  }
}

/** Data minimisation: the related.* sources narrowed to the fields the job reads anyway. */
export function readRelatedFields(request: WindowRequest): RelatedFields {
  const read = new Set<string>([...request.entityFields, ...request.categoricalFields, ...request.features.flatMap(specFields)]);
  if (request.sequenceField) read.add(request.sequenceField);
  if (request.periodicityField) read.add(request.periodicityField);
  const all = request.relatedFields ?? DEFAULT_RELATED_FIELDS;
  return { ip: all.ip.filter((f) => read.has(f)), user: all.user.filter((f) => read.has(f)), hosts: all.hosts.filter((f) => read.has(f)) };
}

/** A read-only set of tokens asked with raw values (the executors only call `has`). */
function tokenView(tokens: ReadonlySet<string>, tokenise: (raw: string) => string): ReadonlySet<string> {
  return {
    has: (raw: string) => tokens.has(tokenise(raw)),
    get size() {
      return tokens.size;
    },
    forEach: (fn: (value: string, key: string, set: ReadonlySet<string>) => void) => tokens.forEach(fn),
    entries: () => tokens.entries(),
    keys: () => tokens.keys(),
    values: () => tokens.values(),
    [Symbol.iterator]: () => tokens[Symbol.iterator](),
  };
}
