/**
 * T1110.003 One or two common passwords tried against many accounts from one source, a few
 * attempts per account so no single account trips a lock-out rule. Some target names do not exist
 * (harvested lists). Loud = sixty accounts in half an hour; quiet = a dozen over a working day.
 */
import { authEvent, type SimEvent } from '../events.js';
import { HOUR_MS } from '../world.js';
import { attackerIp, lerp, scaled, spread, startIn, type Scenario } from './common.js';

const GUESSED_NAMES = ['admin', 'administrator', 'test', 'backup', 'scanner', 'guest', 'user1', 'training', 'temp', 'sqladmin'];

export const passwordSpray: Scenario = {
  name: 'password_spray',
  technique: 'T1110.003',
  description: 'few passwords against many accounts from one source',
  generate(ctx) {
    const { world, rng, stealth } = ctx;
    const targets = scaled(lerp(60, 12, stealth), ctx, 4);
    const rounds = rng.chance(0.4) ? 2 : 1;
    const duration = lerp(0.5, 7, stealth) * HOUR_MS * rng.uniform(0.8, 1.2);
    const start = startIn(ctx, duration);
    const external = rng.chance(0.7);
    const vpn = (world.byKind.get('vpn') ?? world.servers)[0];
    const dc = (world.byKind.get('dc') ?? world.servers)[0];
    let sourceIp: string;
    let country: string;
    if (external) ({ ip: sourceIp, country } = attackerIp(ctx, 'US'));
    else {
      const pivot = rng.pick(world.workstations);
      sourceIp = pivot.ip;
      country = pivot.site.country;
    }
    const names = rng.sample(world.people, targets).map((p) => p.name);
    const fakes = Math.round(targets * 0.1);
    for (let i = 0; i < fakes; i++) names.push(rng.pick(GUESSED_NAMES));
    const attempts: string[] = [];
    for (let r = 0; r < rounds; r++) attempts.push(...rng.sample(names, names.length));
    const winners = new Set(rng.sample(names.slice(0, targets), rng.int(0, 2)));
    const events: SimEvent[] = spread(ctx, start, duration, attempts.length, 0.45).map((ts, i) => {
      const user = attempts[i];
      const outcome = winners.has(user) && i >= attempts.length - names.length ? 'success' : 'failure';
      if (outcome === 'success') winners.delete(user);
      return authEvent({
        ts,
        user,
        sourceIp,
        country,
        host: external ? vpn.name : dc.name,
        action: external ? 'vpn-logon' : 'logon-network',
        outcome,
      });
    });
    return { events, entities: [{ field: 'source.ip', value: sourceIp }] };
  },
};
