/**
 * The static-rules baseline: the ElastAlert2 rule pack (rules/elastalert2, rule-pack.ts) applied
 * to the events with ElastAlert2's own semantics, so the `rules` column of `vigil eval` is what a
 * SOC running that pack would get — the same rules `npm run bench:peers` runs in ElastAlert2 itself.
 *
 * Semantics followed (elastalert/ruletypes.py, 2.x), for a historical run from `start` to `end`:
 * - events after `start` are read in time order, in segments of `buffer_time` (45 min), as
 *   `elastalert --start` queries them; each segment ends with the rule's garbage collection;
 * - frequency: per query_key a window of events spanning less than `timeframe`; a match when it
 *   holds `num_events`, which empties the window;
 * - cardinality: per query_key the last time of each value of `cardinality_field`; a match when
 *   more than `max_cardinality` values were seen within `timeframe` (every such event matches);
 * - new_term: the values (or value tuples) seen in [start − terms_window_size, start) are known;
 *   each unseen value after `start` is a match and becomes known;
 * - spike: a current and a reference window of `timeframe` per query_key; a match when
 *   cur ≥ ref · spike_height (up) with cur ≥ threshold_cur and ref ≥ threshold_ref, once the key
 *   has 2 × timeframe of data; the reference window is cleared after a match; placeholders at
 *   segment ends age the windows, as ElastAlert2's garbage collection does;
 * - any: every event matches;
 * - off_hours (the pack's match enhancement): matches Monday–Friday in [day_start, day_end) local
 *   time are dropped.
 * `realert` is not applied: ElastAlert2 measures it on the wall clock, which a backfill compresses
 * to seconds; the analyst-level count (one alert per rule·entity and day) replaces it.
 *
 * For ranking metrics a window needs a score: the number of distinct pack rules that matched the
 * window's entity inside it (0 = none). A rule engine cannot rank further; ties go to the earlier
 * window, as the evaluation breaks every tie.
 */
import type { JobConfig } from '../config/job.js';
import type { JsonObject } from '../engine/engine.js';
import { getPath, parseEventTime } from '../features/event.js';
import { PRESETS } from '../features/presets.js';
import { compileFilter, ecsTypeOf, type EventPredicate } from '../features/query-filter.js';
import type { JobPlan } from '../pipeline/job-plan.js';
import { loadRulePack, timedeltaMs, type PackRule, type PackRuleConfig } from './rule-pack.js';
import { windowKey } from './scored-window.js';

/** ElastAlert2's default buffer_time: the size of the segments a historical run queries. */
export const BUFFER_TIME_MS = 45 * 60_000;

export interface StaticRule {
  readonly name: string;
  /** ElastAlert2 rule type. */
  readonly type: PackRuleConfig['type'];
  readonly description: string;
  /** The number that fires it: num_events, max_cardinality + 1, spike_height, 1 for new_term / any. */
  readonly threshold: number;
  readonly queryKey: string;
}

export interface RuleMatch {
  readonly rule: string;
  /** The query_key value (the entity). */
  readonly key: string;
  readonly ts: number;
  readonly doc: JsonObject;
}

function summary(r: PackRule): StaticRule {
  const c = r.config;
  const threshold =
    c.type === 'frequency' ? c.num_events : c.type === 'cardinality' ? c.max_cardinality + 1 : c.type === 'spike' ? c.spike_height : 1;
  return { name: c.name, type: c.type, description: c.description, threshold, queryKey: c.query_key };
}

const termValue = (v: unknown): string | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  if (Array.isArray(v)) return v.length ? v.map(String).join(',') : undefined;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

/** Local weekday (1 = Monday … 7 = Sunday) and hour of an instant in a time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();
export function localWeekdayHour(ts: number, tz: string): { weekday: number; hour: number } {
  let f = formatters.get(tz);
  if (!f) formatters.set(tz, (f = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: 'numeric', hourCycle: 'h23' })));
  let weekday = 0;
  let hour = 0;
  for (const p of f.formatToParts(new Date(ts))) {
    if (p.type === 'weekday') weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.value) + 1;
    if (p.type === 'hour') hour = Number(p.value) % 24;
  }
  return { weekday, hour };
}

/** The pack's off-hours enhancement: true when the instant is outside office hours. */
export function isOffHours(ts: number, spec: { tz: string; day_start: number; day_end: number }): boolean {
  const { weekday, hour } = localWeekdayHour(ts, spec.tz);
  return weekday >= 6 || hour < spec.day_start || hour >= spec.day_end;
}

/** (event, count) in time order, as ElastAlert2's EventWindow; `onRemoved` hears what falls out. */
class EventWindow {
  data: { ts: number; count: number; doc: JsonObject }[] = [];
  running = 0;
  constructor(
    private readonly timeframe: number,
    private readonly onRemoved?: (e: { ts: number; count: number; doc: JsonObject }) => void,
  ) {}

  clear(): void {
    this.data = [];
    this.running = 0;
  }

  append(e: { ts: number; count: number; doc: JsonObject }): void {
    let i = this.data.length;
    while (i > 0 && this.data[i - 1].ts > e.ts) i--;
    this.data.splice(i, 0, e);
    this.running += e.count;
    while (this.data.length && this.data[this.data.length - 1].ts - this.data[0].ts >= this.timeframe) {
      const oldest = this.data.shift();
      if (!oldest) break;
      this.running -= oldest.count;
      this.onRemoved?.(oldest);
    }
  }
}

/** One rule's state machine. */
interface RuleState {
  /** Rule filter accepts the event (checked by the runner). */
  add(doc: JsonObject, ts: number, key: string): void;
  /** End of a query segment. */
  collect(ts: number): void;
}

class Frequency implements RuleState {
  private readonly windows = new Map<string, EventWindow>();
  constructor(
    private readonly c: Extract<PackRuleConfig, { type: 'frequency' }>,
    private readonly match: (doc: JsonObject, ts: number, key: string) => void,
  ) {}

  add(doc: JsonObject, ts: number, key: string): void {
    const tf = timedeltaMs(this.c.timeframe);
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = new EventWindow(tf)));
    w.append({ ts, count: 1, doc });
    if (w.running >= this.c.num_events) {
      const last = w.data[w.data.length - 1];
      this.match(last.doc, last.ts, key);
      this.windows.delete(key);
    }
  }

  collect(ts: number): void {
    const tf = timedeltaMs(this.c.timeframe);
    for (const [key, w] of this.windows) if (w.data.length && ts - w.data[w.data.length - 1].ts > tf) this.windows.delete(key);
  }
}

class Cardinality implements RuleState {
  private readonly cache = new Map<string, Map<string, number>>();
  constructor(
    private readonly c: Extract<PackRuleConfig, { type: 'cardinality' }>,
    private readonly match: (doc: JsonObject, ts: number, key: string) => void,
  ) {}

  add(doc: JsonObject, ts: number, key: string): void {
    const value = termValue(getPath(doc, this.c.cardinality_field));
    if (value === undefined) return;
    let values = this.cache.get(key);
    if (!values) this.cache.set(key, (values = new Map<string, number>()));
    values.set(value, ts);
    if (values.size > this.c.max_cardinality) {
      this.collect(ts);
      if ((this.cache.get(key)?.size ?? 0) > this.c.max_cardinality) this.match(doc, ts, key);
    }
  }

  collect(ts: number): void {
    const tf = timedeltaMs(this.c.timeframe);
    for (const values of this.cache.values()) for (const [v, last] of values) if (ts - last > tf) values.delete(v);
  }
}

class NewTerm implements RuleState {
  /** Per field (or field tuple, joined by \u0000), the known values. */
  private readonly seen = new Map<string, Set<string>>();
  private readonly fields: string[][];
  constructor(
    c: Extract<PackRuleConfig, { type: 'new_term' }>,
    private readonly match: (doc: JsonObject, ts: number, key: string) => void,
  ) {
    this.fields = c.fields.map((f) => (Array.isArray(f) ? f : [f]));
    for (const f of this.fields) this.seen.set(f.join('\u0000'), new Set());
  }

  private valueOf(doc: JsonObject, field: readonly string[]): string | undefined {
    const parts: string[] = [];
    for (const f of field) {
      const v = termValue(getPath(doc, f));
      if (v === undefined) return undefined;
      parts.push(v);
    }
    return parts.join('\u0000');
  }

  /** An event of the history window. */
  learn(doc: JsonObject): void {
    for (const f of this.fields) {
      const v = this.valueOf(doc, f);
      if (v !== undefined) this.seen.get(f.join('\u0000'))?.add(v);
    }
  }

  add(doc: JsonObject, ts: number, key: string): void {
    for (const f of this.fields) {
      const v = this.valueOf(doc, f);
      const known = this.seen.get(f.join('\u0000'));
      if (v === undefined || !known || known.has(v)) continue;
      known.add(v);
      this.match(doc, ts, key);
    }
  }

  collect(): void {
    // matches are recorded as they happen; nothing is pending at the end
  }
}

class Spike implements RuleState {
  private readonly ref = new Map<string, EventWindow>();
  private readonly cur = new Map<string, EventWindow>();
  private readonly first = new Map<string, number>();
  constructor(
    private readonly c: Extract<PackRuleConfig, { type: 'spike' }>,
    private readonly match: (doc: JsonObject, ts: number, key: string) => void,
  ) {}

  add(doc: JsonObject, ts: number, key: string): void {
    this.handle(doc, ts, 1, key);
  }

  private handle(doc: JsonObject, ts: number, count: number, key: string): void {
    const tf = timedeltaMs(this.c.timeframe);
    if (!this.first.has(key)) this.first.set(key, ts);
    let ref = this.ref.get(key);
    if (!ref) this.ref.set(key, (ref = new EventWindow(tf)));
    let cur = this.cur.get(key);
    const refWindow = ref;
    if (!cur) this.cur.set(key, (cur = new EventWindow(tf, (e) => refWindow.append(e))));
    cur.append({ ts, count, doc });
    // Without alert_on_new_data, a key alerts only once it has 2 × timeframe of data.
    if (ts - (this.first.get(key) ?? ts) < 2 * tf) return;
    if (!this.spikes(ref.running, cur.running)) return;
    const m = cur.data.find((e) => e.count > 0) ?? cur.data[cur.data.length - 1];
    this.match(m.doc, m.ts, key);
    ref.clear();
    this.first.delete(key);
  }

  private spikes(ref: number, cur: number): boolean {
    if (cur < (this.c.threshold_cur ?? 0) || ref < (this.c.threshold_ref ?? 0)) return false;
    const up = cur >= ref * this.c.spike_height;
    const down = cur <= ref / this.c.spike_height;
    return (
      ((this.c.spike_type === 'up' || this.c.spike_type === 'both') && up) ||
      ((this.c.spike_type === 'down' || this.c.spike_type === 'both') && down)
    );
  }

  /** ElastAlert2 ages the windows with a zero-count placeholder event per key at each segment end. */
  collect(ts: number): void {
    for (const key of [...this.cur.keys()]) {
      if ((this.ref.get(key)?.running ?? 0) === 0 && (this.cur.get(key)?.running ?? 0) === 0) {
        this.cur.delete(key);
        this.ref.delete(key);
        continue;
      }
      this.handle({ '@timestamp': new Date(ts).toISOString(), placeholder: true }, ts, 0, key);
    }
  }
}

class AnyRule implements RuleState {
  constructor(private readonly match: (doc: JsonObject, ts: number, key: string) => void) {}
  add(doc: JsonObject, ts: number, key: string): void {
    this.match(doc, ts, key);
  }
  collect(): void {
    // matches are recorded as they happen; nothing is pending at the end
  }
}

interface Active {
  readonly rule: PackRule;
  readonly filter: EventPredicate;
  readonly state: RuleState;
  readonly historyFrom: number;
}

const typeOf = ecsTypeOf;

/**
 * Runs a rule pack over events fed in time order, the way `elastalert --start start --end end`
 * does: history events (before `start`) only teach new_term rules; later events go through the
 * rules segment by segment; `finish(end)` closes the last segment.
 */
export class RulePackRunner {
  readonly matches: RuleMatch[] = [];
  private readonly active: Active[];
  private segmentEnd: number;

  constructor(
    rules: readonly PackRule[],
    private readonly start: number,
    private readonly segmentMs = BUFFER_TIME_MS,
  ) {
    this.segmentEnd = start + segmentMs;
    this.active = rules.map((rule) => {
      const c = rule.config;
      const emit = (doc: JsonObject, ts: number, key: string): void => {
        if (c.off_hours && !isOffHours(ts, c.off_hours)) return;
        this.matches.push({ rule: c.name, key, ts, doc });
      };
      const state: RuleState =
        c.type === 'frequency'
          ? new Frequency(c, emit)
          : c.type === 'cardinality'
            ? new Cardinality(c, emit)
            : c.type === 'new_term'
              ? new NewTerm(c, emit)
              : c.type === 'spike'
                ? new Spike(c, emit)
                : new AnyRule(emit);
      const historyFrom = c.type === 'new_term' ? start - timedeltaMs(c.terms_window_size) : start;
      return { rule, filter: compileFilter(rule.query, typeOf), state, historyFrom };
    });
  }

  /** One event (time order). Events at or before `start` are history; an event exactly at `start` is in neither (ElastAlert2's ranges). */
  add(doc: JsonObject, ts: number): void {
    if (ts < this.start) {
      for (const a of this.active) if (a.state instanceof NewTerm && ts >= a.historyFrom && a.filter(doc)) a.state.learn(doc);
      return;
    }
    if (ts === this.start) return;
    // Segments are (s, s + buffer]: close every segment that ends before this event.
    while (ts > this.segmentEnd) {
      for (const a of this.active) a.state.collect(this.segmentEnd);
      this.segmentEnd += this.segmentMs;
    }
    for (const a of this.active) {
      if (!a.filter(doc)) continue;
      const key = termValue(getPath(doc, a.rule.config.query_key)) ?? '_missing';
      a.state.add(doc, ts, key);
    }
  }

  /** Closes the run at `end` (events after it must not be added). */
  finish(end: number): RuleMatch[] {
    while (this.segmentEnd < end) {
      for (const a of this.active) a.state.collect(this.segmentEnd);
      this.segmentEnd += this.segmentMs;
    }
    for (const a of this.active) a.state.collect(end);
    return this.matches;
  }
}

/** Runs the pack over time-ordered documents (tests and small inputs). */
export function runRulePack(
  rules: readonly PackRule[],
  docs: Iterable<JsonObject>,
  start: number,
  end: number,
  timeField = '@timestamp',
): RuleMatch[] {
  const runner = new RulePackRunner(rules, start);
  for (const doc of docs) {
    const ts = parseEventTime(getPath(doc, timeField));
    if (ts !== undefined && ts <= end) runner.add(doc, ts);
  }
  return runner.finish(end);
}

/** Whether a rule's matches belong to a job's windows: same entity field, and the job reads the rule's events. */
export interface RuleJobLink {
  readonly jobId: string;
  readonly entityField: string;
  readonly accepts: EventPredicate;
  readonly windowMs: number;
  readonly slideMs: number;
}

export function ruleJobLink(plan: JobPlan): RuleJobLink {
  return {
    jobId: plan.job.id,
    entityField: plan.resolved.entityFields[0],
    accepts: compileFilter(plan.resolved.filter, typeOf),
    windowMs: plan.spec.windowMs,
    slideMs: plan.spec.slideMs,
  };
}

/**
 * Per entity-window (windowKey of job, entity, window start), the number of distinct rules that
 * matched the window's entity inside it. A match counts for a job when the rule's query_key is the
 * job's entity field and the job reads the matching event.
 */
export function ruleWindowScores(
  matches: readonly RuleMatch[],
  rules: readonly PackRule[],
  links: readonly RuleJobLink[],
): Map<string, number> {
  const keyField = new Map(rules.map((r) => [r.config.name, r.config.query_key]));
  const fired = new Map<string, Set<string>>();
  for (const m of matches) {
    for (const link of links) {
      if (keyField.get(m.rule) !== link.entityField || !link.accepts(m.doc)) continue;
      // Every window [s, s + window) with s on the slide grid that holds the match.
      for (let s = Math.floor(m.ts / link.slideMs) * link.slideMs; s + link.windowMs > m.ts; s -= link.slideMs) {
        const k = windowKey(link.jobId, m.key, s);
        let set = fired.get(k);
        if (!set) fired.set(k, (set = new Set()));
        set.add(m.rule);
      }
    }
  }
  return new Map([...fired].map(([k, s]) => [k, s.size]));
}

let packCache: PackRule[] | undefined;

/** The shipped pack (read once). */
export function shippedRulePack(): PackRule[] {
  packCache ??= loadRulePack();
  return packCache;
}

/** The pack's rules that can fire on a job's windows (same entity field), for reports. */
export function rulesForJob(job: Pick<JobConfig, 'preset' | 'entity_fields'>, pack: readonly PackRule[] = shippedRulePack()): StaticRule[] {
  const field = job.entity_fields?.[0] ?? (job.preset ? PRESETS[job.preset].entityFields[0] : undefined);
  return pack.filter((r) => field === undefined || r.config.query_key === field).map(summary);
}
