/**
 * The event tape: an NDJSON file of events replayed in time order, with bounded memory, to every
 * job of an evaluation at once.
 *
 * 1. `bucketByDay` reads the file once and appends each line to a temporary file per UTC day (so
 *    an unsorted file works too); lines without a usable time are counted, never dropped silently.
 * 2. `SharedTape` replays the day files in order (each day sorted in memory) and answers window
 *    requests from several jobs running concurrently. A barrier makes them advance in lockstep:
 *    the tape moves forward only when every job is waiting for a window, and forgets events older
 *    than the earliest window still wanted. Memory holds about one window of events.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { JsonObject } from '../engine/engine.js';
import { fieldPath, parseEventTime } from '../features/event.js';

const DAY_MS = 86_400_000;

export interface TapeEvent {
  readonly t: number;
  readonly doc: JsonObject;
}

export interface BucketSummary {
  readonly dir: string;
  readonly firstDay: number;
  readonly lastDay: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly events: number;
  readonly badLines: number;
  readonly badLineSamples: readonly { line: number; error: string }[];
  /** Events per day index (epoch day). */
  readonly perDay: ReadonlyMap<number, number>;
}

/** Yields the lines of a text file (without the newline), streaming. */
export async function* readLines(path: string): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.write(chunk as Buffer);
    let from = 0;
    for (let nl = text.indexOf('\n', from); nl >= 0; nl = text.indexOf('\n', from)) {
      yield text.slice(from, nl);
      from = nl + 1;
    }
    rest = text.slice(from);
  }
  rest += decoder.end();
  if (rest.length > 0) yield rest;
}

/** Splits an NDJSON file into one file per UTC day of `timeField`. */
export async function bucketByDay(path: string, timeField: string): Promise<BucketSummary> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-eval-'));
  const time = fieldPath(timeField);
  const handles = new Map<number, FileHandle>();
  const pending = new Map<number, string[]>();
  const perDay = new Map<number, number>();
  let pendingChars = 0;
  let events = 0;
  let badLines = 0;
  const badLineSamples: { line: number; error: string }[] = [];
  let minTime = Infinity;
  let maxTime = -Infinity;
  let lineNo = 0;
  const bad = (error: string): void => {
    badLines++;
    if (badLineSamples.length < 20) badLineSamples.push({ line: lineNo, error });
  };
  const flush = async (): Promise<void> => {
    for (const [day, lines] of pending) {
      let h = handles.get(day);
      if (!h) {
        h = await open(join(dir, `${day}.ndjson`), 'a');
        handles.set(day, h);
      }
      await h.write(lines.join(''));
    }
    pending.clear();
    pendingChars = 0;
  };
  try {
    for await (const raw of readLines(path)) {
      lineNo++;
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') continue;
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch (e) {
        bad(`not JSON: ${e instanceof Error ? e.message.slice(0, 80) : String(e)}`);
        continue;
      }
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
        bad('not a JSON object');
        continue;
      }
      const rawTime = time.read(doc);
      const t = parseEventTime(Array.isArray(rawTime) && rawTime.length === 1 ? rawTime[0] : rawTime);
      if (t === undefined) {
        bad(rawTime === undefined ? `missing ${timeField}` : `${timeField} is not a date`);
        continue;
      }
      events++;
      if (t < minTime) minTime = t;
      if (t > maxTime) maxTime = t;
      const day = Math.floor(t / DAY_MS);
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
      let list = pending.get(day);
      if (!list) pending.set(day, (list = []));
      list.push(`${line}\n`);
      pendingChars += line.length;
      if (pendingChars > 8_000_000) await flush();
    }
    await flush();
  } finally {
    for (const h of handles.values()) await h.close();
  }
  const days = [...perDay.keys()];
  return {
    dir,
    firstDay: days.length ? Math.min(...days) : 0,
    lastDay: days.length ? Math.max(...days) : -1,
    minTime,
    maxTime,
    events,
    badLines,
    badLineSamples,
    perDay,
  };
}

export async function removeBuckets(summary: Pick<BucketSummary, 'dir'>): Promise<void> {
  await rm(summary.dir, { recursive: true, force: true });
}

/** Events of one day bucket, sorted by time (stable: equal times keep file order). */
async function readDay(summary: BucketSummary, day: number, timeField: string): Promise<TapeEvent[]> {
  if (!summary.perDay.has(day)) return [];
  const time = fieldPath(timeField);
  const out: TapeEvent[] = [];
  for await (const line of readLines(join(summary.dir, `${day}.ndjson`))) {
    if (!line) continue;
    const doc = JSON.parse(line) as JsonObject;
    const raw = time.read(doc);
    const t = parseEventTime(Array.isArray(raw) && raw.length === 1 ? raw[0] : raw)!;
    out.push({ t, doc });
  }
  return out.sort((a, b) => a.t - b.t);
}

interface Waiter {
  readonly start: number;
  readonly end: number;
  readonly resolve: (events: readonly JsonObject[]) => void;
  readonly reject: (error: unknown) => void;
}

export interface TapeStep {
  /** End of the windows served by this step. */
  readonly end: number;
  /** When their events were complete (ms, performance clock). */
  readonly readyAt: number;
}

/**
 * Serves [start, end) slices of the tape to `participants` concurrent consumers, advancing only
 * when all of them are waiting. `onStep` hears when a set of windows became ready, so callers can
 * measure how long the jobs took to score them.
 */
export class SharedTape {
  private buffer: TapeEvent[] = [];
  private nextDay: number;
  private loadedUntil: number;
  private readonly waiting: Waiter[] = [];
  private advancing = false;

  constructor(
    private readonly summary: BucketSummary,
    private readonly timeField: string,
    private participants: number,
    private readonly onStep?: (step: TapeStep) => void,
  ) {
    this.nextDay = summary.firstDay;
    this.loadedUntil = summary.firstDay * DAY_MS;
  }

  /** Events with start ≤ t < end, once every participant is waiting. */
  request(start: number, end: number): Promise<readonly JsonObject[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ start, end, resolve, reject });
      this.maybeAdvance();
    });
  }

  /** A participant finished: the others no longer wait for it. */
  leave(): void {
    this.participants--;
    this.maybeAdvance();
  }

  private maybeAdvance(): void {
    if (this.advancing || this.waiting.length === 0 || this.waiting.length < this.participants) return;
    this.advancing = true;
    void this.advance().finally(() => {
      this.advancing = false;
      this.maybeAdvance();
    });
  }

  private async advance(): Promise<void> {
    try {
      const minEnd = Math.min(...this.waiting.map((w) => w.end));
      while (this.loadedUntil < minEnd && this.nextDay <= this.summary.lastDay) {
        const day = await readDay(this.summary, this.nextDay, this.timeField);
        for (const e of day) this.buffer.push(e);
        this.nextDay++;
        this.loadedUntil = this.nextDay * DAY_MS;
      }
      if (this.nextDay > this.summary.lastDay) this.loadedUntil = Infinity;
      const ready = this.waiting.filter((w) => w.end <= this.loadedUntil || w.end === minEnd);
      const readyAt = performance.now();
      for (const w of ready) this.waiting.splice(this.waiting.indexOf(w), 1);
      for (const w of ready) w.resolve(this.slice(w.start, w.end));
      this.onStep?.({ end: minEnd, readyAt });
      // Nobody will ask for anything before the earliest start still waiting or just served.
      const keepFrom = Math.min(...ready.map((w) => w.start), ...this.waiting.map((w) => w.start));
      this.forgetBefore(keepFrom);
    } catch (error) {
      for (const w of this.waiting.splice(0)) w.reject(error);
    }
  }

  private lowerBound(t: number): number {
    let lo = 0;
    let hi = this.buffer.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buffer[mid].t < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private slice(start: number, end: number): JsonObject[] {
    const from = this.lowerBound(start);
    const to = this.lowerBound(end);
    const out = new Array<JsonObject>(to - from);
    for (let i = from; i < to; i++) out[i - from] = this.buffer[i].doc;
    return out;
  }

  private forgetBefore(t: number): void {
    const cut = this.lowerBound(t);
    if (cut > 0) this.buffer = this.buffer.slice(cut);
  }
}
