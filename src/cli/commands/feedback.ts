import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { connectEngine } from '../../engine/connect.js';
import { FeedbackStore } from '../../feedback/store.js';
import { VERDICTS, type VerdictKind } from '../../feedback/verdict.js';
import { UsageError } from '../errors.js';

interface FeedbackFlags {
  config: string;
  incident?: string;
  anomaly?: string;
  by?: string;
  reason?: string;
  expires?: string;
  list?: boolean;
  json?: boolean;
}

/**
 * `vigil feedback VERDICT --incident ID|--anomaly ID --by NAME [--reason TEXT] [--expires DAYS]`
 * records an analyst's verdict; `vigil feedback --list` shows the verdicts in force.
 */
export function register(program: Command): void {
  program
    .command('feedback')
    .description(`record an analyst verdict (${VERDICTS.join(', ')}) on an incident or anomaly, or --list the verdicts in force`)
    .argument('[verdict]', VERDICTS.join(' | '))
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON)')
    .option('--incident <id>', 'the incident (vigil.incident.id) judged: one verdict per entity of the incident')
    .option('--anomaly <id>', 'the anomaly document (_id) judged')
    .option('--by <name>', 'who gives the verdict (analyst or playbook)')
    .option('--reason <text>', 'why, in a sentence (shown wherever the verdict suppresses something)')
    .option('--expires <days>', 'days until a suppression lapses (default: false_positive 7, benign_expected 90)')
    .option('--list', 'list the verdicts in force instead')
    .option('--json', 'JSON output')
    .action(async (verdict: string | undefined, options: FeedbackFlags) => {
      const config = await loadConfig(options.config);
      const engine = await connectEngine(config.cluster);
      const store = new FeedbackStore(engine, config.feedback.index, config.output.anomaly_index);
      try {
        if (options.list) {
          const { verdicts, malformed } = await store.active(Date.now());
          for (const v of verdicts) {
            if (options.json) console.log(JSON.stringify(v));
            else
              console.log(
                `${v.verdict}\t${v.job_id}\t${v.entity.field}=${v.entity.value}\tby ${v.by}\tuntil ${v.expires ?? '—'}\t${v.reason}`,
              );
          }
          for (const m of malformed) console.error(`⚠ malformed feedback document ${m}`);
          return;
        }
        const request = parseRequest(verdict, options);
        const docs = await store.record({ incidentId: options.incident, anomalyId: options.anomaly }, request);
        for (const d of docs) {
          const f = d.vigil.feedback;
          if (options.json) console.log(JSON.stringify(d));
          else
            console.log(
              `✓ ${f.verdict} recorded for ${f.entity.field}=${f.entity.value} (job ${f.job_id})${f.expires ? `, suppresses the pattern [${f.pattern.map((p) => p.name).join(', ')}] until ${f.expires}` : ''}`,
            );
        }
      } finally {
        await engine.close();
      }
    });
}

function parseRequest(
  verdict: string | undefined,
  options: FeedbackFlags,
): { verdict: VerdictKind; by: string; reason?: string; expiresInDays?: number } {
  if (verdict === undefined || !(VERDICTS as readonly string[]).includes(verdict))
    throw new UsageError(`verdict: expected one of ${VERDICTS.join(', ')} (got ${verdict ?? 'nothing'})`);
  if ((options.incident === undefined) === (options.anomaly === undefined))
    throw new UsageError('give exactly one of --incident ID or --anomaly ID');
  if (!options.by) throw new UsageError('--by: who gives the verdict is required (it is shown wherever the verdict applies)');
  let expiresInDays: number | undefined;
  if (options.expires !== undefined) {
    expiresInDays = Number(options.expires);
    if (!Number.isFinite(expiresInDays) || expiresInDays <= 0 || expiresInDays > 3650)
      throw new UsageError(`--expires: a number of days between 0 and 3650 (got "${options.expires}")`);
  }
  return { verdict: verdict as VerdictKind, by: options.by, reason: options.reason, expiresInDays };
}
