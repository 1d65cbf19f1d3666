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
import { register as reveal } from './commands/reveal.js';
import { register as feedback } from './commands/feedback.js';
import { checkInputFile, checkOutputFile, EXIT, UsageError } from './errors.js';
import { register as jobs } from './commands/jobs.js';

export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('Finds anomalous behaviour of users, hosts and IP addresses in security events stored in Elasticsearch or OpenSearch.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  for (const r of [demo, install, doctor, run, backfill, detect, simulate, evaluate, alerts, dashboards, engines, jobs, feedback, reveal])
    r(program);
  // Every `<file>` flag is checked before the command runs, so the error names the flag (exit 2):
  // --out must go into an existing, writable directory; every other file must be readable.
  program.hook('preAction', (_program, command) => {
    for (const option of command.options) {
      if (!option.flags.includes('<file>') || !option.long) continue;
      const value: unknown = command.getOptionValue(option.attributeName());
      if (typeof value !== 'string') continue;
      if (option.long === '--out') checkOutputFile(value, option.long);
      else checkInputFile(value, option.long);
    }
  });
  return program;
}

/**
 * Makes commander throw instead of exiting, on the program and every sub-command (exitOverride is
 * not inherited by commands added before it), so main() maps every usage error to exit code 2.
 */
export function throwOnExit(command: Command): Command {
  command.exitOverride();
  for (const sub of command.commands) throwOnExit(sub);
  return command;
}

async function main(argv: string[]): Promise<void> {
  const program = throwOnExit(buildProgram());
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // commander has printed its message; its usage errors (unknown option, missing flag) exit 1 by default.
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
    if (error instanceof UsageError) {
      console.error(`vigil: ${error.message}`);
      process.exit(EXIT.usage);
    }
    console.error(`vigil: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.VIGIL_DEBUG && error instanceof Error) console.error(error.stack);
    process.exit(EXIT.failure);
  }
}

// Run only when executed, not when imported by tests.
const invoked = process.argv[1] ?? '';
if (/(?:^|[\\/])(?:main\.[cm]?[jt]s|vigil)$/.test(invoked)) void main(process.argv);
