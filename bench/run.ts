/**
 * `npm run bench` prints a readable table; `npm run bench -- --json` prints one JSON object a line.
 * `npm run bench -- iforest` runs only the suites whose file name contains "iforest".
 * Each suite is bench/<name>.bench.ts exporting `run(): Promise<BenchLine[]>`; baselines run in the
 * same process so machine noise hits both sides alike.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchLine } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const filters = args.filter((a) => !a.startsWith('--'));

function fmt(n: number | undefined): string {
  if (n === undefined) return '';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(4)).toString();
}

async function main(): Promise<void> {
  const suites = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  const lines: BenchLine[] = [];
  for (const file of suites) {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<BenchLine[]> };
    if (!json) console.error(`running ${file} …`);
    for (const line of await mod.run()) {
      lines.push(line);
      if (json) console.log(JSON.stringify(line));
    }
  }
  if (json) return;
  const header = ['bench', 'value', 'unit', 'baseline', 'baseline value', 'ratio', 'target'];
  const rows = lines.map((l) => [l.bench, fmt(l.value), l.unit, l.baseline ?? '', fmt(l.baseline_value), l.ratio === undefined ? '' : `${fmt(l.ratio)}×`, l.target ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 || i === 4 || i === 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
