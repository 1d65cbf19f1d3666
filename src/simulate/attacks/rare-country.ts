/**
 * T1078 Valid accounts used from somewhere the owner never logs in from — with stolen
 * credentials, often while the owner is at work at home (impossible travel). Loud = a hostile
 * country during the owner's working day; quiet = a country the company's travellers use, and a
 * short, ordinary-looking session afterwards.
 */
import { authEvent, fileEvent, type SimEvent } from '../events.js';
import { dayPlan } from '../benign.js';
import { DAY_MS, HOUR_MS, publicIp } from '../world.js';
import { hostileCountry, humans, lerp, scaled, startIn, type Scenario } from './common.js';

const TRAVELLED = ['FR', 'NL', 'ES', 'IT', 'CA'];

export const rareCountryLogin: Scenario = {
  name: 'rare_country_login',
  technique: 'T1078',
  description: 'login from a country the account never uses (impossible travel)',
  generate(ctx) {
    const { world, rng, stealth } = ctx;
    const victim = rng.pick(humans(world, ['office', 'developer', 'helpdesk']));
    // Prefer a moment inside the victim's working day: the real owner is logged in at home.
    let start = startIn(ctx, 2 * HOUR_MS);
    for (let tries = 0; tries < 20; tries++) {
      const t = startIn(ctx, 2 * HOUR_MS);
      const dayStart = world.startMs + Math.floor((t - world.startMs) / DAY_MS) * DAY_MS;
      const day = Math.floor((t - world.startMs + victim.site.utcOffset * HOUR_MS) / DAY_MS);
      const plan = dayPlan(world, victim, day);
      if (!plan.present) continue;
      const s = dayStart - victim.site.utcOffset * HOUR_MS + (plan.start + 1) * HOUR_MS;
      const e = dayStart - victim.site.utcOffset * HOUR_MS + plan.end * HOUR_MS;
      if (e > s && s >= ctx.earliestMs && e <= ctx.latestMs) {
        start = Math.floor(rng.uniform(s, e));
        break;
      }
    }
    const country = rng.chance(stealth) ? rng.pick(TRAVELLED.filter((c) => c !== victim.trip?.country)) : hostileCountry(ctx, []);
    const ip = publicIp(rng, country);
    const vpn = (world.byKind.get('vpn') ?? world.servers)[0];
    const events: SimEvent[] = [];
    let t = start;
    if (rng.chance(0.4))
      events.push(authEvent({ ts: t, user: victim.name, sourceIp: ip, country, host: vpn.name, action: 'vpn-logon', outcome: 'failure' }));
    t += rng.int(10_000, 90_000);
    events.push(authEvent({ ts: t, user: victim.name, sourceIp: ip, country, host: vpn.name, action: 'vpn-logon', outcome: 'success' }));
    const vpnIp = `10.8.${rng.int(200, 249)}.${rng.int(10, 250)}`;
    t += rng.int(20_000, 120_000);
    events.push(
      authEvent({
        ts: t,
        user: victim.name,
        sourceIp: vpnIp,
        country: victim.site.country,
        host: victim.workstation.name,
        action: 'logon-remote-interactive',
        outcome: 'success',
      }),
    );
    const fs = (world.byKind.get('file') ?? world.servers)[0];
    const reads = scaled(lerp(40, 6, stealth), ctx, 2);
    const session = lerp(1.5, 0.5, stealth) * HOUR_MS;
    for (let i = 0; i < reads; i++) {
      events.push(
        fileEvent({
          ts: t + Math.floor(rng.uniform(60_000, session)),
          user: victim.name,
          host: fs.name,
          path: `\\\\${fs.name}\\${victim.department}\\contracts\\c-${rng.int(1, 400)}.pdf`,
          bytes: rng.logNormal(400_000, 1),
          action: 'file-read',
        }),
      );
    }
    return {
      events,
      entities: [
        { field: 'user.name', value: victim.name },
        { field: 'source.ip', value: ip },
      ],
    };
  },
};
