/**
 * Query sizing of the pushdown executor against an in-memory composite-aggregation fake: the
 * sequences come from (entity, time, action) buckets (also with entity fallbacks), a circuit breaker halves the page, a busy
 * engine (429) is waited out, and only a page that fails at size 1 past the attempts fails the window.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EngineRequestError,
  type CompositeKey,
  type CompositePage,
  type CompositeRequest,
  type Engine,
} from '../../../src/engine/engine.js';
import { toEngineError } from '../../../src/engine/errors.js';
import {
  AggregationExecutor,
  HISTOGRAM_BYTES_PER_PAGE,
  histogramPageCap,
  resourceLimit,
} from '../../../src/features/aggregation-executor.js';
import { MemoryExecutor } from '../../../src/features/memory-executor.js';
import type { WindowRequest } from '../../../src/features/executor.js';

interface Event {
  readonly '@timestamp': number;
  readonly user: { readonly name: string };
  readonly event: { readonly action: string };
}

const START = Date.UTC(2026, 0, 5, 10);
const EVENTS: Event[] = [];
for (let i = 0; i < 600; i++) {
  // Same-millisecond duplicates on purpose: one composite bucket stands for several events.
  EVENTS.push({
    '@timestamp': START + Math.floor(i / 3) * 1000,
    user: { name: `u${i % 7}` },
    event: { action: ['logon', 'sudo', 'logoff'][(i * 5) % 3] },
  });
}

const FIELD: Record<string, (e: Event) => string | number> = {
  'user.name': (e) => e.user.name,
  '@timestamp': (e) => e['@timestamp'],
  'event.action': (e) => e.event.action,
};

const breaker = () =>
  new EngineRequestError(
    500,
    'search_phase_execution_exception',
    'all shards failed (circuit_breaking_exception: [parent] Data too large)',
    'composite',
  );
const busy = () => new EngineRequestError(429, 'es_rejected_execution_exception', 'rejected execution of search', 'composite');

/** Groups the events by the request's sources in key order, like the engines' composite aggregation. */
class CompositeFake {
  calls: number[] = [];
  failBusy = new Set<number>();
  breakAbove = Infinity;

  page(request: CompositeRequest): Promise<CompositePage> {
    const call = this.calls.push(request.pageSize);
    if (this.failBusy.has(call)) return Promise.reject(busy());
    if (request.sources.length > 1 && request.pageSize > this.breakAbove) return Promise.reject(breaker());
    const names = request.sources.map((s) => s.name);
    const fields = request.sources.map((s) => ('terms' in s ? s.terms.field : s.dateHistogram.field));
    const groups = new Map<string, { key: CompositeKey; docCount: number; values: (string | number)[] }>();
    for (const e of EVENTS) {
      const values = fields.map((f) => FIELD[f](e));
      const id = JSON.stringify(values);
      const g = groups.get(id) ?? { key: Object.fromEntries(names.map((n, i) => [n, values[i]])), docCount: 0, values };
      g.docCount++;
      groups.set(id, g);
    }
    const cmp = (a: (string | number)[], b: (string | number)[]): number => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      return 0;
    };
    const sorted = [...groups.values()].sort((a, b) => cmp(a.values, b.values));
    const after = request.after ? names.map((n) => request.after![n]!) : undefined;
    const rest = after ? sorted.filter((g) => cmp(g.values, after) > 0) : sorted;
    const buckets = rest.slice(0, request.pageSize).map((g) => ({ key: g.key, docCount: g.docCount, aggregations: {} }));
    return Promise.resolve({ buckets, ...(buckets.length === request.pageSize ? { afterKey: buckets[buckets.length - 1].key } : {}) });
  }

  engine(): Engine {
    const fake: Pick<Engine, 'compositePage' | 'search'> = { compositePage: (r) => this.page(r), search: () => Promise.resolve({}) };
    return fake as Engine;
  }
}

const REQUEST: WindowRequest = {
  index: 'events',
  timeField: '@timestamp',
  entityFields: ['user.name'],
  start: START,
  end: START + 3_600_000,
  features: [{ kind: 'count', name: 'events' }],
  categoricalFields: [],
  sequenceField: 'event.action',
};

describe('aggregation executor: sequences from composite buckets', () => {
  it('gives exactly the memory executor’s actions, duplicates in one millisecond included', async () => {
    const fake = new CompositeFake();
    const slept: number[] = [];
    const pushed = await new AggregationExecutor(fake.engine(), {
      checkMappings: false,
      streamPageSize: 50,
      sleep: (ms) => (slept.push(ms), Promise.resolve()),
    }).computeWindow(REQUEST);
    const memory = await new MemoryExecutor(EVENTS).computeWindow(REQUEST);
    assert.equal(pushed.windows.length, 7);
    assert.deepEqual(
      pushed.windows.map((w) => w.actions),
      memory.windows.map((w) => w.actions),
    );
    assert.equal(
      pushed.windows.reduce((n, w) => n + (w.actions?.length ?? 0), 0),
      Math.min(600, 7 * 1000),
    );
    assert.deepEqual(slept, []);
  });

  it('halves the page on a circuit breaker and waits out a busy engine instead of failing', async () => {
    const fake = new CompositeFake();
    fake.breakAbove = 12;
    fake.failBusy = new Set([3, 4]);
    const slept: number[] = [];
    const executor = new AggregationExecutor(fake.engine(), {
      checkMappings: false,
      streamPageSize: 100,
      busyBackoffMs: 10,
      sleep: (ms) => (slept.push(ms), Promise.resolve()),
    });
    const result = await executor.computeWindow(REQUEST);
    const reference = await new AggregationExecutor(new CompositeFake().engine(), { checkMappings: false }).computeWindow(REQUEST);
    assert.deepEqual(
      result.windows.map((w) => w.actions),
      reference.windows.map((w) => w.actions),
    );
    // 100 → 50 → 25 → 12 after three breaker answers, and two 429s waited out with doubling backoff.
    assert.ok(
      fake.calls.includes(12) && !fake.calls.slice(fake.calls.indexOf(12)).some((s) => s > 12),
      `page sizes ${fake.calls.join(',')}`,
    );
    assert.deepEqual(
      slept.filter((ms) => ms !== 10),
      [20],
    );
    assert.equal(slept.length, 5);
  });

  it('fails the window only when a one-bucket page still fails after the attempts', async () => {
    const fake = new CompositeFake();
    fake.breakAbove = 0;
    const executor = new AggregationExecutor(fake.engine(), {
      checkMappings: false,
      busyAttempts: 3,
      busyBackoffMs: 1,
      sleep: () => Promise.resolve(),
    });
    await assert.rejects(executor.computeWindow(REQUEST), /circuit_breaking_exception/);
  });

  it('classifies the engines’ answers', () => {
    assert.equal(resourceLimit(breaker()), 'too-large');
    assert.equal(
      resourceLimit(new EngineRequestError(400, 'too_many_buckets_exception', 'Trying to create too many buckets', 'x')),
      'too-large',
    );
    assert.equal(resourceLimit(busy()), 'busy');
    assert.equal(resourceLimit(new EngineRequestError(400, 'parsing_exception', 'unknown field', 'x')), undefined);
    assert.equal(resourceLimit(new Error('x')), undefined);
  });

  it('sees the circuit breaker behind "all shards failed" (the 30,000-user failure)', () => {
    const body = {
      error: {
        root_cause: [
          { type: 'circuit_breaking_exception', reason: '[fielddata] Data too large, data for [_id] would be [216006656/206mb]' },
        ],
        type: 'search_phase_execution_exception',
        reason: 'all shards failed',
      },
      status: 500,
    };
    const error = toEngineError(
      Object.assign(new Error('search_phase_execution_exception'), { name: 'ResponseError', meta: { statusCode: 500, body } }),
      {
        url: 'http://127.0.0.1:9',
        operation: 'composite',
      },
    );
    assert.ok(error instanceof EngineRequestError);
    assert.equal(
      error.reason,
      'all shards failed (circuit_breaking_exception: [fielddata] Data too large, data for [_id] would be [216006656/206mb])',
    );
    assert.equal(resourceLimit(error), 'too-large');
  });
});

describe('aggregation executor: pages sized for the engines’ date histograms', () => {
  /** 3,000 hosts, each with `perEntity` one-minute buckets: the per-page histogram lists grow as P² (see HISTOGRAM_BYTES_PER_PAGE). */
  function denseEngine(perEntity: number): { engine: Engine; pages: number[] } {
    const pages: number[] = [];
    const hosts = Array.from({ length: 3_000 }, (_, i) => `h${String(i).padStart(4, '0')}`);
    const compositePage = (r: CompositeRequest): Promise<CompositePage> => {
      pages.push(r.pageSize);
      const from = r.after ? hosts.indexOf(String(r.after.e0)) + 1 : 0;
      const slice = hosts.slice(from, from + r.pageSize);
      const minutes = Array.from({ length: perEntity }, (_, m) => ({ key: START + m * 60_000, doc_count: 1 }));
      const buckets = slice.map((h) => ({ key: { e0: h }, docCount: perEntity, aggregations: { h0: { buckets: minutes } } }));
      const more = from + slice.length < hosts.length;
      return Promise.resolve({ buckets, ...(more ? { afterKey: { e0: slice[slice.length - 1] } } : {}) });
    };
    const engine: Pick<Engine, 'compositePage' | 'search'> = { compositePage, search: () => Promise.resolve({}) };
    return { engine: engine as Engine, pages };
  }
  const burst: WindowRequest = {
    index: 'events',
    timeField: '@timestamp',
    entityFields: ['host.name'],
    start: START,
    end: START + 3_600_000,
    features: [{ kind: 'burst', name: 'burst_per_minute', interval_seconds: 60 }],
    categoricalFields: [],
  };

  it('keeps every page of dense minute histograms under the quadratic budget, and grows pages for sparse ones', async () => {
    const dense = denseEngine(60);
    const denseResult = await new AggregationExecutor(dense.engine, { checkMappings: false }).computeWindow(burst);
    assert.equal(denseResult.windows.length, 3_000);
    assert.equal(denseResult.windows[0].features.burst_per_minute, 1);
    // 60 buckets per host: at most √(16 MiB / (4 · 60)) = 264 hosts a page, the first one included (61 assumed).
    assert.ok(
      dense.pages.every((p) => 4 * 60 * p * p <= HISTOGRAM_BYTES_PER_PAGE),
      dense.pages.join(','),
    );
    assert.equal(histogramPageCap(60), 264);
    assert.equal(Math.max(...dense.pages), 264);

    const sparse = denseEngine(2);
    await new AggregationExecutor(sparse.engine, { checkMappings: false }).computeWindow(burst);
    assert.ok(Math.max(...sparse.pages) > 1_000, sparse.pages.join(','));
  });

  it('starts a day-long window of minute bursts with a small page', async () => {
    const day = denseEngine(1_440);
    await new AggregationExecutor(day.engine, { checkMappings: false }).computeWindow({ ...burst, end: START + 86_400_000 });
    // At most 1,441 buckets a host: √(16 MiB / (4 · 1,441)) = 53 hosts.
    assert.equal(day.pages[0], 53);
    assert.ok(day.pages.every((p) => p <= 53));
  });
});
