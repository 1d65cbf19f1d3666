/**
 * What makes one simulated enterprise differ from another beyond its size: where its people sit
 * (time zones, gateways), the mix of roles, when its scheduled jobs run (the weekly full backup,
 * the vulnerability scan), how often its monitoring polls, and how many stale service accounts
 * keep failing. The default profile is the historical world (so `vigil simulate` output stays
 * byte-identical); `variedProfile(seed)` draws a different one per seed for the evaluation suite,
 * so the suite cannot be won by tuning one world.
 */
import { Rng } from './rng.js';

export type Role = 'office' | 'helpdesk' | 'developer' | 'admin';

export interface Site {
  readonly code: string;
  readonly country: string;
  /** Offset of local time from UTC in hours (DST ignored). */
  readonly utcOffset: number;
  /** Share of the workforce. */
  readonly share: number;
  /** Sites behind a Citrix/NAT gateway present one source IP for all their users. */
  readonly gatewayIp?: string;
}

export interface WorldProfile {
  readonly sites: readonly Site[];
  readonly roles: readonly (readonly [Role, number])[];
  /** Weekly full backup: weekday (0 = Sunday) and first hour in the first site's local time, for `hours` hours. */
  readonly backup: { readonly weekday: number; readonly hour: number; readonly hours: number };
  /** Nightly incremental backup hour (first site's local time). */
  readonly incrementalHour: number;
  /** Weekly vulnerability scan: UTC weekday and first hour, four hours long. */
  readonly scan: { readonly weekday: number; readonly hour: number };
  /** Monitoring logons every `monitorMinutes`; an external uptime poller every `pollerMinutes` (0 = none). */
  readonly monitorMinutes: number;
  readonly pollerMinutes: number;
  /** Stale service accounts failing every 10 minutes (the first is svc-legacy-erp). */
  readonly staleAccounts: number;
}

export const DEFAULT_SITES: readonly Site[] = [
  { code: 'nyc', country: 'US', utcOffset: -5, share: 0.55 },
  { code: 'lon', country: 'GB', utcOffset: 0, share: 0.2, gatewayIp: '10.30.0.1' },
  { code: 'ber', country: 'DE', utcOffset: 1, share: 0.15 },
  { code: 'blr', country: 'IN', utcOffset: 5.5, share: 0.1 },
];

export const DEFAULT_PROFILE: WorldProfile = {
  sites: DEFAULT_SITES,
  roles: [
    ['office', 0.72],
    ['helpdesk', 0.04],
    ['developer', 0.17],
    ['admin', 0.07],
  ],
  backup: { weekday: 1, hour: 1, hours: 4 },
  incrementalHour: 2,
  scan: { weekday: 3, hour: 22 },
  monitorMinutes: 15,
  pollerMinutes: 0,
  staleAccounts: 1,
};

const SITE_POOL: readonly Site[] = [
  ...DEFAULT_SITES,
  { code: 'sfo', country: 'US', utcOffset: -8, share: 0 },
  { code: 'chi', country: 'US', utcOffset: -6, share: 0 },
  { code: 'par', country: 'FR', utcOffset: 1, share: 0, gatewayIp: '10.31.0.1' },
  { code: 'sgp', country: 'SG', utcOffset: 8, share: 0 },
  { code: 'syd', country: 'AU', utcOffset: 10, share: 0 },
  { code: 'sao', country: 'BR', utcOffset: -3, share: 0 },
];

/** A profile drawn from the seed: 1–4 sites, a role mix, schedules, poller and stale accounts. */
export function variedProfile(seed: number): WorldProfile {
  const rng = Rng.derive(seed, 'profile');
  const count = rng.int(1, 4);
  const picked = rng.sample(SITE_POOL, count);
  const weights = picked.map(() => rng.uniform(0.2, 1));
  const total = weights.reduce((s, x) => s + x, 0);
  const sites = picked.map((s, i) => ({ ...s, share: weights[i] / total }));
  const dev = rng.uniform(0.08, 0.3);
  const admin = rng.uniform(0.04, 0.1);
  const helpdesk = rng.uniform(0.02, 0.06);
  return {
    sites,
    roles: [
      ['office', 1 - dev - admin - helpdesk],
      ['helpdesk', helpdesk],
      ['developer', dev],
      ['admin', admin],
    ],
    backup: { weekday: rng.int(0, 6), hour: rng.int(0, 5), hours: rng.int(2, 5) },
    incrementalHour: rng.int(0, 5),
    scan: { weekday: rng.int(0, 6), hour: rng.int(0, 23) },
    monitorMinutes: rng.pick([5, 10, 15]),
    pollerMinutes: 10,
    staleAccounts: rng.int(1, 3),
  };
}
