/**
 * The dependency check run by `npm test` (and `npm run check:deps`): builds the import graph of
 * src/ — type-only imports included, since they couple files just the same — and reports
 *   - cycles between files (strongly connected components of more than one file),
 *   - cycles between the top-level folders of src/,
 *   - imports against the layering cli → pipeline/eval → features/models/explain/alerting → engine/config.
 * Exit status 1 when any is found. Imports are resolved by TypeScript itself (ts.preProcessFile and
 * ts.resolveModuleName with the project's tsconfig), so what is checked is what the compiler sees;
 * no extra dependency. (eslint's import-x/no-cycle catches file cycles while editing; this check
 * adds the folder graph and the layers, which no lint rule covers.)
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Layer of each top-level folder of src/ (a file directly in src/ counts as folder "."). A folder
 * may import folders of its own layer or a lower one, never a higher one: the guide's
 * cli → pipeline/eval → features/models/explain/alerting → engine/config, refined where the
 * middle layer's folders depend on each other one way (alerting → anomaly → models → explain).
 */
export const LAYERS: Readonly<Record<string, number>> = {
  index: 9,
  cli: 8,
  pipeline: 7,
  service: 7,
  eval: 7,
  dashboards: 6,
  simulate: 6,
  alerting: 5,
  anomaly: 4,
  incidents: 4,
  feedback: 4,
  privacy: 4,
  features: 3,
  models: 3,
  explain: 2,
  engine: 1,
  config: 0,
  embedded: 0,
  '.': 0,
};

export interface DepReport {
  files: number;
  fileCycles: string[][];
  folderCycles: string[][];
  layerViolations: string[];
}

/** The import graph of the project's source files under `root`/src. */
export function importGraph(root: string): Map<string, string[]> {
  const configPath = resolve(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const src = resolve(root, 'src') + '/';
  const files = parsed.fileNames.filter((f) => resolve(f).startsWith(src));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const deps = new Set<string>();
    for (const ref of info.importedFiles) {
      const r = ts.resolveModuleName(ref.fileName, file, parsed.options, ts.sys).resolvedModule;
      if (!r || r.isExternalLibraryImport) continue;
      const target = resolve(r.resolvedFileName);
      if (target.startsWith(src) && target !== resolve(file)) deps.add(relative(root, target));
    }
    graph.set(relative(root, resolve(file)), [...deps].sort());
  }
  return graph;
}

/** Strongly connected components with more than one node (Tarjan), each sorted, largest first. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) ?? 0, idx.get(w) ?? 0));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out.sort((a, b) => b.length - a.length || (a[0] < b[0] ? -1 : 1));
}

/** Top-level folder of a src/ path ("." for a file directly in src/; the public API src/index.ts is "index", the top). */
export function folderOf(path: string): string {
  if (path === 'src/index.ts') return 'index';
  const parts = path.split('/');
  return parts.length > 2 ? parts[1] : '.';
}

export function checkDeps(root: string): DepReport {
  const graph = importGraph(root);
  const folders = new Map<string, Set<string>>();
  const layerViolations: string[] = [];
  for (const [file, deps] of graph) {
    const from = folderOf(file);
    if (!folders.has(from)) folders.set(from, new Set());
    for (const dep of deps) {
      const to = folderOf(dep);
      if (to === from) continue;
      folders.get(from)?.add(to);
      const lf = LAYERS[from];
      const lt = LAYERS[to];
      if (lf === undefined) layerViolations.push(`${file}: folder src/${from} has no layer in scripts/check-deps.ts`);
      else if (lt === undefined) layerViolations.push(`${dep}: folder src/${to} has no layer in scripts/check-deps.ts`);
      else if (lt > lf) layerViolations.push(`${file} → ${dep} (${from} may not depend on ${to})`);
    }
  }
  const folderGraph = new Map([...folders].map(([k, v]) => [k, [...v].sort()]));
  return {
    files: graph.size,
    fileCycles: cycles(graph),
    folderCycles: cycles(folderGraph),
    layerViolations: [...new Set(layerViolations)].sort(),
  };
}

function main(): number {
  const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
  const r = checkDeps(root);
  console.log(
    `# dependencies: ${r.files} files, ${r.fileCycles.length} file cycles, ${r.folderCycles.length} folder cycles, ${r.layerViolations.length} layer violations`,
  );
  for (const c of r.fileCycles) console.log(`  file cycle: ${c.join(' ↔ ')}`);
  for (const c of r.folderCycles) console.log(`  folder cycle: ${c.join(' ↔ ')}`);
  for (const v of r.layerViolations) console.log(`  layer: ${v}`);
  return r.fileCycles.length + r.folderCycles.length + r.layerViolations.length === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) process.exitCode = main();
