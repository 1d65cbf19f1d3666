import type { Command } from 'commander';
import { userInfo, hostname } from 'node:os';
import { withCluster } from '../../pipeline/cluster-session.js';
import { selectJobs } from '../../pipeline/pipeline.js';
import { jobStatus, setPaused, type JobStatus } from '../../service/job-control.js';

interface ListFlags {
  config: string;
  json?: boolean;
}
interface SwitchFlags {
  config: string;
  reason?: string;
}

function who(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep "unknown"
  }
  return `${user}@${hostname()}`;
}

function formatStatus(statuses: readonly JobStatus[]): string {
  const lines: string[] = [];
  for (const s of statuses) {
    lines.push(`${s.job}: ${s.paused ? `paused (by ${s.pausedBy ?? 'unknown'})` : 'active'}`);
    for (const p of s.partitions) {
      const lease = p.holder
        ? `${p.leaseLive ? 'held by' : 'last held by'} ${p.holder}${p.leaseLive ? ` until ${p.leaseExpiresAt ?? '?'}` : ''}`
        : 'never leased';
      const state =
        p.fitted === null
          ? 'no state yet'
          : p.fitted
            ? `next window ${p.nextWindowStart ?? '?'}, ${p.windowsScored} scored`
            : `warming up (from ${p.nextWindowStart ?? '?'})`;
      lines.push(`  partition ${p.partition}: ${state}; ${lease}`);
    }
  }
  return lines.join('\n');
}

async function flip(flags: SwitchFlags, ids: readonly string[], paused: boolean): Promise<void> {
  await withCluster(flags.config, async (config, engine) => {
    const jobs = selectJobs(config, ids);
    for (const job of jobs) {
      await setPaused(engine, config.output.state_index, job.id, paused, who(), flags.reason);
      console.log(
        `${job.id}: ${paused ? 'paused — runners release its leases at their next cycle' : 'resumed — runners catch up from its checkpoint at their next cycle'}`,
      );
    }
  });
}

export function register(program: Command): void {
  const jobs = program.command('jobs').description('list, pause and resume jobs (state kept in the state index, seen by every runner)');
  jobs
    .command('list')
    .description('each job: paused or active, and per partition its lease holder, checkpoint and scored windows')
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON)')
    .option('--json', 'print the statuses as JSON')
    .action(async (flags: ListFlags) => {
      const statuses = await withCluster(flags.config, async (config, engine) =>
        Promise.all(config.jobs.map((job) => jobStatus(engine, config.output.state_index, job.id, job.partitions))),
      );
      console.log(flags.json ? JSON.stringify({ jobs: statuses }, null, 2) : formatStatus(statuses));
    });
  jobs
    .command('pause')
    .description('pause jobs: runners stop scoring them and release their leases; the checkpoint is kept')
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON)')
    .option('--reason <text>', 'why (stored with the switch, shown by jobs list --json)')
    .argument('<job...>', 'job ids')
    .action((ids: string[], flags: SwitchFlags) => flip(flags, ids, true));
  jobs
    .command('resume')
    .description('resume paused jobs: runners catch up from the checkpoint (no window is skipped)')
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON)')
    .argument('<job...>', 'job ids')
    .action((ids: string[], flags: SwitchFlags) => flip(flags, ids, false));
}
