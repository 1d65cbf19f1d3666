/**
 * The simulator: builds the world, plans the attacks, then walks the period hour by hour, merging
 * benign and attack events in time order and handing each hour to the sinks. Memory stays bounded
 * by one hour of events (plus the attacks, which are small). Same options → byte-identical output.
 */
import { writeFile } from 'node:fs/promises';
import { SCENARIOS, type ScenarioName } from './attacks/index.js';
import { benignHour } from './benign.js';
import { directoryOf, formatDirectory } from './directory.js';
import { formatLabel } from './labels.js';
import type { SimEvent } from './events.js';
import { defaultWarmupDays, type SimulateOptions } from './options.js';
import { variedProfile } from './profile.js';
import { Rng } from './rng.js';
import type { EventSink, SinkReport } from './sinks.js';
import { DAY_MS, HOUR_MS, buildWorld, type World } from './world.js';

export interface SimulatedLabel {
  readonly scenario: ScenarioName;
  readonly technique: string;
  readonly field: string;
  readonly value: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface PlannedAttack {
  readonly scenario: ScenarioName;
  readonly technique: string;
  readonly stealth: number;
  readonly events: SimEvent[];
  readonly labels: SimulatedLabel[];
}

export interface SimulationSummary {
  readonly events: number;
  readonly attackEvents: number;
  readonly byCategory: Readonly<Record<string, number>>;
  readonly attacks: readonly {
    scenario: ScenarioName;
    technique: string;
    stealth: number;
    events: number;
    start: string;
    end: string;
    entities: string[];
  }[];
  readonly labels: readonly SimulatedLabel[];
  readonly sinks: readonly SinkReport[];
  readonly people: number;
  readonly serviceAccounts: number;
  readonly hosts: number;
  readonly elapsedMs: number;
}

/** Generates every attack instance (small: kept in memory, merged into the benign stream by time). */
export function planAttacks(world: World, options: SimulateOptions): PlannedAttack[] {
  const warmup = options.warmupDays ?? defaultWarmupDays(options.days);
  const endMs = world.startMs + options.days * DAY_MS;
  const earliestMs = world.startMs + warmup * DAY_MS;
  const latestMs = endMs - HOUR_MS;
  const attacks: PlannedAttack[] = [];
  for (const scenario of SCENARIOS) {
    const count = options.attacks[scenario.name] ?? 0;
    for (let i = 0; i < count; i++) {
      const rng = Rng.derive(options.seed, 'attack', scenario.name, i);
      const stealth = Math.min(1, Math.max(0, options.stealth + rng.uniform(-0.2, 0.2)));
      const result = scenario.generate({ world, rng, earliestMs, latestMs, intensity: options.intensity, stealth });
      const events = result.events.filter((e) => e.ts >= world.startMs && e.ts < endMs).sort((a, b) => a.ts - b.ts);
      if (events.length === 0) continue;
      const startMs = Math.floor(events[0].ts / 1000) * 1000;
      const lastMs = Math.ceil((events[events.length - 1].ts + 1) / 1000) * 1000;
      attacks.push({
        scenario: scenario.name,
        technique: scenario.technique,
        stealth,
        events,
        labels: result.entities.map((e) => ({
          scenario: scenario.name,
          technique: scenario.technique,
          field: e.field,
          value: e.value,
          startMs,
          endMs: lastMs,
        })),
      });
    }
  }
  return attacks;
}

export interface SimulateRun {
  readonly options: SimulateOptions;
  readonly sinks: readonly EventSink[];
  /** Where to write labels.ndjson (omit to skip). */
  readonly labelsPath?: string;
  /** Where to write the directory (department, site, country per account and host; directory.ts); omit to skip. */
  readonly directoryPath?: string;
  readonly onProgress?: (hour: number, hours: number, events: number) => void;
}

export async function simulate(run: SimulateRun): Promise<SimulationSummary> {
  const started = Date.now();
  const { options } = run;
  const world = buildWorld({
    seed: options.seed,
    startMs: options.startMs,
    days: options.days,
    users: options.users,
    hosts: options.hosts,
    ...(options.varied ? { profile: variedProfile(options.seed) } : {}),
  });
  const attacks = planAttacks(world, options);
  const attackEvents = attacks.flatMap((a) => a.events).sort((a, b) => a.ts - b.ts);
  const hours = options.days * 24;
  const endMs = world.startMs + hours * HOUR_MS;
  const byCategory: Record<string, number> = {};
  let total = 0;
  let carry: SimEvent[] = [];
  let nextAttack = 0;
  for (let h = 0; h < hours; h++) {
    const hourEnd = world.startMs + (h + 1) * HOUR_MS;
    const batch: SimEvent[] = carry;
    benignHour(world, h, (e) => batch.push(e));
    while (nextAttack < attackEvents.length && attackEvents[nextAttack].ts < hourEnd) batch.push(attackEvents[nextAttack++]);
    batch.sort((a, b) => a.ts - b.ts);
    // Events a session spilled past the hour wait for their own hour so the file stays time-ordered.
    let cut = 0;
    while (cut < batch.length && batch[cut].ts < hourEnd) cut++;
    const ready = batch.slice(0, cut).filter((e) => e.ts >= world.startMs);
    carry = batch.slice(cut).filter((e) => e.ts < endMs);
    for (const e of ready) {
      const category = (e.doc.event as { category: string[] }).category[0];
      byCategory[category] = (byCategory[category] ?? 0) + 1;
    }
    total += ready.length;
    for (const sink of run.sinks) await sink.write(ready);
    run.onProgress?.(h + 1, hours, total);
  }
  const sinkReports: SinkReport[] = [];
  for (const sink of run.sinks) sinkReports.push(await sink.close());
  const labels = attacks
    .flatMap((a) => a.labels)
    .sort((a, b) => a.startMs - b.startMs || a.scenario.localeCompare(b.scenario) || a.field.localeCompare(b.field));
  if (run.labelsPath) await writeFile(run.labelsPath, labels.map((l) => `${formatLabel(l)}\n`).join(''));
  if (run.directoryPath) await writeFile(run.directoryPath, formatDirectory(directoryOf(world)));
  return {
    events: total,
    attackEvents: attackEvents.length,
    byCategory,
    attacks: attacks.map((a) => ({
      scenario: a.scenario,
      technique: a.technique,
      stealth: Number(a.stealth.toFixed(2)),
      events: a.events.length,
      start: new Date(a.labels[0].startMs).toISOString(),
      end: new Date(a.labels[0].endMs).toISOString(),
      entities: a.labels.map((l) => `${l.field}=${l.value}`),
    })),
    labels,
    sinks: sinkReports,
    people: world.people.length,
    serviceAccounts: world.services.length,
    hosts: world.hosts.length,
    elapsedMs: Date.now() - started,
  };
}
