/**
 * A small synthetic world for the detection-core tests: users with their own habits over hourly
 * windows, and four kinds of injected anomaly, each visible to a different model:
 *   volume    many failed logins                     → zscore / iforest
 *   country   a first-seen country, volumes ordinary  → rarity
 *   sequence  an action order the user never follows  → sequence
 *   beacon    metronomic arrivals to one destination  → beaconing
 */
import type { Observation } from '../../../src/models/ensemble.js';
import { Random } from '../../../src/models/random.js';

export type AnomalyKind = 'volume' | 'country' | 'sequence' | 'beacon';

export interface LabelledObservation {
  obs: Observation;
  anomaly?: AnomalyKind;
}

const HOUR = 3_600_000;
const ACTIONS = ['login', 'read_mail', 'open_doc', 'edit_doc', 'save_doc', 'logout'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'NL', 'SE'];

function poisson(rng: Random, lambda: number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rng.next();
  } while (p > l);
  return k - 1;
}

/** A normal window for user u at hour t. */
export function normalWindow(rng: Random, u: number, t: number, start: number): Observation {
  const entity = `user.name=u${u}`;
  const rate = 3 + (u % 5);
  const logins = poisson(rng, rate);
  const actions: string[] = [];
  // Users walk the office routine in order, sometimes skipping a step.
  const n = 2 + rng.int(4);
  for (let i = 0; i < n; i++) for (const a of ACTIONS) if (rng.next() < 0.8) actions.push(a);
  const arrivals: Record<string, number[]> = {};
  // Human browsing: bursts at random moments.
  const dest = `web${rng.int(20)}.example`;
  const times: number[] = [];
  let x = start + rng.next() * HOUR * 0.2;
  for (let i = 0; i < 8 + rng.int(10); i++) {
    x += rng.next() < 0.7 ? 1500 + rng.next() * 20_000 : rng.next() * HOUR * 0.3;
    times.push(Math.round(x));
  }
  arrivals[dest] = times;
  return {
    entity,
    time: start + t * HOUR,
    features: {
      logins,
      failed_logins: poisson(rng, 0.3),
      distinct_hosts: 1 + poisson(rng, 0.3),
      bytes_out: Math.round(Math.exp(10 + rng.normal() * 0.3)),
    },
    categorical: { 'source.geo.country_iso_code': [COUNTRIES[u % 3]], 'source.ip': [`10.0.${u}.${1 + rng.int(2)}`] },
    actions,
    arrivals,
  };
}

export function injectAnomaly(rng: Random, o: Observation, kind: AnomalyKind): Observation {
  const a: Observation = structuredClone(o);
  switch (kind) {
    case 'volume':
      a.features.failed_logins = 40 + rng.int(20);
      break;
    case 'country':
      a.categorical = { ...a.categorical, 'source.geo.country_iso_code': ['KP'] };
      break;
    case 'sequence':
      a.actions = ['login', 'read_mail', 'add_member_to_admin_group', 'open_doc', 'logout'];
      break;
    case 'beacon': {
      const start = a.time + 60_000;
      const times: number[] = [];
      for (let i = 0; i < 20; i++) times.push(start + i * 180_000 + Math.round((rng.next() - 0.5) * 6000));
      a.arrivals = { ...a.arrivals, 'c2.badhost.example': times };
      break;
    }
  }
  return a;
}

/** `hours` hourly windows for `users` users; anomalies injected only after `cleanHours`. */
export function world(seed: number, users: number, hours: number, cleanHours: number, anomaliesPerKind: number): LabelledObservation[] {
  const rng = new Random(seed);
  const start = Date.UTC(2026, 2, 2);
  const out: LabelledObservation[] = [];
  for (let t = 0; t < hours; t++) for (let u = 0; u < users; u++) out.push({ obs: normalWindow(rng, u, t, start) });
  const kinds: AnomalyKind[] = ['volume', 'country', 'sequence', 'beacon'];
  const candidates = out.map((_, i) => i).filter((i) => out[i].obs.time >= start + cleanHours * HOUR);
  for (const kind of kinds) {
    for (let k = 0; k < anomaliesPerKind; k++) {
      let i: number;
      do i = candidates[rng.int(candidates.length)];
      while (out[i].anomaly);
      out[i] = { obs: injectAnomaly(rng, out[i].obs, kind), anomaly: kind };
    }
  }
  return out;
}
