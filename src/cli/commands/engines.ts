import type { Command } from 'commander';
import { engineStatus, startEngine, stopEngine } from '../../embedded/launcher.js';
import { EMBEDDED_ENGINES, type EngineFlavour } from '../../embedded/versions.js';
import { UsageError } from '../errors.js';

function flavoursOf(which: string): EngineFlavour[] {
  if (which === 'all') return ['opensearch', 'elasticsearch'];
  if (which === 'opensearch' || which === 'elasticsearch') return [which];
  throw new UsageError(`unknown engine "${which}": use opensearch, elasticsearch or all`);
}

export function register(program: Command): void {
  const cmd = program
    .command('engine')
    .description('start, stop or inspect the embedded local OpenSearch / Elasticsearch used by demo and tests');
  cmd
    .command('start [which]')
    .description('fetch (once, from Maven Central) and start a local single-node engine on loopback')
    .action(async (which = 'opensearch') => {
      for (const f of flavoursOf(which as string)) {
        const e = await startEngine(f, { onProgress: (m) => console.error(m) });
        console.log(`${e.flavour} ${e.version} ${e.url}${e.startedHere ? '' : ' (already running)'}`);
      }
    });
  cmd
    .command('stop [which]')
    .description('stop the local engine by its process id')
    .action(async (which = 'all') => {
      for (const f of flavoursOf(which as string)) console.log(`${f}: ${(await stopEngine(f)) ? 'stopped' : 'not running'}`);
    });
  cmd
    .command('status [which]')
    .description('show whether the local engines are up')
    .action(async (which = 'all') => {
      for (const f of flavoursOf(which as string)) {
        const s = await engineStatus(f);
        console.log(`${f} ${EMBEDDED_ENGINES[f].version} ${s.url}: ${s.version ? 'up' : 'down'}`);
      }
    });
}
