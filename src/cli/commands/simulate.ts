/**
 * `vigil simulate`: a seeded enterprise with labelled attacks, as NDJSON files and/or straight into
 * a cluster. Same flags → byte-identical files.
 */
import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ClusterUrlError, connectByUrl } from '../../eval/cluster-url.js';
import type { Engine } from '../../engine/engine.js';
import { DEFAULT_ATTACKS, DEFAULT_START, parseAttackSpec, simulateOptionsSchema, type SimulateOptions } from '../../simulate/options.js';
import { simulate, type SimulationSummary } from '../../simulate/simulate.js';
import { ClusterSink, NdjsonFileSink, type EventSink } from '../../simulate/sinks.js';
import { UsageError } from '../errors.js';

interface SimulateFlags {
  seed: string;
  days: string;
  users: string;
  hosts: string;
  out?: string;
  start: string;
  attacks: string;
  intensity: string;
  stealth: string;
  warmupDays?: string;
  cluster?: string;
  index?: string;
  json?: boolean;
  directory?: string;
}

function num(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${value}"`);
  return n;
}

/** Flags → validated options; every problem names the flag and what it expects. */
export function optionsFromFlags(flags: SimulateFlags): SimulateOptions {
  const startMs = Date.parse(flags.start);
  if (!Number.isFinite(startMs) || !/Z|[+-]\d{2}:?\d{2}$/.test(flags.start))
    throw new UsageError(`--start must be an ISO instant with a zone, e.g. ${DEFAULT_START}; got "${flags.start}"`);
  let attacks: Record<string, number>;
  try {
    attacks = parseAttackSpec(flags.attacks);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const raw = {
    seed: num('seed', flags.seed),
    days: num('days', flags.days),
    users: num('users', flags.users),
    hosts: num('hosts', flags.hosts),
    startMs,
    attacks,
    intensity: num('intensity', flags.intensity),
    stealth: num('stealth', flags.stealth),
    ...(flags.warmupDays !== undefined ? { warmupDays: num('warmup-days', flags.warmupDays) } : {}),
  };
  const parsed = simulateOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new UsageError(`--${flag}: ${issue.message}`);
  }
  return parsed.data as SimulateOptions;
}

async function connectOrUsage(url: string): Promise<Engine> {
  try {
    return await connectByUrl(url);
  } catch (e) {
    if (e instanceof ClusterUrlError) throw new UsageError(e.message);
    throw e;
  }
}

export function formatSummary(s: SimulationSummary): string {
  const lines = [
    `simulated ${s.events.toLocaleString('en-US')} events (${Object.entries(s.byCategory)
      .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
      .join(', ')}) in ${(s.elapsedMs / 1000).toFixed(1)} s`,
    `world: ${s.people} people, ${s.serviceAccounts} service accounts, ${s.hosts} hosts`,
    `attacks: ${s.attacks.length} (${s.attackEvents.toLocaleString('en-US')} events), labels: ${s.labels.length}`,
  ];
  for (const a of s.attacks)
    lines.push(
      `  ${a.scenario.padEnd(19)} ${a.technique.padEnd(10)} stealth ${a.stealth.toFixed(2)}  ${a.start} → ${a.end}  ${a.events} events  ${a.entities.join(' ')}`,
    );
  for (const sink of s.sinks) {
    const failures = sink.failed
      ? `, ${sink.failed} FAILED (${Object.entries(sink.errors)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')})`
      : '';
    lines.push(
      `${sink.kind === 'file' ? 'wrote' : 'indexed'} ${sink.written.toLocaleString('en-US')} events to ${sink.target}${sink.bytes ? ` (${(sink.bytes / 1e6).toFixed(1)} MB)` : ''}${failures}`,
    );
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('generate a seeded enterprise (authentication, process, network, file events) with labelled ATT&CK attacks')
    .option('--seed <n>', 'random seed: same seed, same bytes', '7')
    .option('--days <d>', 'days to simulate', '14')
    .option('--users <u>', 'accounts (people and service accounts)', '300')
    .option('--hosts <h>', 'hosts (servers and shared workstations)', '120')
    .option('--out <dir>', 'write DIR/events.ndjson and DIR/labels.ndjson')
    .option('--start <iso>', 'first instant (UTC)', DEFAULT_START)
    .option('--attacks <spec>', 'which attacks and how many: all[:n], none, or name[:n],… (e.g. brute_force:2,beaconing)', DEFAULT_ATTACKS)
    .option('--intensity <x>', 'attack volume multiplier', '1')
    .option('--stealth <x>', 'attack stealth 0 (loud) … 1 (quiet); each attack varies ±0.2 around it', '0.3')
    .option('--warmup-days <d>', 'attack-free days at the start (default min(3, days/4))')
    .option('--cluster <url>', 'bulk-load the events into this cluster')
    .option('--index <name>', 'index for --cluster', 'vigil-sim-events')
    .option('--json', 'print the summary as JSON')
    .option(
      '--directory <file>',
      'also write the directory (department, role, site, country per account and host) as NDJSON: a fairness.lookup file',
    )
    .action(async (flags: SimulateFlags) => {
      const options = optionsFromFlags(flags);
      if (!flags.out && !flags.cluster) throw new UsageError('give --out DIR, --cluster URL, or both');
      const index = z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]*$/)
        .safeParse(flags.index);
      if (flags.cluster && !index.success) throw new UsageError(`--index must be a lower-case index name, got "${flags.index}"`);
      const sinks: EventSink[] = [];
      let engine: Engine | undefined;
      try {
        if (flags.out) {
          mkdirSync(flags.out, { recursive: true });
          sinks.push(await NdjsonFileSink.create(join(flags.out, 'events.ndjson')));
        }
        if (flags.cluster) {
          engine = await connectOrUsage(flags.cluster);
          sinks.push(await ClusterSink.create({ engine, index: flags.index ?? 'vigil-sim-events', idPrefix: `sim${options.seed}` }));
        }
        const summary = await simulate({
          options,
          sinks,
          labelsPath: flags.out ? join(flags.out, 'labels.ndjson') : undefined,
          ...(flags.directory ? { directoryPath: flags.directory } : {}),
        });
        if (flags.json) console.log(JSON.stringify({ ...summary, labels: summary.labels.length }));
        else console.log(formatSummary(summary));
        if (summary.sinks.some((s) => s.failed > 0)) process.exitCode = 1;
      } finally {
        await engine?.close();
      }
    });
}
