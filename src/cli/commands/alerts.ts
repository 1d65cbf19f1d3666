import type { Command } from 'commander';
import { z } from 'zod';
import { connectorSchema } from '../../config/alerting.js';
import { loadConfig } from '../../config/load.js';
import { connectEngine } from '../../engine/connect.js';
import { replayDeadLetters, type ReplayResult } from '../../alerting/replay.js';
import { sendTestAlert, type TestAlertReport } from '../../alerting/test-alert.js';
import { UsageError } from '../errors.js';

const formatFlag = connectorSchema.shape.format.unwrap();

const testFlags = z.object({
  config: z.string().min(1),
  format: formatFlag.optional(),
  url: z.url({ protocol: /^https?$/ }).optional(),
  connector: z.string().min(1).optional(),
  kibanaUrl: z.url().optional(),
  dashboardsUrl: z.url().optional(),
  json: z.boolean().optional(),
});

const replayFlags = z.object({
  config: z.string().min(1),
  id: z.string().min(1).optional(),
  json: z.boolean().optional(),
});

function parseFlags<T>(schema: z.ZodType<T>, options: unknown): T {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const flag = `--${String(issue?.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (issue?.path[0] === 'format') throw new UsageError(`${flag}: expected one of ${formatFlag.options.join(', ')}`);
  throw new UsageError(`${flag}: ${issue?.message ?? 'invalid value'}`);
}

function printTest(report: TestAlertReport): void {
  console.log(`${report.ok ? '✓' : '✗'} ${report.connector} (${report.format}) → ${report.destination}`);
  console.log(`    ${report.verdict}`);
  console.log(
    `    status: ${report.status ?? 'no answer'}   time: ${report.durationMs} ms   webhook-id: ${report.messageId}   signed: ${report.signed ? 'yes' : 'no'}`,
  );
  if (report.bodyExcerpt) console.log(`    answer: ${report.bodyExcerpt.replace(/\s+/g, ' ').slice(0, 300)}`);
}

function printReplay(results: readonly ReplayResult[]): void {
  if (results.length === 0) {
    console.log('no parked alerts to replay');
    return;
  }
  for (const r of results) {
    const mark = r.outcome === 'replayed' ? '✓' : r.outcome === 'skipped' ? '-' : '✗';
    console.log(
      `${mark} ${r.id} ${r.connector} ${r.messageId}: ${r.outcome}${r.status !== undefined ? ` (HTTP ${r.status})` : ''}${r.error ? ` — ${r.error}` : ''}`,
    );
  }
  const replayed = results.filter((r) => r.outcome === 'replayed').length;
  console.log(`${replayed} of ${results.length} replayed`);
}

export function register(program: Command): void {
  const alerts = program.command('alerts').description('test the alert connectors and replay undeliverable alerts');

  alerts
    .command('test')
    .description('send one sample alert to a connector and report the answer (needs no cluster)')
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON)')
    .option('--format <format>', `payload format (${formatFlag.options.join(', ')}); default: the connector's`)
    .option('--url <url>', "send to this URL instead of the connector's (its host must be allowed)")
    .option('--connector <name>', 'connector to use (default: the first one)')
    .option('--kibana-url <url>', 'Kibana base URL for the link back to the events')
    .option('--dashboards-url <url>', 'OpenSearch Dashboards base URL for the link back to the events')
    .option('--json', 'print the report as JSON')
    .action(async (raw: unknown) => {
      const flags = parseFlags(testFlags, raw);
      const config = await loadConfig(flags.config);
      const report = await sendTestAlert(config.alerting, {
        connector: flags.connector,
        format: flags.format,
        url: flags.url,
        links: {
          kibanaUrl: flags.kibanaUrl ?? config.alerting.links.kibana_url,
          dashboardsUrl: flags.dashboardsUrl ?? config.alerting.links.dashboards_url,
        },
      });
      if (flags.json) console.log(JSON.stringify(report, null, 2));
      else printTest(report);
      process.exitCode = report.ok ? 0 : 1;
    });

  alerts
    .command('replay')
    .description('re-send alerts parked in the dead-letter index (all, or one with --id)')
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON)')
    .option('--id <id>', 'dead-letter document id, webhook message id or anomaly id')
    .option('--json', 'print the results as JSON')
    .action(async (raw: unknown) => {
      const flags = parseFlags(replayFlags, raw);
      const config = await loadConfig(flags.config);
      const engine = await connectEngine(config.cluster);
      try {
        const results = await replayDeadLetters({
          engine,
          config: config.alerting,
          deadLetterIndex: config.output.dead_letter_index,
          stateIndex: config.output.state_index,
          id: flags.id,
        });
        if (flags.json) console.log(JSON.stringify(results, null, 2));
        else printReplay(results);
        if (flags.id && results.length === 0) {
          console.error(`vigil: no parked alert matches --id ${flags.id}`);
          process.exitCode = 1;
        } else {
          process.exitCode = results.every((r) => r.outcome === 'replayed') ? 0 : 1;
        }
      } finally {
        await engine.close();
      }
    });
}
