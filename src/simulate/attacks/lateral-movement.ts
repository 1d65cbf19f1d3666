/**
 * T1021 Remote services: a compromised account hops from its workstation to many hosts over SMB /
 * RDP / WinRM and starts a remote shell on each (psexec / WMI style). Loud = twenty-five hosts in an
 * hour with remote-execution services; quiet = a handful over an afternoon with PowerShell only,
 * sometimes through an admin account whose normal day already touches many servers.
 */
import { authEvent, networkEvent, processEvent, type SimEvent } from '../events.js';
import { HOUR_MS } from '../world.js';
import { humans, lerp, scaled, spread, startIn, type Scenario } from './common.js';

export const lateralMovement: Scenario = {
  name: 'lateral_movement',
  technique: 'T1021',
  description: 'remote logons from one account to many hosts',
  generate(ctx) {
    const { world, rng, stealth } = ctx;
    const account = rng.pick(humans(world, rng.chance(stealth * 0.5) ? ['admin'] : ['office', 'developer', 'helpdesk']));
    const origin = account.workstation;
    const hosts = scaled(lerp(25, 5, stealth), ctx, 3);
    const duration = lerp(1, 6, stealth) * HOUR_MS * rng.uniform(0.8, 1.2);
    const start = startIn(ctx, duration);
    const candidates = [...world.servers, ...world.workstations].filter((h) => h.name !== origin.name && h.kind !== 'vpn');
    const targets = rng.sample(candidates, hosts);
    const events: SimEvent[] = [];
    const times = spread(ctx, start, duration, targets.length, 0.45);
    targets.forEach((host, i) => {
      const t = times[i];
      const rdp = rng.chance(0.3);
      const port = rdp ? 3389 : rng.chance(0.6) ? 445 : 5985;
      events.push(
        networkEvent({
          ts: t,
          host: origin.name,
          sourceIp: origin.ip,
          destinationIp: host.ip,
          destinationPort: port,
          sourceBytes: rng.logNormal(60_000, 0.8),
          destinationBytes: rng.logNormal(30_000, 0.8),
          protocol: port === 445 ? 'smb' : port === 3389 ? 'rdp' : 'winrm',
        }),
      );
      const denied = rng.chance(0.15);
      events.push(
        authEvent({
          ts: t + 300,
          user: account.name,
          sourceIp: origin.ip,
          country: origin.site.country,
          host: host.name,
          action: rdp ? 'logon-remote-interactive' : 'logon-network',
          outcome: denied ? 'failure' : 'success',
        }),
      );
      if (denied) return;
      events.push(
        authEvent({
          ts: t + 305,
          user: account.name,
          sourceIp: origin.ip,
          country: origin.site.country,
          host: host.name,
          action: 'logon-special-privileges',
          outcome: 'success',
        }),
      );
      const service = port === 445 ? 'psexesvc.exe' : port === 5985 ? 'wsmprovhost.exe' : 'rdpclip.exe';
      if (rng.chance(1 - stealth * 0.7))
        events.push(processEvent({ ts: t + 2_000, host: host.name, user: account.name, name: service, parent: 'services.exe' }));
      events.push(
        processEvent({
          ts: t + 4_000,
          host: host.name,
          user: account.name,
          name: rng.chance(0.5) ? 'powershell.exe' : 'cmd.exe',
          parent: service,
        }),
      );
      if (rng.chance(0.5))
        events.push(
          processEvent({
            ts: t + 9_000,
            host: host.name,
            user: account.name,
            name: rng.pick(['whoami.exe', 'net.exe', 'ipconfig.exe', 'nltest.exe', 'tasklist.exe']),
            parent: 'cmd.exe',
          }),
        );
    });
    return {
      events,
      entities: [
        { field: 'user.name', value: account.name },
        { field: 'source.ip', value: origin.ip },
      ],
    };
  },
};
