/**
 * The OpenSearch Dashboards bundle: the saved objects as one NDJSON file (Dashboards Management →
 * Saved objects → Import, or `vigil install --dashboards URL`), laid out as an integration of the
 * OpenSearch catalog (`<name>-<version>.json`, `assets/`, `info/`, `static/`, `schemas/`) so it can
 * also be added to an integrations repository and installed from the Integrations page.
 */
import { LOGO_SVG, PACKAGE_NAME, PACKAGE_VERSION } from './elastic-package.js';
import { toNdjson, type SavedObject } from './saved-object.js';

export interface OsdBundleInput {
  readonly osdObjects: readonly SavedObject[];
  readonly previews: ReadonlyMap<string, string>;
  readonly dashboards: readonly { readonly id: string; readonly title: string; readonly description: string }[];
  /** Index templates shipped as the integration's schemas: component name → template JSON text. */
  readonly schemas: ReadonlyMap<string, string>;
}

/** The component (schema) the integration's `type` names. */
export const ANOMALIES_COMPONENT = 'vigil-anomalies';

/** Files of plugin/opensearch-dashboards, path relative to it → content. */
export function osdBundleFiles(input: OsdBundleInput): Map<string, string> {
  const files = new Map<string, string>();
  if (!input.schemas.has(ANOMALIES_COMPONENT)) throw new Error(`the integration's type names the component ${ANOMALIES_COMPONENT}, which is not among its schemas`);
  const stem = `${PACKAGE_NAME}-${PACKAGE_VERSION}`;
  const config = {
    name: PACKAGE_NAME,
    version: PACKAGE_VERSION,
    displayName: 'Vigil',
    description: 'Anomalous users, hosts and IP addresses found by Vigil in security events: overview, entity investigation and pipeline health dashboards.',
    license: 'Apache-2.0',
    // validateTemplate requires the type to name one of the components: the anomalies index is the integration's data.
    type: ANOMALIES_COMPONENT,
    labels: ['Security', 'Anomaly detection'],
    author: 'Vigil',
    sourceUrl: 'https://github.com/vigil-detect/vigil',
    workflows: [{ name: 'dashboards', label: 'Dashboards & Visualizations', description: 'Index patterns and dashboards over the Vigil anomaly, status and dead-letter indices.', enabled_by_default: true }],
    statics: {
      logo: { annotation: 'Vigil logo', path: 'logo.svg' },
      // Static assets carry only path, annotation (and data): any other key fails the catalog schema and hides the integration.
      gallery: input.dashboards.map((d) => ({ annotation: d.title, path: `${d.id}.svg` })),
    },
    components: [...input.schemas.keys()].map((name) => ({ name, version: PACKAGE_VERSION })),
    assets: [{ name: PACKAGE_NAME, version: PACKAGE_VERSION, extension: 'ndjson', type: 'savedObjectBundle', workflows: ['dashboards'] }],
  };
  files.set(`vigil/${stem}.json`, JSON.stringify(config, null, 2) + '\n');
  files.set(`vigil/assets/${stem}.ndjson`, toNdjson(input.osdObjects));
  for (const [name, json] of input.schemas) files.set(`vigil/schemas/${name}-${PACKAGE_VERSION}.mapping.json`, json.endsWith('\n') ? json : json + '\n');
  files.set('vigil/static/logo.svg', LOGO_SVG);
  for (const [id, svg] of input.previews) files.set(`vigil/static/${id}.svg`, svg);
  files.set('vigil/info/README.md', readme(input, stem));
  files.set('README.md', readme(input, stem));
  return files;
}

function readme(input: OsdBundleInput, stem: string): string {
  return [
    '# Vigil for OpenSearch Dashboards',
    '',
    'Index patterns and dashboards over the indices Vigil writes: `vigil-anomalies*` (one anomaly document',
    'per scored entity-window), `vigil-status*` (one run record per processed window) and',
    '`vigil-dead-letter*` (alert notifications that could not be delivered).',
    '',
    '## Dashboards',
    '',
    ...input.dashboards.map((d) => `- **${d.title}**: ${d.description}`),
    '',
    '## Install',
    '',
    `- **Saved objects import:** Dashboards Management → Saved objects → Import → \`assets/${stem}.ndjson\``,
    '  (in this folder: `vigil/assets/`), "Automatically overwrite conflicts".',
    '- **API:** `curl -X POST "$OSD/api/saved_objects/_import?overwrite=true" -H "osd-xsrf: true"',
    `  --form file=@vigil/assets/${stem}.ndjson`,
    '- **Vigil CLI:** `vigil install --dashboards https://dashboards.example:5601` (imports the same file and',
    '  reports every object that failed).',
    '- **Integrations catalog:** copy the `vigil/` folder into an integrations repository; it follows the',
    '  catalog layout (`vigil-<version>.json`, `assets/`, `schemas/`, `static/`, `info/`).',
    '',
    'Requires OpenSearch Dashboards 2.x. The objects are in the 7.10 saved-object format',
    '(migration versions: visualization 7.10.0, dashboard 7.9.3, index-pattern 7.6.0).',
    '',
  ].join('\n');
}
