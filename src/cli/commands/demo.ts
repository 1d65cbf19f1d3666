/**
 * `vigil demo` (`npm run demo`): embedded OpenSearch (or --cluster), a small simulated enterprise,
 * install + backfill through the real pipeline, signed alerts to a local receiver, the evaluation
 * table and an HTML report.
 */
import type { Command } from 'commander';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_DEFAULTS, runDemo } from '../../eval/demo.js';
import { UsageError } from '../errors.js';
import { vigilCommand } from '../invocation.js';
import { log } from '../../log.js';

interface DemoFlags {
  cluster?: string;
  engine: string;
  keepEngine?: boolean;
  out: string;
  prefix: string;
  seed: string;
  days: string;
  users: string;
  hosts: string;
  attacks: string;
}

function int(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'the whole product in a few minutes: embedded OpenSearch, a simulated enterprise with attacks, install, backfill, signed alerts to a local receiver, evaluation table and HTML report',
    )
    .option('--cluster <url>', 'use this cluster instead of starting the embedded one')
    .option('--engine <flavour>', 'embedded engine to start: opensearch or elasticsearch', DEMO_DEFAULTS.flavour)
    .option('--keep-engine', 'leave the embedded engine running afterwards (it is stopped only if the demo started it)')
    .option('--out <dir>', 'where events, labels, the receiver log and the report go', join(tmpdir(), 'vigil-demo'))
    .option('--prefix <name>', 'index name prefix', DEMO_DEFAULTS.prefix)
    .option('--seed <n>', 'simulation seed', String(DEMO_DEFAULTS.seed))
    .option('--days <d>', 'days to simulate', String(DEMO_DEFAULTS.days))
    .option('--users <u>', 'accounts', String(DEMO_DEFAULTS.users))
    .option('--hosts <h>', 'hosts', String(DEMO_DEFAULTS.hosts))
    .option('--attacks <spec>', 'attacks (see vigil simulate --help)', DEMO_DEFAULTS.attacks)
    .action(async (flags: DemoFlags) => {
      // The demo prints its own readable report; the service's per-window and per-alert log lines
      // would bury it. VIGIL_LOG_LEVEL=info brings them back.
      if (process.env.VIGIL_LOG_LEVEL === undefined) log.level = 'warn';
      if (flags.engine !== 'opensearch' && flags.engine !== 'elasticsearch')
        throw new UsageError(`--engine must be opensearch or elasticsearch, got "${flags.engine}"`);
      if (!/^[a-z0-9][a-z0-9._-]*$/.test(flags.prefix))
        throw new UsageError(`--prefix must be a lower-case index name prefix, got "${flags.prefix}"`);
      await runDemo({
        ...(flags.cluster ? { cluster: flags.cluster } : {}),
        flavour: flags.engine,
        keepEngine: Boolean(flags.keepEngine),
        vigilCommand: vigilCommand(),
        out: flags.out,
        prefix: flags.prefix,
        seed: int('seed', flags.seed, 0),
        days: int('days', flags.days, 2),
        users: int('users', flags.users, 10),
        hosts: int('hosts', flags.hosts, 16),
        attacks: flags.attacks,
      });
    });
}
