/**
 * Simulator options, validated with zod, and the `--attacks` mini-language:
 *   "all"            every scenario once          "all:3"        every scenario three times
 *   "brute_force:2,beaconing"   only these (count defaults to 1)          "none"   benign only
 * Scenario names accept '-' for '_' and a few short aliases (exfiltration, rare_country, spray).
 */
import { z } from 'zod';
import { SCENARIO_NAMES, type ScenarioName } from './attacks/index.js';

export const DEFAULT_START = '2026-03-02T00:00:00Z'; // a Monday
export const DEFAULT_ATTACKS = 'all:2';

const ALIASES: Record<string, ScenarioName> = {
  exfiltration: 'data_exfiltration',
  exfil: 'data_exfiltration',
  rare_country: 'rare_country_login',
  impossible_travel: 'rare_country_login',
  spray: 'password_spray',
  bruteforce: 'brute_force',
  lateral: 'lateral_movement',
  beacon: 'beaconing',
  privileged: 'privileged_action',
  off_hours: 'off_hours_admin',
};

export type AttackCounts = Record<ScenarioName, number>;

export function parseAttackSpec(spec: string): AttackCounts {
  const counts = Object.fromEntries(SCENARIO_NAMES.map((n) => [n, 0])) as AttackCounts;
  const text = spec.trim();
  if (text === '' || text === 'none') return counts;
  for (const part of text.split(',')) {
    const [rawName, rawCount, extra] = part.trim().split(':');
    if (extra !== undefined) throw new Error(`--attacks: "${part}" has more than one ':' — write name:count`);
    const count = rawCount === undefined ? 1 : Number(rawCount);
    if (!Number.isInteger(count) || count < 0 || count > 1000)
      throw new Error(`--attacks: count for "${rawName}" must be a whole number 0–1000, got "${rawCount}"`);
    const key = rawName.trim().toLowerCase().replace(/-/g, '_');
    if (key === 'all') {
      for (const n of SCENARIO_NAMES) counts[n] = count;
      continue;
    }
    const name = (SCENARIO_NAMES as readonly string[]).includes(key) ? (key as ScenarioName) : ALIASES[key];
    if (!name) throw new Error(`--attacks: unknown scenario "${rawName}"; known: all, none, ${SCENARIO_NAMES.join(', ')}`);
    counts[name] = count;
  }
  return counts;
}

export const simulateOptionsSchema = z.strictObject({
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  days: z.number().int().min(1, 'simulate at least one day').max(366),
  users: z.number().int().min(10, 'at least 10 users').max(200_000),
  hosts: z.number().int().min(16, 'at least 16 hosts (servers and workstations)').max(100_000),
  startMs: z.number().int(),
  attacks: z.record(z.string(), z.number().int().min(0)),
  intensity: z.number().positive().max(100),
  stealth: z.number().min(0).max(1),
  /** Days at the start kept free of attacks so detectors have history (default: min(3, days / 4)). */
  warmupDays: z.number().min(0).optional(),
  /** Draw the world's profile (sites, roles, schedules, noisy services) from the seed instead of the default one. */
  varied: z.boolean().optional(),
});

export type SimulateOptions = z.infer<typeof simulateOptionsSchema> & { attacks: AttackCounts };

/** A quarter of the period in whole days, at most three; a quarter of it (in hours) below four days. Matches `vigil eval`'s default warm-up. */
export function defaultWarmupDays(days: number): number {
  if (days >= 4) return Math.min(3, Math.floor(days / 4));
  return Math.max(1, Math.floor((days * 24) / 4)) / 24;
}
