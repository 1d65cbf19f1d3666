/**
 * Memory of live per-entity state (issue 12: ≤ 400 MB per 100 k live entities, whatever the history
 * length): the preset jobs' entity-windows of a simulated world (300 users, 3 days of 1 h windows),
 * replicated into 2,000 entities per job, learned by every detector and the first-seen store; heap
 * plus typed-array stores after a forced GC (bench/entity-state.ts), scaled to 100 k entities.
 *
 *   entity_state.mb_per_100k.<job>   after 72 windows, all structures summed
 *   entity_state.load_1m             1-minute load average when measured
 *
 * Baseline: the previous design (one Float64Array per reservoir row, string-keyed maps per entity)
 * cannot run in the same process once replaced; its figures were measured with the same probe at
 * the branch's base commit 16862d5 (`npx tsx bench/entity-state.ts --users 300 --days 3
 * --entities 2000` there) and are recorded in PREVIOUS_MB_PER_100K.
 */
import { loadavg } from 'node:os';
import { detectorBreakdown, simulatedWindows } from './entity-state.js';
import type { BenchLine } from './types.js';

/** MB per 100 k entities after 72 windows at 16862d5 (see the header). */
const PREVIOUS_MB_PER_100K: Readonly<Record<string, number>> = {
  'auth-by-user': 1291,
  'auth-by-source-ip': 501,
  'process-by-host': 3720,
  'network-by-source': 2694,
  'data-access-by-user': 926,
};

export async function run(): Promise<BenchLine[]> {
  const sim = await simulatedWindows({ users: 300, hosts: 120, days: 3, seed: 11 });
  const lines: BenchLine[] = [{ bench: 'entity_state.load_1m', value: loadavg()[0], unit: 'load' }];
  for (const plan of sim.plans) {
    const perWindow = sim.windows.get(plan.job.id) ?? [];
    const distinct = new Set(perWindow.flat().map((w) => w.entity.value)).size;
    const copies = Math.max(1, Math.round(2000 / Math.max(1, distinct)));
    const parts = detectorBreakdown(plan, perWindow, copies, perWindow.length);
    const mb = (parts.reduce((n, p) => n + p.bytesPerEntity, 0) * 100_000) / 1024 / 1024;
    const previous = PREVIOUS_MB_PER_100K[plan.job.id];
    lines.push({
      bench: `entity_state.mb_per_100k.${plan.job.id}`,
      value: mb,
      unit: 'MB',
      ...(previous !== undefined
        ? { baseline: 'previous design (16862d5, same probe)', baseline_value: previous, ratio: previous / mb }
        : {}),
      target: '≤ 400 MB',
    });
  }
  return lines;
}
