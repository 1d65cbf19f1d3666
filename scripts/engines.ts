/**
 * `npm run engines -- <fetch|start|stop|status> [opensearch|elasticsearch|all] [--plugins a,b]`
 * The same launcher the tests, CI and `vigil demo` use (src/embedded/launcher.ts).
 */
import { EMBEDDED_ENGINES, type EngineFlavour } from '../src/embedded/versions.js';
import { engineStatus, fetchEngine, startEngine, stopEngine } from '../src/embedded/launcher.js';

const [action = 'status', which = 'all', ...rest] = process.argv.slice(2);
const flavours: EngineFlavour[] = which === 'all' ? ['opensearch', 'elasticsearch'] : [which as EngineFlavour];
for (const f of flavours) {
  if (!(f in EMBEDDED_ENGINES)) {
    console.error(`unknown engine "${f}": use opensearch, elasticsearch or all`);
    process.exit(2);
  }
}
const pluginsArg = rest.indexOf('--plugins');
const plugins = pluginsArg >= 0 ? (rest[pluginsArg + 1] ?? '').split(',').filter(Boolean) : [];
const onProgress = (m: string) => console.error(`[engines] ${m}`);

async function main(): Promise<void> {
  switch (action) {
    case 'fetch':
      for (const f of flavours) console.log(fetchEngine(f, onProgress));
      return;
    case 'start': {
      const started = await Promise.all(flavours.map((f) => startEngine(f, { onProgress, plugins })));
      for (const e of started) console.log(`${e.flavour} ${e.version} ${e.url} pid=${e.pid}${e.startedHere ? '' : ' (already running)'}`);
      return;
    }
    case 'stop':
      for (const f of flavours) console.log(`${f}: ${(await stopEngine(f)) ? 'stopped' : 'not running'}`);
      return;
    case 'status':
      for (const f of flavours) {
        const s = await engineStatus(f);
        console.log(`${f} ${EMBEDDED_ENGINES[f].version} ${s.url}: ${s.version ? `up (pid ${s.pid ?? '?'})` : 'down'}`);
      }
      return;
    default:
      console.error(`unknown action "${action}": use fetch, start, stop or status`);
      process.exit(2);
  }
}
main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
