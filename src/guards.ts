/**
 * A plain object (not null, not an array): the shape check before reading keys of parsed JSON or
 * YAML. `T` narrows to a known record type (e.g. JsonObject) where the caller already knows the
 * values' type.
 */
export function isRecord<T extends Record<string, unknown> = Record<string, unknown>>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
