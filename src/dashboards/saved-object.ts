/** Saved objects as both platforms import them (one JSON object per NDJSON line). */
import { isRecord } from '../guards.js';


export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonRecord = Record<string, Json>;

export interface Reference {
  readonly name: string;
  readonly type: string;
  readonly id: string;
}

export interface SavedObject {
  readonly id: string;
  readonly type: string;
  readonly attributes: JsonRecord;
  readonly references: readonly Reference[];
  /** Kibana 8.x: "8.8.0". */
  readonly coreMigrationVersion?: string;
  /** Kibana 8.x: the type's migration the object is already at. */
  readonly typeMigrationVersion?: string;
  /** OpenSearch Dashboards (Kibana 7.10 format): `{ <type>: <version> }`. */
  readonly migrationVersion?: Readonly<Record<string, string>>;
  readonly managed?: boolean;
}

/** One object per line, trailing newline; key order as built, so output is byte-stable. */
export function toNdjson(objects: readonly SavedObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
}

/** Parses NDJSON text, naming the line of the first malformed object. */
export function parseNdjson(text: string, source: string): SavedObject[] {
  const out: SavedObject[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`${source} line ${i + 1} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    if (!isRecord(value) || typeof value.id !== 'string' || typeof value.type !== 'string' || !isRecord(value.attributes) || !Array.isArray(value.references)) {
      throw new Error(`${source} line ${i + 1} is not a saved object (needs id, type, attributes, references)`);
    }
    out.push(value as unknown as SavedObject);
  });
  return out;
}


/** Drops duplicate objects (same type and id), keeping the first: data views shared by several dashboards. */
export function uniqueObjects(objects: readonly SavedObject[]): SavedObject[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    const key = `${o.type}:${o.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
