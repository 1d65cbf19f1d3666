/**
 * Simulator throughput on the evaluation's reference size (14 days, 300 accounts, 120 hosts):
 * events per second and wall time, streamed to a throw-away NDJSON file like `vigil simulate`.
 *
 *   simulate.seconds_14d_300u   target ≤ 10 s ("in seconds", on 2 shared cores)
 *   simulate.events_per_s
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAttackSpec } from '../src/simulate/options.js';
import { simulate } from '../src/simulate/simulate.js';
import { NdjsonFileSink } from '../src/simulate/sinks.js';
import type { BenchLine } from './types.js';

export async function run(): Promise<BenchLine[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-sim-bench-'));
  try {
    const started = performance.now();
    const summary = await simulate({
      options: {
        seed: 7,
        days: 14,
        users: 300,
        hosts: 120,
        startMs: Date.parse('2026-03-02T00:00:00Z'),
        attacks: parseAttackSpec('all:2'),
        intensity: 1,
        stealth: 0.3,
      },
      sinks: [await NdjsonFileSink.create(join(dir, 'events.ndjson'))],
      labelsPath: join(dir, 'labels.ndjson'),
    });
    const seconds = (performance.now() - started) / 1000;
    return [
      { bench: 'simulate.seconds_14d_300u', value: seconds, unit: 's', target: '≤ 10 s' },
      { bench: 'simulate.events_per_s', value: summary.events / seconds, unit: 'events/s' },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
