/** The fairness lookup of a suite world: its simulated directory (department, role, site, country; src/simulate/directory.ts). */
import { directoryOf } from '../simulate/directory.js';
import { variedProfile } from '../simulate/profile.js';
import { buildWorld } from '../simulate/world.js';
import { SegmentLookup } from '../anomaly/segment.js';
import type { FairnessInput } from './fairness.js';
import { SUITE_START_MS, type ScoredPass, type SuiteWorld } from './suite.js';

/** The same world the suite simulates (same seed, size, period and varied profile), as a lookup. */
export function suiteLookup(world: SuiteWorld): SegmentLookup {
  const built = buildWorld({
    seed: world.seed,
    startMs: SUITE_START_MS,
    days: world.days,
    users: world.users,
    hosts: world.hosts,
    profile: variedProfile(world.seed),
  });
  const lookup = new SegmentLookup();
  for (const row of directoryOf(built)) lookup.add(row.field, row.value, row.attributes);
  return lookup;
}

export function fairnessInputOf(pass: ScoredPass): FairnessInput {
  return {
    name: pass.world.name,
    windows: pass.windows,
    alerts: pass.alerts,
    labels: pass.labels,
    scoreFrom: pass.scoreFrom,
    scoreTo: pass.scoreTo,
    lookup: suiteLookup(pass.world),
  };
}
