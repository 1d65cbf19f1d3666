/**
 * Feature extraction with pushdown (AggregationExecutor: the cluster aggregates, Node finishes a
 * few numbers per entity) against pulling the raw events into Node (PIT + search_after stream of
 * just the fields the features need, computed by the memory executor as the pages arrive), on
 * the local OpenSearch (http://127.0.0.1:9250).
 *
 *   features.pushdown        ms for 1,000,000 events over 2,000 entities in one 1-hour window
 *   features.events_per_s    events per second through the pushdown executor
 *   features.peak_rss_mb     peak RSS of a fresh process running the pushdown executor over
 *                            100,000 entities (500,000 events)
 *
 * The data sets are bulk-loaded once (batches of 10,000, one refresh) into
 * vigil-bench-events-1m and vigil-bench-events-100k-entities and reused while their count is right.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { clusterSchema } from '../src/config/cluster.js';
import { connectEngine } from '../src/engine/connect.js';
import type { Engine, JsonObject } from '../src/engine/engine.js';
import { AggregationExecutor } from '../src/features/aggregation-executor.js';
import type { WindowRequest, WindowResult } from '../src/features/executor.js';
import { WindowAccumulator } from '../src/features/memory-executor.js';
import { PRESETS, splitEntityFields } from '../src/features/presets.js';
import type { BenchLine } from './types.js';
import { mulberry32 } from '../src/models/random.js';

const OPENSEARCH_URL = process.env.VIGIL_BENCH_OPENSEARCH_URL ?? 'http://127.0.0.1:9250';
const T0 = Date.UTC(2024, 4, 6, 9, 0, 0); // Monday 09:00 UTC
const HOUR = 3_600_000;

interface DataSet {
  readonly index: string;
  readonly events: number;
  readonly entities: number;
}

const MAIN: DataSet = { index: 'vigil-bench-events-1m', events: 1_000_000, entities: 2_000 };
const WIDE: DataSet = { index: 'vigil-bench-events-100k-entities', events: 500_000, entities: 100_000 };

const MAPPINGS: JsonObject = {
  dynamic: 'strict',
  properties: {
    '@timestamp': { type: 'date' },
    event: {
      properties: { category: { type: 'keyword' }, outcome: { type: 'keyword' }, action: { type: 'keyword' }, type: { type: 'keyword' } },
    },
    user: { properties: { name: { type: 'keyword' } } },
    host: { properties: { name: { type: 'keyword' } } },
    source: { properties: { ip: { type: 'ip' }, bytes: { type: 'long' }, geo: { properties: { country_iso_code: { type: 'keyword' } } } } },
  },
};

/** The auth_by_user preset's features and categorical fields (sequence collection left out: it streams by design). */
function request(data: DataSet): WindowRequest {
  const p = PRESETS.auth_by_user;
  return {
    index: data.index,
    timeField: '@timestamp',
    filter: { term: { 'event.category': 'authentication' } },
    entityFields: splitEntityFields(p.entityFields).entityFields,
    start: T0,
    end: T0 + HOUR,
    features: p.features,
    categoricalFields: p.categoricalFields,
    relatedFields: p.relatedFields,
  };
}

const rng = mulberry32;

const COUNTRIES = ['US', 'US', 'US', 'DE', 'GB', 'FR', 'IN', 'BR', 'JP', 'RU'];
const ACTIONS = ['logon-interactive', 'logon-network', 'logon-remote-interactive', 'vpn-logon', 'ssh-logon'];

function event(r: () => number, i: number, data: DataSet): JsonObject {
  const user = i % data.entities;
  const home = user % 250;
  const roaming = r() < 0.05;
  return {
    '@timestamp': new Date(T0 + Math.floor(r() * HOUR)).toISOString(),
    event: {
      category: 'authentication',
      outcome: r() < 0.08 ? 'failure' : 'success',
      action: ACTIONS[Math.floor(r() * ACTIONS.length)],
      type: r() < 0.02 ? ['start', 'admin'] : ['start'],
    },
    user: { name: `user-${user}` },
    host: { name: `host-${(user * 7 + Math.floor(r() * 3)) % 500}` },
    source: {
      ip: roaming ? `198.51.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}` : `10.${home >> 4}.${home & 15}.${(user % 200) + 1}`,
      bytes: Math.floor(r() * 20_000),
      geo: { country_iso_code: roaming ? COUNTRIES[Math.floor(r() * COUNTRIES.length)] : 'US' },
    },
  };
}

async function http(method: string, path: string, body?: JsonObject): Promise<JsonObject> {
  const response = await fetch(`${OPENSEARCH_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as JsonObject;
}

/** Loads the data set unless the index already holds exactly the expected events. */
async function ensureLoaded(engine: Engine, data: DataSet): Promise<void> {
  const existing = await engine.count(data.index).catch(() => -1);
  if (existing === data.events) return;
  console.error(`loading ${data.events.toLocaleString('en-US')} events into ${data.index} (found ${existing})…`);
  await engine.deleteIndex(data.index);
  // Bench fixture: the port never creates source indices, so plain HTTP for the mapping and load settings.
  await http('PUT', `/${data.index}`, {
    settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' },
    mappings: MAPPINGS,
  });
  const r = rng(data.events + data.entities);
  const batch = 10_000;
  const started = Date.now();
  for (let i = 0; i < data.events; i += batch) {
    const ops = [];
    for (let j = i; j < Math.min(data.events, i + batch); j++)
      ops.push({ action: 'index' as const, index: data.index, id: String(j), document: event(r, j, data) });
    const result = await engine.bulk(ops);
    if (result.failed > 0)
      throw new Error(
        `bulk load of ${data.index} failed for ${result.failed} events: ${JSON.stringify(result.items.find((x) => !x.ok)?.error)}`,
      );
  }
  await http('PUT', `/${data.index}/_settings`, { index: { refresh_interval: '1s' } });
  await engine.refresh(data.index);
  await http('POST', `/${data.index}/_forcemerge?max_num_segments=1`);
  console.error(`loaded ${data.index} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** The baseline: stream the needed fields of every event of the window and compute in Node. */
async function pullAndCompute(engine: Engine, req: WindowRequest): Promise<WindowResult> {
  const acc = new WindowAccumulator(req);
  const fields = [
    '@timestamp',
    'user.name',
    'event.category',
    'event.outcome',
    'event.type',
    'source.ip',
    'host.name',
    'source.geo.country_iso_code',
  ];
  const query = { bool: { filter: [{ range: { '@timestamp': { gte: req.start, lt: req.end, format: 'epoch_millis' } } }, req.filter!] } };
  for await (const hits of engine.stream({ index: req.index, query, fields, sort: ['@timestamp'], pageSize: 10_000 })) {
    for (const h of hits) acc.add(h.source);
  }
  return acc.result();
}

function connect(): Promise<Engine> {
  return connectEngine(clusterSchema.parse({ flavour: 'opensearch', urls: [OPENSEARCH_URL], request_timeout_ms: 600_000 }));
}

/** Run in a fresh child process: the pushdown executor over the 100,000-entity set; prints its peak RSS. */
export async function peakRssChild(): Promise<void> {
  const engine = await connect();
  try {
    const { windows } = await new AggregationExecutor(engine).computeWindow(request(WIDE));
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify({ entities: windows.length, maxRssMb }));
  } finally {
    await engine.close();
  }
}

function measurePeakRss(): { entities: number; maxRssMb: number } {
  const here = fileURLToPath(import.meta.url);
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `import(${JSON.stringify(here)}).then((m) => m.peakRssChild())`],
    {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !line.startsWith('{')) throw new Error(`peak RSS child failed (${child.status}): ${child.stderr.slice(-2000)}`);
  return JSON.parse(line) as { entities: number; maxRssMb: number };
}

export async function run(): Promise<BenchLine[]> {
  const engine = await connect();
  try {
    await ensureLoaded(engine, MAIN);
    await ensureLoaded(engine, WIDE);
    const req = request(MAIN);
    const pushdown = new AggregationExecutor(engine);
    await pushdown.computeWindow({ ...req, end: req.start + 60_000 }); // warm the mapping check and the connection

    let started = performance.now();
    const pushed = await pushdown.computeWindow(req);
    const pushMs = performance.now() - started;
    console.error(`pushdown: ${pushMs.toFixed(0)} ms`);

    started = performance.now();
    const pulled = await pullAndCompute(engine, req);
    const pullMs = performance.now() - started;
    console.error(`pull + compute: ${pullMs.toFixed(0)} ms`);

    // Same answer both ways, or the comparison means nothing.
    const total = (r: WindowResult) => r.windows.reduce((n, w) => n + w.eventCount, 0);
    if (
      pushed.windows.length !== MAIN.entities ||
      pulled.windows.length !== MAIN.entities ||
      total(pushed) !== MAIN.events ||
      total(pulled) !== MAIN.events
    ) {
      throw new Error(
        `pushdown saw ${pushed.windows.length} entities / ${total(pushed)} events, pull ${pulled.windows.length} / ${total(pulled)}`,
      );
    }
    for (let i = 0; i < pushed.windows.length; i += 97) {
      for (const [name, v] of Object.entries(pulled.windows[i].features)) {
        if (Math.abs(pushed.windows[i].features[name] - v) > 1e-9 * Math.max(1, Math.abs(v)))
          throw new Error(
            `feature ${name} of ${pulled.windows[i].entity.value}: pushdown ${pushed.windows[i].features[name]} vs pull ${v}`,
          );
      }
    }

    const rss = measurePeakRss();
    if (rss.entities !== WIDE.entities) throw new Error(`peak RSS run saw ${rss.entities} entities, expected ${WIDE.entities}`);

    return [
      {
        bench: 'features.pushdown',
        value: pushMs,
        unit: 'ms',
        baseline: 'pull raw events + compute in Node',
        baseline_value: pullMs,
        ratio: pullMs / pushMs,
        target: '≥ 10×',
      },
      {
        bench: 'features.events_per_s',
        value: MAIN.events / (pushMs / 1000),
        unit: 'events/s',
        baseline: 'pull raw events + compute in Node',
        baseline_value: MAIN.events / (pullMs / 1000),
        ratio: pullMs / pushMs,
      },
      { bench: 'features.peak_rss_mb', value: rss.maxRssMb, unit: 'MB', target: '≤ 400 MB (100,000 entities)' },
    ];
  } finally {
    await engine.close();
  }
}
