import type { Command } from 'commander';
import { install, type InstallStep } from '../../pipeline/installer.js';
import { withCluster } from '../../pipeline/cluster-session.js';
import { UsageError, checkHttpUrlFlag } from '../errors.js';

const MARK: Readonly<Record<InstallStep['result'], string>> = { applied: '✓', unsupported: '–', skipped: '·', failed: '✗' };

interface InstallFlags {
  config: string;
  kibana?: string;
  dashboards?: string;
  alertingDefinitions: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('install')
    .description(
      "put Vigil's index templates and lifecycle policies on the cluster (idempotent); optionally dashboards and SIEM alerting definitions",
    )
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON)')
    .option('--kibana <url>', 'also import the dashboards into this Kibana')
    .option('--dashboards <url>', 'also import the dashboards into this OpenSearch Dashboards')
    .option('--no-alerting-definitions', "do not create the host SIEM's alerting rule / monitor")
    .option('--json', 'print the steps as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  vigil install --config vigil.yml\n  vigil install --config vigil.yml --kibana http://localhost:5601',
    )
    .action(async (flags: InstallFlags) => {
      checkHttpUrlFlag(flags.kibana, '--kibana');
      checkHttpUrlFlag(flags.dashboards, '--dashboards');
      if (flags.kibana && flags.dashboards) throw new UsageError('give either --kibana or --dashboards, not both');
      const steps = await withCluster(flags.config, async (_config, engine) =>
        install(engine, _config, {
          kibanaUrl: flags.kibana,
          dashboardsUrl: flags.dashboards,
          skipAlertingDefinitions: !flags.alertingDefinitions,
        }),
      );
      if (flags.json) {
        console.log(JSON.stringify({ steps }, null, 2));
      } else {
        for (const s of steps)
          console.log(`${MARK[s.result]} ${s.kind.replace(/_/g, ' ')} ${s.name}: ${s.result}${s.detail ? ` — ${s.detail}` : ''}`);
      }
      if (steps.some((s) => s.result === 'failed')) process.exitCode = 1;
    });
}
