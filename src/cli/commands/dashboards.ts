import type { Command } from 'commander';
import { buildDashboards, driftFromCommitted, repoRoot, writeBuild } from '../../dashboards/build.js';
import { formatImportReport, installDashboards, type DashboardsAuth } from '../../dashboards/import.js';
import { UsageError, checkHttpUrlFlag } from '../errors.js';

interface InstallFlags {
  kibana?: string;
  dashboards?: string;
  username?: string;
  password?: string;
  apiKey?: string;
  caFile?: string;
  verifyTls: boolean;
  json?: boolean;
}

function authFrom(flags: InstallFlags): DashboardsAuth | undefined {
  const password = flags.password ?? process.env.VIGIL_DASHBOARDS_PASSWORD;
  if (flags.apiKey && (flags.username || password)) throw new UsageError('give either --api-key or --username/--password, not both');
  if (flags.apiKey) return { apiKey: flags.apiKey };
  if (flags.username && !password) throw new UsageError('--username needs --password (or VIGIL_DASHBOARDS_PASSWORD)');
  if (!flags.username && flags.password) throw new UsageError('--password needs --username');
  return flags.username && password ? { username: flags.username, password } : undefined;
}

export function register(program: Command): void {
  const cmd = program.command('dashboards').description('build, check or import the Kibana / OpenSearch Dashboards dashboards');

  cmd
    .command('build')
    .description('regenerate dashboards/, docs/img/dashboard-*.svg and plugin/ from src/dashboards')
    .action(() => {
      const root = repoRoot();
      const { files } = buildDashboards(root);
      const { written, removed } = writeBuild(root, files);
      console.log(`${files.size} files (${written.length} written, ${removed.length} removed)`);
    });

  cmd
    .command('check')
    .description('check the dashboards against the mappings and that the committed bundles equal a fresh build')
    .action(() => {
      const root = repoRoot();
      const { files } = buildDashboards(root);
      const { changed, stale } = driftFromCommitted(root, files);
      for (const p of changed) console.error(`out of date: ${p}`);
      for (const p of stale) console.error(`no longer generated: ${p}`);
      if (changed.length + stale.length > 0) {
        console.error('run `vigil dashboards build` and commit the result');
        process.exitCode = 1;
      } else console.log(`ok: ${files.size} generated files match the specs and the mappings`);
    });

  cmd
    .command('install')
    .description('import the dashboards through the saved objects API (without a URL: say where the files are)')
    .option('--kibana <url>', 'Kibana base URL (add /s/<space> for a space)')
    .option('--dashboards <url>', 'OpenSearch Dashboards base URL')
    .option('--username <name>', 'basic authentication user')
    .option('--password <password>', 'basic authentication password (or VIGIL_DASHBOARDS_PASSWORD)')
    .option('--api-key <key>', 'Kibana API key (base64 id:key)')
    .option('--ca-file <pem>', 'CA certificate to trust in addition to the system roots')
    .option('--no-verify-tls', 'do not verify the server certificate')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  vigil dashboards install --kibana http://localhost:5601\n  vigil dashboards install --dashboards https://osd.example:5601 --username admin --ca-file ca.pem',
    )
    .action(async (flags: InstallFlags) => {
      checkHttpUrlFlag(flags.kibana, '--kibana');
      checkHttpUrlFlag(flags.dashboards, '--dashboards');
      const auth = authFrom(flags);
      const report = await installDashboards({
        kibanaUrl: flags.kibana,
        dashboardsUrl: flags.dashboards,
        ...(auth ? { auth } : {}),
        ...(flags.caFile ? { caFile: flags.caFile } : {}),
        verifyTls: flags.verifyTls,
      });
      console.log(flags.json ? JSON.stringify(report, null, 2) : formatImportReport(report));
      if (!report.ok) process.exitCode = 1;
    });
}
