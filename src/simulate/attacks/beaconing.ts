/**
 * T1071.001 Command-and-control over HTTPS: an implant calls home at a fixed period with jitter,
 * tiny requests and replies, for hours, to a destination no other host talks to. Volume alone
 * does not give it away (endpoint telemetry is periodic too); periodicity to a rare destination does.
 * Loud = every minute with 5 % jitter; quiet = every 15 minutes with 35 % jitter.
 */
import { networkEvent, type SimEvent } from '../events.js';
import { HOUR_MS, publicIp } from '../world.js';
import { hostileCountry, lerp, startIn, type Scenario } from './common.js';

export const beaconing: Scenario = {
  name: 'beaconing',
  technique: 'T1071.001',
  description: 'periodic low-volume calls to one rare external destination',
  generate(ctx) {
    const { world, rng, stealth } = ctx;
    const host = rng.pick(world.workstations.length ? world.workstations : world.hosts);
    const periodS = lerp(60, 900, stealth) * rng.uniform(0.8, 1.25);
    const jitter = lerp(0.05, 0.35, stealth);
    const hours = Math.round(lerp(8, 18, stealth) * Math.max(0.5, Math.min(ctx.intensity, 3)));
    const duration = hours * HOUR_MS;
    const start = startIn(ctx, duration);
    const country = rng.chance(stealth) ? 'US' : hostileCountry(ctx, []);
    const c2 = publicIp(rng, country);
    const port = rng.weighted([
      [443, 0.7],
      [8443, 0.2],
      [80, 0.1],
    ] as const);
    const events: SimEvent[] = [];
    for (let t = start; t < start + duration; t += periodS * 1000 * (1 + rng.uniform(-jitter, jitter))) {
      const task = rng.chance(0.03);
      events.push(
        networkEvent({
          ts: Math.floor(t),
          host: host.name,
          sourceIp: host.ip,
          destinationIp: c2,
          destinationPort: port,
          sourceBytes: rng.logNormal(task ? 20_000 : 450, 0.25),
          destinationBytes: rng.logNormal(task ? 60_000 : 1_100, 0.25),
          protocol: port === 80 ? 'http' : 'https',
          destinationCountry: country,
        }),
      );
    }
    return { events, entities: [{ field: 'source.ip', value: host.ip }] };
  },
};
