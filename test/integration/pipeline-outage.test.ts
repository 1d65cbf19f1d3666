/**
 * `vigil run` against a cluster that goes away: on our own OpenSearch node (port 9253, never the
 * shared ones) the runner scores 5-second windows in real time; the node is stopped, the runner
 * logs the outage and keeps retrying with backoff; the node comes back and the runner catches up
 * — the status index then holds every window from the first scored one on, without a gap.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, stopEngine } from '../../src/embedded/launcher.js';
import { EMBEDDED_ENGINES } from '../../src/embedded/versions.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { alignDown } from '../../src/pipeline/window-planner.js';
import { eventsIndexTemplate } from '../fixtures/pipeline-events.js';
import type { TestEngine } from './engines.js';
import { allDocuments, engineFor, liveJob, outputNames, runCli, sleep, startCli, writeConfig } from './pipeline-support.js';

const PORT = 9253;
const TRANSPORT = 9353;
const WINDOW = 5_000;
const own: TestEngine = {
  flavour: 'opensearch',
  version: EMBEDDED_ENGINES.opensearch.version,
  url: `http://127.0.0.1:${PORT}`,
  label: `opensearch ${EMBEDDED_ENGINES.opensearch.version} (own node on ${PORT})`,
};

/** Login events every 500 ms for four users from `from` to `to`: every window has events. */
function liveEvents(from: number, to: number): JsonObject[] {
  const events: JsonObject[] = [];
  for (let t = from, i = 0; t < to; t += 500, i++) {
    const user = `user${i % 4}`;
    events.push({
      '@timestamp': new Date(t).toISOString(),
      event: { category: ['authentication'], type: ['start'], action: 'logon', outcome: i % 17 === 0 ? 'failure' : 'success' },
      user: { name: user },
      source: { ip: `10.9.0.${(i % 4) + 1}`, geo: { country_iso_code: 'US' } },
      host: { name: `ws-${i % 4}` },
    });
  }
  return events;
}

async function statusStarts(engine: Engine, index: string): Promise<number[]> {
  const docs = await allDocuments(engine, index).catch(() => new Map<string, JsonObject>());
  return [...docs.values()]
    .map((d) => Date.parse(String(((d.vigil as JsonObject).status as JsonObject).window_start)))
    .sort((a, b) => a - b);
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

describe(`vigil run through a cluster outage on ${own.label}`, () => {
  const prefix = 'pipeline-outage';
  let engine: Engine;

  before(async () => {
    await startEngine('opensearch', { httpPort: PORT, transportPort: TRANSPORT, fresh: true });
    engine = await engineFor(own);
  });

  after(async () => {
    await engine?.close();
    await stopEngine('opensearch', { httpPort: PORT, graceSeconds: 15 });
  });

  it('logs the outage, retries with backoff, and catches up without gaps when the cluster returns', async () => {
    const now = Date.now();
    const index = `${prefix}-events`;
    await engine.putIndexTemplate(index, eventsIndexTemplate(index));
    const events = liveEvents(now - 30_000, now + 240_000);
    const bulk = await engine.bulk(
      events.map((document) => ({ action: 'index' as const, index, document })),
      { refresh: true },
    );
    assert.equal(bulk.failed, 0);
    const out = outputNames(prefix);
    const config = writeConfig(own, prefix, out, {
      jobs: [liveJob(index)],
      schedule: { cron: '* * * * * *' },
      pipeline: { lease_ttl: '4s', outage_max_backoff: '3s', grace_period: '5s' },
    });
    await runCli(['install', '--config', config]);

    const runner = startCli(['run', '--config', config], { VIGIL_LOG_LEVEL: 'info' });
    try {
      // Generous: on a loaded machine the CLI alone takes tens of seconds to start.
      const before = await waitFor('the first scored windows', 120_000, async () => {
        const starts = await statusStarts(engine, out.status_index);
        return starts.length >= 2 ? starts : undefined;
      });

      await stopEngine('opensearch', { httpPort: PORT, graceSeconds: 15 });
      const downAt = Date.now();
      await sleep(8_000); // at least one window completes while the cluster is down
      await startEngine('opensearch', { httpPort: PORT, transportPort: TRANSPORT });
      const upAt = Date.now();

      // Caught up: every window up to the newest complete one (at the time the node was back) is scored.
      const lastDue = alignDown(upAt - 1_000 - WINDOW, WINDOW);
      const starts = await waitFor('the catch-up', 60_000, async () => {
        const s = await statusStarts(engine, out.status_index);
        return s.length > 0 && s[s.length - 1] >= lastDue ? s : undefined;
      });
      const first = starts[0];
      assert.equal(first, before[0]);
      for (let i = 0; i < starts.length; i++)
        assert.equal(starts[i], first + i * WINDOW, `gap before window ${new Date(first + i * WINDOW).toISOString()}`);
      const duringOutage = starts.filter((s) => s + WINDOW + 1_000 > downAt && s + WINDOW + 1_000 <= upAt);
      assert.ok(duringOutage.length >= 1, 'windows that completed during the outage were scored after it');
    } finally {
      runner.child.kill('SIGTERM');
    }
    const result = await runner.done;
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    const messages = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.ok(messages.includes('cluster unreachable: will retry with backoff and catch up when it returns'), messages.join('\n'));
    assert.ok(messages.includes('cluster reachable again: catching up from the checkpoints'));
    assert.ok(messages.includes('vigil run stopped'));
  });
});
