/**
 * Our isolation forest against the npm `isolation-forest` package (0.0.9) on the same 50,000 × 6
 * data, 100 trees, ψ = 256, in one process; plus the ensemble's per-observation throughput.
 * The npm package grows every tree on all rows (its subsample is discarded), so its fit is slow;
 * it is unseeded, so only its timing is compared, not its scores.
 */
import { performance } from 'node:perf_hooks';
import { IsolationForest as NpmIsolationForest } from 'isolation-forest';
import { IsolationForest } from '../src/models/isolation-forest.js';
import { defaultEnsembleParams, Ensemble, type Observation } from '../src/models/ensemble.js';
import { Random } from '../src/models/random.js';
import { world } from '../test/unit/models/synthetic.js';
import type { BenchLine } from './types.js';

const ROWS = 50_000;
const COLS = 6;

function data(): { flat: Float64Array; objects: Record<string, number>[] } {
  const rng = new Random(2024);
  const flat = new Float64Array(ROWS * COLS);
  const objects: Record<string, number>[] = [];
  for (let r = 0; r < ROWS; r++) {
    const o: Record<string, number> = {};
    // 1% outliers, shifted in one random feature.
    const shifted = rng.next() < 0.01 ? rng.int(COLS) : -1;
    for (let c = 0; c < COLS; c++) {
      const v = rng.normal() + (c === shifted ? 6 : 0);
      flat[r * COLS + c] = v;
      o[`f${c}`] = v;
    }
    objects.push(o);
  }
  return { flat, objects };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const out = f();
  return [out, performance.now() - t0];
}

export async function run(): Promise<BenchLine[]> {
  const { flat, objects } = data();
  const X = { data: flat, rows: ROWS, cols: COLS };

  // Ours: warm up the JIT once, then the median of 5 runs.
  new IsolationForest({ seed: 0 }).fit(X).scoreMany(X);
  const fitMs: number[] = [];
  const scoreMs: number[] = [];
  for (let seed = 1; seed <= 5; seed++) {
    const [forest, f] = time(() => new IsolationForest({ seed, nEstimators: 100, maxSamples: 256 }).fit(X));
    const [, s] = time(() => forest.scoreMany(X));
    fitMs.push(f);
    scoreMs.push(s);
  }
  const oursFit = median(fitMs);
  const oursRowsPerS = ROWS / (median(scoreMs) / 1000);

  // Baseline: one run (its fit takes seconds).
  const npm = new NpmIsolationForest(100, 256);
  const [, baseFit] = time(() => npm.fit(objects));
  const [, baseScore] = time(() => npm.predict(objects));
  const baseRowsPerS = ROWS / (baseScore / 1000);

  // Ensemble: score and learn one observation at a time, as the pipeline does.
  const w = world(7, 100, 72, 72, 0).map((d) => d.obs);
  const history = w.slice(0, 4800);
  const stream: Observation[] = w.slice(4800);
  const ensemble = new Ensemble(defaultEnsembleParams(1)).fit(history);
  const [scored, scoreOneMs] = time(() => stream.map((o) => ensemble.scoreOne(o)));
  const [, learnOneMs] = time(() => stream.forEach((o, i) => ensemble.learnOne(o, scored[i])));

  return [
    {
      bench: 'iforest.fit',
      value: oursFit,
      unit: 'ms',
      baseline: 'npm isolation-forest 0.0.9',
      baseline_value: baseFit,
      ratio: baseFit / oursFit,
      target: '≥ 100×',
    },
    {
      bench: 'iforest.score',
      value: oursRowsPerS,
      unit: 'rows/s',
      baseline: 'npm isolation-forest 0.0.9',
      baseline_value: baseRowsPerS,
      ratio: oursRowsPerS / baseRowsPerS,
      target: '≥ 10×, ≥ 500,000 rows/s',
    },
    { bench: 'ensemble.score_one', value: stream.length / (scoreOneMs / 1000), unit: 'obs/s' },
    { bench: 'ensemble.learn_one', value: stream.length / (learnOneMs / 1000), unit: 'obs/s' },
  ];
}
