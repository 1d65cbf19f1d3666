/**
 * Makes one composable (index or component) template acceptable to each engine, so callers can
 * keep a single template file:
 *
 * - OpenSearch rejects `allow_auto_create`, the `index.lifecycle.*` (ILM) settings, and the
 *   `flattened` / `constant_keyword` field types (mapped to `flat_object` / `keyword`).
 * - Elasticsearch without ILM (the minimal distribution) rejects `index.lifecycle.*` too, and no
 *   Elasticsearch knows the OpenSearch ISM / `plugins.*` index settings.
 */
import type { JsonObject, JsonValue } from './engine.js';
import { isRecord } from '../guards.js';

export interface TemplateTarget {
  readonly flavour: 'elasticsearch' | 'opensearch';
  /** Elasticsearch: whether ILM is installed (keeps `index.lifecycle.*`). */
  readonly ilm: boolean;
}

export function adaptTemplate(template: JsonObject, target: TemplateTarget): JsonObject {
  const out: JsonObject = { ...template };
  if (target.flavour === 'opensearch') delete out.allow_auto_create;
  const inner = out.template;
  if (isRecord<JsonObject>(inner)) {
    const adapted: JsonObject = { ...inner };
    if (isRecord<JsonObject>(adapted.settings)) adapted.settings = adaptSettings(adapted.settings, target);
    if (target.flavour === 'opensearch' && isRecord<JsonObject>(adapted.mappings))
      adapted.mappings = adaptMappingForOpenSearch(adapted.mappings);
    out.template = adapted;
  }
  return out;
}

/** Settings may be flat (`index.lifecycle.name`) or nested (`index: {lifecycle: {name}}`); handle both. */
function adaptSettings(settings: JsonObject, target: TemplateTarget): JsonObject {
  const dropLifecycle = target.flavour === 'opensearch' || !target.ilm;
  const dropOpenSearchOnly = target.flavour === 'elasticsearch';
  const drop = (path: string): boolean =>
    (dropLifecycle && /^(index\.)?lifecycle(\.|$)/.test(path)) ||
    (dropOpenSearchOnly && /^(index\.)?(plugins|opendistro)(\.|$)/.test(path));
  const walk = (node: JsonObject, prefix: string): JsonObject => {
    const result: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (drop(path)) continue;
      if (isRecord<JsonObject>(value)) {
        const child = walk(value, path);
        if (Object.keys(child).length > 0) result[key] = child;
      } else {
        result[key] = value;
      }
    }
    return result;
  };
  return walk(settings, '');
}

const OPENSEARCH_TYPE_REPLACEMENTS: Readonly<Record<string, JsonObject>> = {
  flattened: { type: 'flat_object' },
  constant_keyword: { type: 'keyword' },
};

function adaptMappingForOpenSearch(mapping: JsonValue): JsonObject {
  if (!isRecord<JsonObject>(mapping)) return {};
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(mapping)) {
    if (key === 'type' && typeof value === 'string' && OPENSEARCH_TYPE_REPLACEMENTS[value]) {
      // A replaced type keeps none of its type-specific parameters (e.g. constant_keyword's `value`).
      return { ...OPENSEARCH_TYPE_REPLACEMENTS[value] };
    }
    out[key] = isRecord<JsonObject>(value) ? adaptMappingForOpenSearch(value) : value;
  }
  return out;
}
