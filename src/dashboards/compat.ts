/**
 * Which mapping types each way of using a field accepts. Shared by the build-time spec checks and
 * the bundle checks, so "field exists with a compatible type" means the same thing in both.
 */
import { isNumeric, type FieldCatalogue, type MappedType } from './fields.js';
import type { FieldUse } from './model.js';

type Rule = (type: MappedType) => boolean;

const aggregatable: Rule = (t) => t !== 'text';
const numeric: Rule = (t) => isNumeric(t);
const numericOrDate: Rule = (t) => isNumeric(t) || t === 'date';
const categorical: Rule = (t) => t === 'keyword' || t === 'ip' || t === 'boolean' || isNumeric(t);

const RULES: Readonly<Record<FieldUse['as'], Rule>> = {
  'bucket:date_histogram': (t) => t === 'date',
  'bucket:terms': categorical,
  'bucket:histogram': numeric,
  'metric:sum': numeric,
  'metric:avg': numeric,
  'metric:max': numericOrDate,
  'metric:min': numericOrDate,
  'metric:unique_count': aggregatable,
  'metric:last_value': aggregatable,
  filter: () => true,
  control: categorical,
};

/** Why `use` cannot work on this catalogue, or undefined when it can. */
export function fieldProblem(use: FieldUse, catalogue: FieldCatalogue): string | undefined {
  const field = catalogue.fields.get(use.field);
  if (!field) return `field ${use.field} is not in ${catalogue.source}`;
  if (field.nestedPath) {
    return `field ${use.field} is inside the nested object ${field.nestedPath}; Lens and OSD visualizations cannot aggregate nested fields`;
  }
  if (!RULES[use.as](field.type)) return `field ${use.field} is mapped as ${field.type}, which ${use.as} cannot use`;
  return undefined;
}
