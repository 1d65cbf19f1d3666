/**
 * The Elastic package (Fleet package-spec layout) generated from the same saved objects as the
 * NDJSON bundle: Fleet installs the data views and dashboards when an admin adds "Vigil" from
 * Integrations, and upgrades them with the package. No data stream: Vigil writes its own indices
 * (vigil-anomalies*, vigil-status*, vigil-dead-letter*) through its installer, not through Fleet.
 */
import { stringify as yaml } from 'yaml';
import type { SavedObject } from './saved-object.js';

export const PACKAGE_NAME = 'vigil';
export const PACKAGE_VERSION = '0.1.0';
/** Oldest Kibana the objects import on (matches the pinned migration versions). */
export const KIBANA_RANGE = '^8.8.0';
/** Where the package's changes are described (Fleet lint wants a URL per changelog entry). */
export const CHANGELOG_LINK = 'https://github.com/vigil-detect/vigil/pull/1';

export interface PackageInput {
  readonly kibanaObjects: readonly SavedObject[];
  /** Dashboard id → SVG preview (shipped as screenshots). */
  readonly previews: ReadonlyMap<string, string>;
  readonly dashboards: readonly { readonly id: string; readonly title: string; readonly description: string }[];
}

/** Files of plugin/elastic-package, path relative to it → content. */
export function elasticPackageFiles(input: PackageInput): Map<string, string> {
  const files = new Map<string, string>();
  const screenshots = input.dashboards.map((d) => ({
    src: `/img/${d.id}.svg`,
    title: d.title,
    size: svgSize(input.previews.get(d.id) ?? ''),
    type: 'image/svg+xml',
  }));
  files.set(
    'manifest.yml',
    yaml({
      format_version: '3.3.0',
      name: PACKAGE_NAME,
      title: 'Vigil behavioural anomaly detection',
      version: PACKAGE_VERSION,
      source: { license: 'Apache-2.0' },
      description: 'Dashboards for Vigil: anomalous users, hosts and IP addresses found in security events, entity investigation and pipeline health.',
      type: 'integration',
      categories: ['security'],
      conditions: { kibana: { version: KIBANA_RANGE }, elastic: { subscription: 'basic' } },
      icons: [{ src: '/img/vigil-logo.svg', title: 'Vigil logo', size: '64x64', type: 'image/svg+xml' }],
      screenshots,
      owner: { github: 'vigil-detect/vigil', type: 'community' },
    }),
  );
  files.set(
    'changelog.yml',
    yaml([
      {
        version: PACKAGE_VERSION,
        changes: [{ description: 'Initial release: Overview, Entity investigation and Pipeline health dashboards with their data views.', type: 'enhancement', link: CHANGELOG_LINK }],
      },
    ]),
  );
  files.set('docs/README.md', packageReadme(input));
  files.set('img/vigil-logo.svg', LOGO_SVG);
  for (const [id, svg] of input.previews) files.set(`img/${id}.svg`, svg);
  for (const o of input.kibanaObjects) {
    const folder = o.type === 'index-pattern' ? 'index_pattern' : o.type;
    // Fleet wants <package>-<id>.json for dashboards, with the id equal to the file name.
    files.set(`kibana/${folder}/${o.id}.json`, JSON.stringify(o, null, 2) + '\n');
  }
  return files;
}

function svgSize(svg: string): string {
  const m = /width="(\d+)" height="(\d+)"/.exec(svg);
  return m ? `${m[1]}x${m[2]}` : '1000x800';
}

function packageReadme(input: PackageInput): string {
  const lines = [
    '# Vigil',
    '',
    'Vigil finds anomalous behaviour of users, hosts and IP addresses in security events (ECS) stored in',
    'Elasticsearch, and writes one anomaly document per scored entity-window to `vigil-anomalies*`',
    '(ECS; `event.kind: alert` on alerts, `metric` on other scored windows; Vigil fields under `vigil.*`), plus a run record per processed window to',
    '`vigil-status*` and undeliverable alert notifications to `vigil-dead-letter*`.',
    '',
    'This package installs the data views and dashboards over those indices. It has no data stream and',
    'no agent policy: run `vigil install` to create the index templates and `vigil run` to fill them.',
    '',
    '## Dashboards',
    '',
    ...input.dashboards.flatMap((d) => [`- **${d.title}**: ${d.description}`]),
    '',
    '## Data views',
    '',
    '- `vigil-anomalies*` (time field `@timestamp`): anomaly documents. `vigil.entity.value` is shown as a',
    '  link that opens Discover with the entity as the query (drilldown to the raw events).',
    '- `vigil-status*`: one run record per processed window (lag, events, rejected documents, alert delivery).',
    '- `vigil-dead-letter*`: alert notifications that could not be delivered.',
    '',
    '## Requirements',
    '',
    `Kibana ${KIBANA_RANGE.replace('^', '')} or later (Basic licence). The objects are also available as NDJSON`,
    '(`dashboards/kibana/vigil.ndjson` in the Vigil distribution) for Stack Management → Saved objects → Import,',
    'or `vigil install --kibana URL`.',
    '',
  ];
  return lines.join('\n');
}

export const LOGO_SVG = [
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">',
  '<path d="M32 4 L56 12 V30 C56 45 46 55 32 60 C18 55 8 45 8 30 V12 Z" fill="#1d4e89"/>',
  '<path d="M14 32 C20 23 26 20 32 20 C38 20 44 23 50 32 C44 41 38 44 32 44 C26 44 20 41 14 32 Z" fill="#ffffff"/>',
  '<circle cx="32" cy="32" r="7" fill="#e7664c"/>',
  '<circle cx="32" cy="32" r="3" fill="#1a1c21"/>',
  '</svg>',
  '',
].join('\n');
