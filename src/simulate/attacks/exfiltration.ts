/**
 * T1048 Exfiltration over an alternative protocol: an insider or intruder collects files from the
 * shares (a read burst) and uploads them to an external server in chunks. Loud = gigabytes to a new
 * destination within an hour; quiet = a few hundred megabytes spread over an afternoon to a popular
 * cloud-storage address many people use anyway.
 */
import { fileEvent, networkEvent, type SimEvent } from '../events.js';
import { HOUR_MS, publicIp } from '../world.js';
import { hostileCountry, humans, lerp, scaled, spread, startIn, type Scenario } from './common.js';

export const dataExfiltration: Scenario = {
  name: 'data_exfiltration',
  technique: 'T1048',
  description: 'file collection then large upload to an external destination',
  generate(ctx) {
    const { world, rng, stealth } = ctx;
    const person = rng.pick(humans(world, ['office', 'developer']));
    const ws = person.workstation;
    const duration = lerp(1, 5, stealth) * HOUR_MS * rng.uniform(0.8, 1.2);
    const start = startIn(ctx, duration);
    const reads = scaled(lerp(350, 50, stealth), ctx, 10);
    const totalBytes = lerp(5e9, 4e8, stealth) * ctx.intensity * rng.uniform(0.7, 1.4);
    const chunks = Math.max(3, Math.round(lerp(8, 30, stealth)));
    const quiet = rng.chance(stealth);
    const dest = quiet
      ? { ip: world.saas[2].ip, country: world.saas[2].country }
      : (() => {
          const country = hostileCountry(ctx, []);
          return { ip: publicIp(rng, country), country };
        })();
    const fsHosts = world.byKind.get('file') ?? world.servers;
    const events: SimEvent[] = [];
    const collectEnd = start + duration * 0.4;
    for (const ts of spread(ctx, start, collectEnd - start, reads, 0.5)) {
      const fs = rng.pick(fsHosts);
      const dept = rng.pick(['finance', 'legal', 'hr', 'engineering', person.department]);
      events.push(
        fileEvent({
          ts,
          user: person.name,
          host: fs.name,
          path: `\\\\${fs.name}\\${dept}\\${rng.pick(['contracts', 'payroll', 'designs', 'customers', 'budget'])}\\${rng.int(1, 5000)}.${rng.pick(['xlsx', 'pdf', 'docx', 'zip'])}`,
          bytes: rng.logNormal(3_000_000, 1.2),
          action: 'file-read',
        }),
      );
    }
    for (const ts of spread(ctx, collectEnd, start + duration - collectEnd, chunks, 0.3)) {
      events.push(
        networkEvent({
          ts,
          host: ws.name,
          sourceIp: ws.ip,
          destinationIp: dest.ip,
          destinationPort: 443,
          sourceBytes: (totalBytes / chunks) * rng.uniform(0.7, 1.3),
          destinationBytes: rng.logNormal(40_000, 0.5),
          protocol: 'https',
          destinationCountry: dest.country,
        }),
      );
    }
    return {
      events,
      entities: [
        { field: 'user.name', value: person.name },
        { field: 'source.ip', value: ws.ip },
      ],
    };
  },
};
