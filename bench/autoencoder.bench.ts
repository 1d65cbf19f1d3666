/**
 * What the autoencoder costs the ensemble (issue 14's ablation, src/eval/ablation.ts): fit on a
 * history, then score and learn one observation at a time as the pipeline does, with the
 * autoencoder on, against the same ensemble with it off (the baseline, same data, same process).
 * ratio = baseline time ÷ time with the autoencoder: expect ≤ 1 (it is a cost, not a race); no target.
 * A switched-off member still learns (no cold start when it is switched on), so the autoencoder's
 * own fit and learn time — the `alone` lines, against the whole ensemble — is paid either way.
 */
import { performance } from 'node:perf_hooks';
import { defaultEnsembleParams, Ensemble, type EnsembleParams, type Observation } from '../src/models/ensemble.js';
import { autoencoderFactory } from '../src/models/autoencoder.js';
import { world } from '../test/unit/models/synthetic.js';
import type { BenchLine } from './types.js';

function timed(
  params: EnsembleParams,
  history: readonly Observation[],
  stream: readonly Observation[],
): { fitMs: number; perObsUs: number } {
  const t0 = performance.now();
  const ensemble = new Ensemble(params).fit([...history]);
  const fitMs = performance.now() - t0;
  const t1 = performance.now();
  for (const o of stream) ensemble.learnOne(o, ensemble.scoreOne(o));
  return { fitMs, perObsUs: ((performance.now() - t1) * 1000) / stream.length };
}

/** The autoencoder alone: what every ensemble pays even with it off (a disabled member still learns). */
function alone(
  params: EnsembleParams,
  history: readonly Observation[],
  stream: readonly Observation[],
): { fitMs: number; perObsUs: number } {
  const t0 = performance.now();
  const d = autoencoderFactory.create(params);
  d.learnMany(history);
  const fitMs = performance.now() - t0;
  const t1 = performance.now();
  for (const o of stream) {
    d.scoreOne(o);
    d.learnOne(o);
  }
  return { fitMs, perObsUs: ((performance.now() - t1) * 1000) / stream.length };
}

export async function run(): Promise<BenchLine[]> {
  const w = world(7, 100, 72, 72, 0).map((d) => d.obs);
  const history = w.slice(0, 4800);
  const stream = w.slice(4800);
  const off = defaultEnsembleParams(1);
  const on: EnsembleParams = { ...off, models: { ...off.models, autoencoder: { enabled: true, weight: 1 } } };
  timed(off, history.slice(0, 500), stream.slice(0, 200)); // JIT warm-up
  const best = (p: EnsembleParams): { fitMs: number; perObsUs: number } => {
    const runs = [timed(p, history, stream), timed(p, history, stream), timed(p, history, stream)];
    return { fitMs: Math.min(...runs.map((r) => r.fitMs)), perObsUs: Math.min(...runs.map((r) => r.perObsUs)) };
  };
  const a = best(off);
  const b = best(on);
  const solo = [alone(on, history, stream), alone(on, history, stream), alone(on, history, stream)];
  const soloFit = Math.min(...solo.map((r) => r.fitMs));
  const soloObs = Math.min(...solo.map((r) => r.perObsUs));
  return [
    {
      bench: 'autoencoder.alone_fit',
      value: soloFit,
      unit: 'ms',
      baseline: 'whole ensemble fit (autoencoder on)',
      baseline_value: b.fitMs,
      ratio: b.fitMs / soloFit,
    },
    {
      bench: 'autoencoder.alone_score_learn',
      value: soloObs,
      unit: 'µs/obs',
      baseline: 'whole ensemble (autoencoder on)',
      baseline_value: b.perObsUs,
      ratio: b.perObsUs / soloObs,
    },
    {
      bench: 'autoencoder.ensemble_fit',
      value: b.fitMs,
      unit: 'ms',
      baseline: 'ensemble without autoencoder',
      baseline_value: a.fitMs,
      ratio: a.fitMs / b.fitMs,
    },
    {
      bench: 'autoencoder.ensemble_score_learn',
      value: b.perObsUs,
      unit: 'µs/obs',
      baseline: 'ensemble without autoencoder',
      baseline_value: a.perObsUs,
      ratio: a.perObsUs / b.perObsUs,
    },
  ];
}
