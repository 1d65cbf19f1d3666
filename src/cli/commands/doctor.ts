import type { Command } from 'commander';
import { doctorExitCode, runDoctor, type CheckResult } from '../../pipeline/doctor.js';

const SYMBOL: Readonly<Record<CheckResult['status'], string>> = { ok: '✓', warn: '⚠', fail: '✗' };

function print(result: CheckResult): void {
  console.log(`${SYMBOL[result.status]} ${result.message}`);
  for (const line of result.details ?? []) console.log(`    ${line}`);
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check the configuration, the cluster, privileges and source-index mappings before running jobs')
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON)')
    .action(async (options: { config: string }) => {
      const results = await runDoctor(options.config, { onResult: print });
      // exitCode rather than exit(): lets pending output flush; failures are already printed.
      process.exitCode = doctorExitCode(results);
    });
}
