/**
 * T1078.002 A domain admin account used in the middle of the night: the attacker who stole it
 * works while the owner sleeps — from a workstation the admin does not use, touching servers,
 * creating an account, dumping the directory. On-call admins also work at night (benign), so the
 * hour alone is not enough. Loud = many servers and a directory dump; quiet = two servers from the
 * admin's own VPN at 1 a.m.
 */
import { authEvent, iamEvent, processEvent, type SimEvent } from '../events.js';
import { DAY_MS, HOUR_MS } from '../world.js';
import { humans, lerp, scaled, type Scenario } from './common.js';

export const offHoursAdmin: Scenario = {
  name: 'off_hours_admin',
  technique: 'T1078.002',
  description: 'admin account used at night from an unusual place',
  generate(ctx) {
    const { world, rng, stealth } = ctx;
    const admin = rng.pick(humans(world, ['admin']));
    // A night between earliest and latest, 00:30–04:30 in the admin's local time.
    const firstDay = Math.ceil((ctx.earliestMs - world.startMs) / DAY_MS);
    const lastDay = Math.max(firstDay, Math.floor((ctx.latestMs - world.startMs) / DAY_MS) - 1);
    const day = rng.int(firstDay, lastDay);
    const start = Math.floor(world.startMs + day * DAY_MS - admin.site.utcOffset * HOUR_MS + rng.uniform(0.5, 3.5) * HOUR_MS);
    const ownSource = rng.chance(stealth);
    const pivot = rng.pick(world.workstations.filter((w) => w.name !== admin.workstation.name));
    const sourceIp = ownSource ? admin.workstation.ip : pivot.ip;
    const servers = rng.sample(
      world.servers.filter((s) => s.kind !== 'vpn'),
      scaled(lerp(9, 2, stealth), ctx, 1),
    );
    const dc = (world.byKind.get('dc') ?? world.servers)[0];
    const events: SimEvent[] = [];
    let t = start;
    for (const server of servers) {
      t += Math.floor(rng.uniform(60_000, 600_000));
      events.push(
        authEvent({
          ts: t,
          user: admin.name,
          sourceIp,
          country: admin.site.country,
          host: server.name,
          action: rng.chance(0.6) ? 'logon-remote-interactive' : 'logon-network',
          outcome: 'success',
        }),
      );
      events.push(
        authEvent({
          ts: t + 5,
          user: admin.name,
          sourceIp,
          country: admin.site.country,
          host: server.name,
          action: 'logon-special-privileges',
          outcome: 'success',
        }),
      );
      events.push(
        processEvent({
          ts: t + 30_000,
          host: server.name,
          user: admin.name,
          name: rng.pick(['powershell.exe', 'cmd.exe']),
          parent: 'explorer.exe',
        }),
      );
    }
    if (rng.chance(1 - stealth * 0.6)) {
      t += 120_000;
      events.push(
        iamEvent({
          ts: t,
          user: admin.name,
          host: dc.name,
          sourceIp,
          action: 'user-account-created',
          target: `${rng.pick(['it', 'adm', 'svc'])}-${rng.pick(['temp', 'sup', 'ops'])}${rng.int(10, 99)}`,
        }),
      );
    }
    if (rng.chance(1 - stealth)) {
      t += 60_000;
      events.push(
        processEvent({
          ts: t,
          host: dc.name,
          user: admin.name,
          name: 'ntdsutil.exe',
          parent: 'cmd.exe',
          commandLine: 'ntdsutil "ac i ntds" "ifm" "create full c:\\temp\\x" q q',
        }),
      );
    }
    return { events, entities: [{ field: 'user.name', value: admin.name }] };
  },
};
