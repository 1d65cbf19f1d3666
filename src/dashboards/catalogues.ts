/** The field catalogue of every data source, loaded once per build from mappings/. */
import { loadCatalogue, type FieldCatalogue, type MappedType } from './fields.js';
import type { SourceId } from './model.js';
import { SOURCES } from './sources.js';

export type Catalogues = Readonly<Record<SourceId, FieldCatalogue>>;

export function loadCatalogues(root: string): Catalogues {
  const load = (id: SourceId): FieldCatalogue => {
    const source = SOURCES[id];
    const catalogue = loadCatalogue(root, source.template);
    if (!catalogue.indexPatterns.some((p) => coversPattern(p, source.title))) {
      throw new Error(`data view ${source.title} is not covered by the index_patterns ${JSON.stringify(catalogue.indexPatterns)} of mappings/${source.template}`);
    }
    return catalogue;
  };
  return { anomalies: load('anomalies'), status: load('status'), deadLetter: load('deadLetter') };
}

/** True when every index the data view pattern matches also matches the template pattern (both with trailing `*` only). */
function coversPattern(templatePattern: string, viewPattern: string): boolean {
  const t = templatePattern.endsWith('*') ? templatePattern.slice(0, -1) : templatePattern;
  const v = viewPattern.endsWith('*') ? viewPattern.slice(0, -1) : viewPattern;
  return templatePattern.endsWith('*') ? v.startsWith(t) : !viewPattern.endsWith('*') && t === v;
}

export function fieldType(catalogues: Catalogues, source: SourceId, field: string): MappedType {
  const f = catalogues[source].fields.get(field);
  if (!f) throw new Error(`field ${field} is not in ${catalogues[source].source}`);
  return f.type;
}
