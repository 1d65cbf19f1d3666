#!/usr/bin/env node
/**
 * The `vigil` command line. Each command lives in src/cli/commands/<name>.ts and registers itself;
 * this file only wires them up. CLI parsing: commander (typed, sub-commands, generated --help).
 */
import { Command, CommanderError } from 'commander';
import { register as install } from './commands/install.js';
import { register as doctor } from './commands/doctor.js';
import { register as run } from './commands/run.js';
import { register as backfill } from './commands/backfill.js';
import { register as detect } from './commands/detect.js';
import { register as simulate } from './commands/simulate.js';
import { register as evaluate } from './commands/eval.js';
import { register as demo } from './commands/demo.js';
import { register as alerts } from './commands/alerts.js';
import { register as engines } from './commands/engines.js';
import { register as dashboards } from './commands/dashboards.js';
import { register as jobs } from './commands/jobs.js';
import { UsageError } from './errors.js';

export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('Finds anomalous behaviour of users, hosts and IP addresses in security events stored in Elasticsearch or OpenSearch.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  for (const r of [demo, install, doctor, run, backfill, detect, simulate, evaluate, alerts, dashboards, engines, jobs]) r(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof UsageError) {
      console.error(`vigil: ${error.message}`);
      process.exit(2);
    }
    console.error(`vigil: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.VIGIL_DEBUG && error instanceof Error) console.error(error.stack);
    process.exit(1);
  }
}

// Run only when executed, not when imported by tests.
const invoked = process.argv[1] ?? '';
if (/(?:^|[\\/])(?:main\.[cm]?[jt]s|vigil)$/.test(invoked)) void main(process.argv);
