/**
 * T1059 Command and scripting interpreters / living-off-the-land binaries on a host that never
 * runs them: a macro spawning certutil, mshta, rundll32, an encoded PowerShell. Loud = several
 * distinct LOLBins repeated; quiet = one PowerShell or cmd run, which is ordinary on developers'
 * and admins' machines and rare only on this one.
 */
import { processEvent, type SimEvent } from '../events.js';
import { HOUR_MS } from '../world.js';
import { lerp, scaled, startIn, type Scenario } from './common.js';

const LOUD = [
  'certutil.exe',
  'mshta.exe',
  'rundll32.exe',
  'regsvr32.exe',
  'bitsadmin.exe',
  'wmic.exe',
  'cscript.exe',
  'procdump64.exe',
  'adfind.exe',
  'nltest.exe',
  'vssadmin.exe',
];
const QUIET = ['powershell.exe', 'cmd.exe', 'whoami.exe', 'net.exe', 'schtasks.exe'];

export const rareProcess: Scenario = {
  name: 'rare_process',
  technique: 'T1059',
  description: 'interpreter / LOLBin never run on this host',
  generate(ctx) {
    const { world, rng, stealth } = ctx;
    const hostPool = rng.chance(0.8) ? world.workstations : world.servers;
    const host = rng.pick(hostPool.length ? hostPool : world.hosts);
    const user = world.people.find((p) => p.workstation.name === host.name)?.name ?? 'SYSTEM';
    const distinct = scaled(lerp(5, 1, stealth), ctx, 1);
    const repeats = Math.max(1, Math.round(lerp(4, 1, stealth)));
    const duration = lerp(0.4, 2, stealth) * HOUR_MS;
    const start = startIn(ctx, duration);
    const pool = rng.chance(stealth) ? QUIET : LOUD;
    const names = rng.sample(pool, distinct);
    const parent = rng.pick(['winword.exe', 'excel.exe', 'outlook.exe', 'explorer.exe']);
    const events: SimEvent[] = [];
    for (const name of names) {
      for (let r = 0; r < repeats; r++) {
        const ts = Math.floor(rng.uniform(start, start + duration));
        const commandLine =
          name === 'powershell.exe'
            ? `powershell.exe -nop -w hidden -enc ${Buffer.from(`iex ${rng.int(1e6, 9e6)}`).toString('base64')}`
            : undefined;
        events.push(processEvent({ ts, host: host.name, user, name, parent, commandLine }));
      }
    }
    return { events, entities: [{ field: 'host.name', value: host.name }] };
  },
};
