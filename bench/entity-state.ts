/**
 * Where per-entity memory goes: realistic entity-windows of the preset jobs (the simulator's events
 * through the memory executor), replicated into many entities, learned by each detector on its own
 * and by the first-seen store, with the heap measured after a forced GC.
 *
 *   npx tsx bench/entity-state.ts [--users 300] [--days 4] [--entities 10000] [--job auth-by-user]
 *
 * prints one JSON line per structure: heap bytes per live entity and per entity-window learned.
 * The bench suite (entity-memory.bench.ts) reuses the generator and the heap probe.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { EntityWindow } from '../src/features/executor.js';
import { WindowAccumulator } from '../src/features/memory-executor.js';
import { defaultEvalJobs } from '../src/eval/jobs.js';
import { DETECTORS } from '../src/models/detectors.js';
import type { EntityDetector } from '../src/models/detector.js';
import type { Observation } from '../src/models/observation.js';
import { FirstSeenStore } from '../src/pipeline/first-seen-store.js';
import { planJob, type JobPlan } from '../src/pipeline/job-plan.js';
import { observationOf } from '../src/pipeline/job-runner.js';
import { parseAttackSpec } from '../src/simulate/options.js';
import { simulate } from '../src/simulate/simulate.js';
import type { EventSink, SinkReport } from '../src/simulate/sinks.js';
import type { SimEvent } from '../src/simulate/events.js';

const HOUR_MS = 3_600_000;
const START_MS = Date.parse('2026-03-02T00:00:00Z');

setFlagsFromString('--expose-gc');
const gcFn = runInNewContext('gc') as () => void;

/** Heap in use after a full collection (twice: weak references and finalisers settle), plus typed-array backing stores outside the heap. */
export function heapUsed(): number {
  gcFn();
  gcFn();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

class HourSink implements EventSink {
  readonly hours = new Map<number, unknown[]>();
  async write(events: readonly SimEvent[]): Promise<void> {
    for (const e of events) {
      const h = Math.floor(e.ts / HOUR_MS) * HOUR_MS;
      let list = this.hours.get(h);
      if (!list) this.hours.set(h, (list = []));
      list.push(e.doc);
    }
  }
  async close(): Promise<SinkReport> {
    return { kind: 'file', target: 'memory', written: 0, failed: 0, errors: {} };
  }
}

export interface SimulatedJobs {
  readonly plans: JobPlan[];
  /** Per job id: its entity-windows, one list per hourly window, oldest first. */
  readonly windows: Map<string, EntityWindow[][]>;
}

/** The preset jobs' entity-windows (1 h tumbling) over a simulated world. */
export async function simulatedWindows(o: { users: number; hosts: number; days: number; seed: number }): Promise<SimulatedJobs> {
  const sink = new HourSink();
  await simulate({
    options: {
      seed: o.seed,
      days: o.days,
      users: o.users,
      hosts: o.hosts,
      startMs: START_MS,
      attacks: parseAttackSpec('all:1'),
      intensity: 1,
      stealth: 0.3,
      varied: true,
    },
    sinks: [sink],
  });
  const plans = defaultEvalJobs('events', HOUR_MS).map((j) => planJob(j));
  const windows = new Map<string, EntityWindow[][]>();
  for (const plan of plans) {
    const perWindow: EntityWindow[][] = [];
    for (let start = START_MS; start < START_MS + o.days * 24 * HOUR_MS; start += HOUR_MS) {
      const acc = new WindowAccumulator({ ...plan.request({ start, end: start + HOUR_MS }, { index: 0, count: 1 }) });
      for (const doc of sink.hours.get(start) ?? []) acc.add(doc);
      perWindow.push([...acc.result().windows]);
    }
    windows.set(plan.job.id, perWindow);
  }
  return { plans, windows };
}

/**
 * `copies` disjoint copies of one window's entities (entity "k~value"), every string fresh as if
 * parsed from an engine response, so nothing is shared between copies that would not be in a run.
 */
export function replicate(windows: readonly EntityWindow[], copies: number): Observation[] {
  const out: Observation[] = [];
  for (let k = 0; k < copies; k++) {
    for (const w of windows) {
      const o = JSON.parse(JSON.stringify(observationOf(w))) as Observation;
      out.push({ ...o, entity: `${k}~${o.entity}` });
    }
  }
  return out;
}

export interface StructureBytes {
  readonly structure: string;
  readonly entities: number;
  readonly windows: number;
  readonly bytes: number;
  readonly bytesPerEntity: number;
}

/** Heap held by `build()`'s result once `feed` has run every window through it. */
export function measure<T>(
  name: string,
  entities: number,
  windows: number,
  build: () => T,
  feed: (t: T, w: number) => void,
): StructureBytes {
  const before = heapUsed();
  const t = build();
  for (let w = 0; w < windows; w++) feed(t, w);
  const bytes = heapUsed() - before;
  // Keep `t` alive until after the measurement.
  if ((t as unknown) === null) console.log('');
  return { structure: name, entities, windows, bytes, bytesPerEntity: bytes / entities };
}

/** Bytes per live entity of every detector and of the first-seen store, for one job; `serialised`: the state's JSON text. */
export function detectorBreakdown(
  plan: JobPlan,
  perWindow: readonly EntityWindow[][],
  copies: number,
  windows: number,
): (StructureBytes & { jsonBytesPerEntity?: number })[] {
  const entities =
    new Set(
      perWindow
        .slice(0, windows)
        .flat()
        .map((w) => w.entity.value),
    ).size * copies;
  const out: (StructureBytes & { jsonBytesPerEntity?: number })[] = [];
  for (const factory of DETECTORS) {
    let json = 0;
    const s = measure<EntityDetector>(
      factory.name,
      entities,
      windows,
      () => factory.create(plan.ensembleParams),
      (d, w) => {
        for (const o of replicate(perWindow[w], copies)) d.learnOne(o, false);
        if (w === windows - 1) json = JSON.stringify(d.toJSON()).length;
      },
    );
    out.push({ ...s, jsonBytesPerEntity: Math.round(json / entities) });
  }
  out.push(
    measure(
      'first-seen',
      entities,
      windows,
      () => new FirstSeenStore(),
      (s, w) => {
        const copied = perWindow[w].flatMap((x) =>
          Array.from({ length: copies }, (_, k) => ({ ...x, entity: { ...x.entity, value: `${k}~${x.entity.value}` } })),
        );
        s.update(copied, plan.resolved.features);
      },
    ),
  );
  return out;
}

async function main(): Promise<void> {
  const arg = (name: string, dflt: string): string => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : dflt;
  };
  const users = Number(arg('users', '300'));
  const days = Number(arg('days', '4'));
  const target = Number(arg('entities', '10000'));
  const only = arg('job', '');
  const sim = await simulatedWindows({ users, hosts: Math.round(users * 0.4), days, seed: 11 });
  for (const plan of sim.plans) {
    if (only && plan.job.id !== only) continue;
    const perWindow = sim.windows.get(plan.job.id) ?? [];
    const distinct = new Set(perWindow.flat().map((w) => w.entity.value)).size;
    const copies = Math.max(1, Math.round(target / Math.max(1, distinct)));
    for (const windows of [24, days * 24]) {
      for (const s of detectorBreakdown(plan, perWindow, copies, windows))
        console.log(JSON.stringify({ job: plan.job.id, ...s, bytesPerEntity: Math.round(s.bytesPerEntity) }));
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
