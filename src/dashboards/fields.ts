/**
 * The fields each dashboard data source really has, read from the index templates in mappings/.
 * The build and the bundle checks resolve every field a panel uses here, so a renamed or removed
 * mapping field fails the build instead of shipping a panel that shows "field not found".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Mapping types Vigil's templates use (core types only: the minimal distributions have no others). */
export type MappedType = 'keyword' | 'ip' | 'boolean' | 'date' | 'long' | 'integer' | 'short' | 'byte' | 'float' | 'double' | 'half_float' | 'scaled_float' | 'text';

export interface MappedField {
  readonly name: string;
  readonly type: MappedType;
  /** Path of the enclosing nested object, when the field lives inside one (not aggregatable by Lens / OSD visualizations). */
  readonly nestedPath?: string;
}

export interface FieldCatalogue {
  /** The template's index_patterns, e.g. ["vigil-anomalies*"]. */
  readonly indexPatterns: readonly string[];
  readonly fields: ReadonlyMap<string, MappedField>;
  /** Template file the catalogue was read from (for error messages). */
  readonly source: string;
}

type PropertyNode = { type?: string; properties?: Record<string, PropertyNode> };
const propertySchema: z.ZodType<PropertyNode> = z.lazy(() =>
  z.looseObject({ type: z.string().optional(), properties: z.record(z.string(), propertySchema).optional() }),
);
const templateSchema = z.looseObject({
  index_patterns: z.array(z.string()).min(1),
  template: z.looseObject({ mappings: z.looseObject({ properties: z.record(z.string(), propertySchema) }) }),
});

const NUMERIC: ReadonlySet<string> = new Set(['long', 'integer', 'short', 'byte', 'float', 'double', 'half_float', 'scaled_float']);
const KNOWN: ReadonlySet<string> = new Set([...NUMERIC, 'keyword', 'ip', 'boolean', 'date', 'text']);

export function isNumeric(type: MappedType): boolean {
  return NUMERIC.has(type);
}

/** Reads one index template (JSON text) into a flat field catalogue. */
export function catalogueFromTemplate(json: string, source: string): FieldCatalogue {
  const parsed = templateSchema.safeParse(JSON.parse(json));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source} is not an index template with mappings: ${issue?.path.join('.')} ${issue?.message}`);
  }
  const fields = new Map<string, MappedField>();
  flatten(parsed.data.template.mappings.properties, '', undefined, fields, source);
  return { indexPatterns: parsed.data.index_patterns, fields, source };
}

function flatten(props: Record<string, PropertyNode>, prefix: string, nestedPath: string | undefined, out: Map<string, MappedField>, source: string): void {
  for (const [key, node] of Object.entries(props)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (node.type === 'nested') {
      flatten(node.properties ?? {}, name, name, out, source);
    } else if (node.properties) {
      flatten(node.properties, name, nestedPath, out, source);
    } else if (node.type && KNOWN.has(node.type)) {
      out.set(name, { name, type: node.type as MappedType, ...(nestedPath ? { nestedPath } : {}) });
    } else if (node.type !== 'object') {
      throw new Error(`${source}: field ${name} has mapping type "${node.type}" the dashboards do not know; add it to src/dashboards/fields.ts`);
    }
  }
}

/** Loads `mappings/<file>` relative to the repository root. */
export function loadCatalogue(root: string, file: string): FieldCatalogue {
  const path = join(root, 'mappings', file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`the dashboards read fields from mappings/${file}, which does not exist`);
  }
  return catalogueFromTemplate(text, `mappings/${file}`);
}
