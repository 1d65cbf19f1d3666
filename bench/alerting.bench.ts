/**
 * Alert delivery throughput: signed notifications through the dispatcher to a local HTTP receiver
 * (127.0.0.1, answers 200 at once), so the figures are Vigil's own cost per alert.
 *
 *   alerting.delivered_per_s.memory     in-memory outbox (no cluster)
 *   alerting.delivered_per_s.opensearch durable outbox in the local OpenSearch (http://127.0.0.1:9250):
 *                                       create + claim + delivered writes and one read per alert
 *   alerting.outbox_ms_per_alert        extra milliseconds per alert the durable outbox costs
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { alertingSchema } from '../src/config/alerting.js';
import { clusterSchema } from '../src/config/cluster.js';
import { connectEngine } from '../src/engine/connect.js';
import type { Engine } from '../src/engine/engine.js';
import { anomalyId, type AnomalyDocument } from '../src/anomaly/document.js';
import { createDispatcher } from '../src/alerting/dispatcher.js';
import { sampleAlert } from '../src/alerting/sample.js';
import type { BenchLine } from './types.js';

const OPENSEARCH_URL = process.env.VIGIL_BENCH_OPENSEARCH_URL ?? 'http://127.0.0.1:9250';

function alerts(n: number): { id: string; doc: AnomalyDocument }[] {
  const base = sampleAlert().doc;
  return Array.from({ length: n }, (_, i) => {
    const value = `bench-user-${i}`;
    const doc: AnomalyDocument = { ...base, vigil: { ...base.vigil, entity: { field: 'user.name', value } }, user: { name: value } };
    return { id: anomalyId('bench', 'user.name', value, i), doc };
  });
}

async function measure(n: number, engine: Engine | undefined, url: string, stateIndex: string): Promise<number> {
  const config = alertingSchema.parse({
    realert: '0s',
    connectors: [{ name: 'bench', url, secret: 'whsec_' + randomBytes(24).toString('base64'), concurrency: 8, rate_per_second: 1000 }],
  });
  const d = createDispatcher({ config, engine, stateIndex, deadLetterIndex: `${stateIndex}-dl` });
  const started = performance.now();
  await d.enqueue(alerts(n));
  const stats = await d.drain();
  const seconds = (performance.now() - started) / 1000;
  await d.close();
  if (stats.delivered !== n) throw new Error(`bench delivered ${stats.delivered} of ${n}`);
  return n / seconds;
}

export async function run(): Promise<BenchLine[]> {
  process.env.VIGIL_LOG_LEVEL ??= 'warn';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200);
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const lines: BenchLine[] = [];
  try {
    const memory = await measure(2_000, undefined, url, 'unused');
    lines.push({ bench: 'alerting.delivered_per_s.memory', value: memory, unit: 'alerts/s' });
    let engine: Engine | undefined;
    try {
      engine = await connectEngine(clusterSchema.parse({ urls: [OPENSEARCH_URL], flavour: 'opensearch' }));
      await engine.info();
    } catch {
      engine = undefined;
    }
    if (engine) {
      const index = `vigil-bench-alerting-${randomBytes(3).toString('hex')}`;
      try {
        const durable = await measure(300, engine, url, index);
        lines.push({
          bench: 'alerting.delivered_per_s.opensearch',
          value: durable,
          unit: 'alerts/s',
          baseline: 'in-memory outbox',
          baseline_value: memory,
          ratio: durable / memory,
        });
        lines.push({ bench: 'alerting.outbox_ms_per_alert', value: 1000 / durable - 1000 / memory, unit: 'ms' });
      } finally {
        await engine.deleteIndex(`${index}*`);
        await engine.close();
      }
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return lines;
}
