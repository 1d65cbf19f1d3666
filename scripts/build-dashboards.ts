/**
 * Builds the dashboard bundles, previews and packages from src/dashboards (see docs/readme/dashboards.md).
 *
 *   npx tsx scripts/build-dashboards.ts          write dashboards/, docs/img/dashboard-*.svg, plugin/
 *   npx tsx scripts/build-dashboards.ts --check  exit 1 when the committed files differ from a fresh build
 */
import { buildDashboards, driftFromCommitted, repoRoot, writeBuild, DashboardBuildError } from '../src/dashboards/build.js';

function main(): number {
  const check = process.argv.includes('--check');
  const root = repoRoot();
  let files: Map<string, string>;
  try {
    files = buildDashboards(root).files;
  } catch (error) {
    console.error(error instanceof DashboardBuildError ? error.message : `dashboard build failed: ${(error as Error).message}`);
    return 1;
  }
  if (check) {
    const { changed, stale } = driftFromCommitted(root, files);
    if (changed.length + stale.length === 0) {
      console.log(`dashboards: ${files.size} generated files match a fresh build`);
      return 0;
    }
    for (const p of changed) console.error(`out of date: ${p}`);
    for (const p of stale) console.error(`no longer generated: ${p}`);
    console.error('run `npx tsx scripts/build-dashboards.ts` and commit the result');
    return 1;
  }
  const { written, removed } = writeBuild(root, files);
  console.log(`dashboards: ${files.size} files (${written.length} written, ${removed.length} removed)`);
  for (const p of written) console.log(`  wrote ${p}`);
  for (const p of removed) console.log(`  removed ${p}`);
  return 0;
}

process.exit(main());
