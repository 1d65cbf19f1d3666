/**
 * Builds every dashboard artefact from the TypeScript specs: the Kibana and OpenSearch Dashboards
 * NDJSON bundles, the layout previews for the README, the Elastic package and the OpenSearch
 * Dashboards integration. Everything is checked before anything is written, and the output is
 * byte-stable so CI can compare the committed files with a fresh build.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalogues, type Catalogues } from './catalogues.js';
import { checkBundle } from './check.js';
import { DASHBOARDS } from './definitions/index.js';
import { elasticPackageFiles } from './elastic-package.js';
import { kibanaObjects } from './kibana.js';
import type { DashboardSpec } from './model.js';
import { osdObjects } from './opensearch.js';
import { osdBundleFiles } from './opensearch-integration.js';
import { dashboardSvg } from './preview.js';
import { toNdjson, uniqueObjects, type SavedObject } from './saved-object.js';
import { SOURCES } from './sources.js';
import { specProblems } from './validate.js';

/** The repository root (this file is src/dashboards/build.ts, or dist/src/dashboards/build.js). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      statSync(join(dir, 'mappings', 'anomalies.index-template.json'));
      return dir;
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error('cannot find the Vigil repository root (a folder with mappings/anomalies.index-template.json)');
}

/** Folders whose whole content the build owns (stale files in them are reported / removed). */
export const GENERATED_DIRS = ['dashboards/kibana', 'dashboards/opensearch', 'plugin/elastic-package', 'plugin/opensearch-dashboards'] as const;
/** Single generated files outside those folders. */
export const previewPath = (spec: DashboardSpec) => `docs/img/dashboard-${spec.key}.svg`;

export class DashboardBuildError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the dashboards have ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
    this.name = 'DashboardBuildError';
  }
}

export interface BuildResult {
  /** Repository-relative path → content. */
  readonly files: Map<string, string>;
  readonly catalogues: Catalogues;
}

export function buildDashboards(root: string = repoRoot(), specs: readonly DashboardSpec[] = DASHBOARDS): BuildResult {
  const catalogues = loadCatalogues(root);
  const problems = specs.flatMap((s) => specProblems(s, catalogues));
  const ids = new Set<string>();
  for (const s of specs) {
    if (ids.has(s.id)) problems.push(`dashboard id ${s.id} is used twice`);
    ids.add(s.id);
    if (!s.id.startsWith('vigil-')) problems.push(`dashboard id ${s.id} must start with "vigil-" (Fleet wants <package>-<id> file names)`);
  }
  if (problems.length > 0) throw new DashboardBuildError(problems);

  const files = new Map<string, string>();
  const kibanaAll: SavedObject[] = [];
  const osdAll: SavedObject[] = [];
  const previews = new Map<string, string>();
  for (const spec of specs) {
    const kibana = kibanaObjects(spec, catalogues);
    const osd = osdObjects(spec, catalogues);
    kibanaAll.push(...kibana);
    osdAll.push(...osd);
    files.set(`dashboards/kibana/${spec.key}.ndjson`, toNdjson(kibana));
    files.set(`dashboards/opensearch/${spec.key}.ndjson`, toNdjson(osd));
    const dashboard = kibana.find((o) => o.type === 'dashboard');
    if (!dashboard) throw new Error(`no dashboard object rendered for ${spec.id}`);
    const svg = dashboardSvg(dashboard);
    previews.set(spec.id, svg);
    files.set(previewPath(spec), svg);
  }
  const kibanaBundle = sortForImport(uniqueObjects(kibanaAll));
  const osdBundle = sortForImport(uniqueObjects(osdAll));
  files.set('dashboards/kibana/vigil.ndjson', toNdjson(kibanaBundle));
  files.set('dashboards/opensearch/vigil.ndjson', toNdjson(osdBundle));

  const summaries = specs.map((s) => ({ id: s.id, title: s.title, description: s.description }));
  for (const [path, content] of elasticPackageFiles({ kibanaObjects: kibanaBundle, previews, dashboards: summaries })) files.set(`plugin/elastic-package/${path}`, content);
  const schemas = new Map(Object.values(SOURCES).map((s) => [s.savedObjectId, readFileSync(join(root, 'mappings', s.template), 'utf8')]));
  for (const [path, content] of osdBundleFiles({ osdObjects: osdBundle, previews, dashboards: summaries, schemas })) files.set(`plugin/opensearch-dashboards/${path}`, content);

  const bundleProblems: string[] = [];
  for (const [path, content] of files) {
    if (!path.endsWith('.ndjson')) continue;
    bundleProblems.push(...checkBundle(path.includes('kibana') ? 'kibana' : 'opensearch', content, path, catalogues));
  }
  if (bundleProblems.length > 0) throw new DashboardBuildError(bundleProblems);
  return { files, catalogues };
}

/** Index patterns first, then visualizations, then dashboards: references point backwards. */
function sortForImport(objects: SavedObject[]): SavedObject[] {
  const rank = (t: string) => (t === 'index-pattern' ? 0 : t === 'dashboard' ? 2 : 1);
  return objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o.type) - rank(b.o.type) || a.i - b.i).map(({ o }) => o);
}

function listFiles(root: string, dir: string): string[] {
  const abs = join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(abs, name);
    return statSync(path).isDirectory() ? listFiles(root, relative(root, path)) : [relative(root, path)];
  });
}

export interface Drift {
  /** Generated files whose committed content differs or is missing. */
  readonly changed: string[];
  /** Files in generated folders that the build no longer produces. */
  readonly stale: string[];
}

/** Compares a fresh build with the files on disk (byte for byte). */
export function driftFromCommitted(root: string, files: ReadonlyMap<string, string>): Drift {
  const changed: string[] = [];
  for (const [path, content] of files) {
    let onDisk: string | undefined;
    try {
      onDisk = readFileSync(join(root, path), 'utf8');
    } catch {
      onDisk = undefined;
    }
    if (onDisk !== content) changed.push(path);
  }
  const stale = GENERATED_DIRS.flatMap((d) => listFiles(root, d)).filter((p) => !files.has(p.split('\\').join('/')));
  return { changed, stale };
}

/** Writes the build, removing stale files from the generated folders. Returns the paths written. */
export function writeBuild(root: string, files: ReadonlyMap<string, string>): { written: string[]; removed: string[] } {
  const { changed, stale } = driftFromCommitted(root, files);
  for (const path of changed) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), files.get(path) ?? '');
  }
  for (const path of stale) rmSync(join(root, path));
  return { written: changed, removed: stale };
}
