/**
 * T1110.001 Password guessing against one account, from one source: over the VPN from the
 * internet, or from an already compromised workstation inside. Loud = a hundred guesses in half
 * an hour; quiet = a couple of dozen spread over hours (no faster than a stale service password).
 * Often ends with a success — the point of the attack.
 */
import { authEvent, type SimEvent } from '../events.js';
import { HOUR_MS } from '../world.js';
import { attackerIp, humans, lerp, scaled, spread, startIn, type Scenario } from './common.js';

export const bruteForce: Scenario = {
  name: 'brute_force',
  technique: 'T1110.001',
  description: 'password guessing against one account from one source',
  generate(ctx) {
    const { world, rng, stealth } = ctx;
    const victim = rng.pick(humans(world, ['office', 'developer', 'helpdesk']));
    const attempts = scaled(lerp(110, 16, stealth), ctx, 6);
    const duration = lerp(0.6, 5, stealth) * HOUR_MS * rng.uniform(0.8, 1.2);
    const start = startIn(ctx, duration);
    const external = rng.chance(0.65);
    const vpn = (world.byKind.get('vpn') ?? world.servers)[0];
    let sourceIp: string;
    let country: string;
    let host: string;
    if (external) {
      ({ ip: sourceIp, country } = attackerIp(ctx, victim.site.country));
      host = vpn.name;
    } else {
      const pivot = rng.pick(world.workstations.filter((w) => w.name !== victim.workstation.name));
      sourceIp = pivot.ip;
      country = pivot.site.country;
      host = rng.pick([...(world.byKind.get('file') ?? []), ...(world.byKind.get('mail') ?? [])]).name;
    }
    const action = external ? 'vpn-logon' : 'logon-network';
    const events: SimEvent[] = spread(ctx, start, duration, attempts, 0.45).map((ts) =>
      authEvent({ ts, user: victim.name, sourceIp, country, host, action, outcome: 'failure' }),
    );
    if (rng.chance(0.6)) {
      const ts = events[events.length - 1].ts + rng.int(20_000, 240_000);
      events.push(authEvent({ ts, user: victim.name, sourceIp, country, host, action, outcome: 'success' }));
    }
    return {
      events,
      entities: [
        { field: 'user.name', value: victim.name },
        { field: 'source.ip', value: sourceIp },
      ],
    };
  },
};
