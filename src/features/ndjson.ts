/**
 * Streams an NDJSON file of events one JSON object at a time, without holding the file in
 * memory. A line that is not a JSON object is counted (with its line number, the first few
 * kept as samples) in the tally and skipped — never thrown, never silently dropped. Blank lines
 * are not events and not errors.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { JsonObject } from '../engine/engine.js';

export interface NdjsonTally {
  /** Lines read, blank ones included. */
  lines: number;
  /** JSON objects yielded. */
  objects: number;
  badLines: number;
  /** The first MAX_SAMPLES bad lines: line number (1-based) and why. */
  badLineSamples: { line: number; error: string }[];
}

export const MAX_SAMPLES = 20;

export function newTally(): NdjsonTally {
  return { lines: 0, objects: 0, badLines: 0, badLineSamples: [] };
}

export async function* readNdjson(path: string, tally: NdjsonTally = newTally()): AsyncGenerator<JsonObject> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const parseLine = (line: string): JsonObject | undefined => {
    tally.lines++;
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      bad(tally, tally.lines, e instanceof Error ? e.message : String(e));
      return undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      bad(tally, tally.lines, `not a JSON object (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`);
      return undefined;
    }
    tally.objects++;
    return value as JsonObject;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.write(chunk as Buffer);
    let from = 0;
    for (let nl = text.indexOf('\n', from); nl >= 0; nl = text.indexOf('\n', from)) {
      const obj = parseLine(text.slice(from, nl));
      from = nl + 1;
      if (obj) yield obj;
    }
    rest = text.slice(from);
  }
  rest += decoder.end();
  if (rest.length > 0) {
    const obj = parseLine(rest);
    if (obj) yield obj;
  }
}

/** A re-readable event source for MemoryExecutor: every call streams the file again. */
export function ndjsonSource(path: string, tally?: NdjsonTally): () => AsyncIterable<JsonObject> {
  return () => readNdjson(path, tally);
}

function bad(tally: NdjsonTally, line: number, error: string): void {
  tally.badLines++;
  if (tally.badLineSamples.length < MAX_SAMPLES)
    tally.badLineSamples.push({ line, error: error.length > 120 ? `${error.slice(0, 117)}...` : error });
}
