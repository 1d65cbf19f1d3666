/**
 * `vigil demo`: the whole product on one machine in a few minutes.
 *
 *  1. a cluster: the one given with --cluster, or the embedded OpenSearch (started if not running);
 *  2. a small simulated enterprise with labelled attacks, written to files and bulk-loaded;
 *  3. a local alert receiver on 127.0.0.1 that verifies every request's signature;
 *  4. `install` and `backfill` through the real pipeline (features pushed down to the engine,
 *     anomaly documents written, alerts signed and delivered to the receiver);
 *  5. the evaluation table (ensemble vs rules, z-score, isolation forest), the HTML report, and
 *     where the anomalies, the receiver log and the report are.
 * The engine is stopped at the end only when the demo started it (and --keep-engine is not set).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEngine, stopEngine } from '../embedded/launcher.js';
import type { EngineFlavour } from '../embedded/versions.js';
import type { AnomalyDocument } from '../anomaly/document.js';
import { log } from '../log.js';
import { renderReport } from './report/html.js';
import { topIncidents, type ReportIncident } from './report/incidents.js';
import { DEFAULT_START, parseAttackSpec, type SimulateOptions } from '../simulate/options.js';
import { simulate, type SimulationSummary } from '../simulate/simulate.js';
import { ClusterSink, NdjsonFileSink } from '../simulate/sinks.js';
import { startAlertReceiver } from './alert-receiver.js';
import { clusterIndices } from './cluster-eval.js';
import { connectByUrl } from './cluster-url.js';
import { evaluateEvents, type EventsEvaluation } from './events-eval.js';
import { formatEventsEvaluation } from './format.js';

export interface DemoOptions {
  /** Use this cluster instead of the embedded one (then nothing is started or stopped). */
  readonly cluster?: string;
  readonly flavour: EngineFlavour;
  readonly keepEngine: boolean;
  /** How the user runs the CLI from where they are (`npm run vigil --`, `npx vigil`), for the printed next steps. */
  readonly vigilCommand?: string;
  /** Where events, labels, the receiver log and the report go. */
  readonly out: string;
  /** Index names start with this. */
  readonly prefix: string;
  readonly seed: number;
  readonly days: number;
  readonly users: number;
  readonly hosts: number;
  readonly attacks: string;
  readonly resamples?: number;
  readonly print?: (line: string) => void;
}

export const DEMO_DEFAULTS = {
  seed: 7,
  days: 6,
  users: 80,
  hosts: 40,
  attacks: 'all:1',
  prefix: 'vigil-demo',
  flavour: 'opensearch' as EngineFlavour,
};

export interface DemoResult {
  readonly clusterUrl: string;
  readonly startedEngine: boolean;
  readonly simulation: SimulationSummary;
  readonly evaluation: EventsEvaluation;
  readonly anomalyIndex: string;
  readonly anomalies: number;
  readonly alertsSent: number;
  readonly received: { accepted: number; rejected: number; distinct: number; logFile: string };
  readonly sample?: { entity: string; score: number; narrative: string };
  readonly reportFile: string;
  readonly files: { events: string; labels: string };
}

/** The period's top alerts from the anomaly index (one per entity, highest score first). */
async function topAlerts(url: string, index: string): Promise<ReportIncident[]> {
  const engine = await connectByUrl(url);
  try {
    const res = (await engine.search(`${index}*`, {
      size: 200,
      sort: [{ 'vigil.score': { order: 'desc' } }],
      query: { term: { 'vigil.is_alert': true } },
    })) as { hits?: { hits?: { _source?: AnomalyDocument }[] } };
    return topIncidents(
      (res.hits?.hits ?? []).flatMap((h) => (h._source ? [h._source] : [])),
      10,
    );
  } finally {
    await engine.close();
  }
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  await mkdir(options.out, { recursive: true });
  let url = options.cluster;
  let startedEngine = false;
  if (!url) {
    print(`starting the embedded ${options.flavour} (first run downloads it from Maven Central) …`);
    const running = await startEngine(options.flavour, { onProgress: (m) => log.info(m) });
    url = running.url;
    startedEngine = running.startedHere;
    print(`${options.flavour} ${running.version} at ${url}${running.startedHere ? '' : ' (already running)'}`);
  }
  const indices = clusterIndices(options.prefix);
  const receiver = await startAlertReceiver(join(options.out, 'alerts-received.ndjson'));
  try {
    const engine = await connectByUrl(url);
    let simulation: SimulationSummary;
    const files = { events: join(options.out, 'events.ndjson'), labels: join(options.out, 'labels.ndjson') };
    try {
      await engine.deleteIndex(`${options.prefix}-*`);
      const simOptions: SimulateOptions = {
        seed: options.seed,
        days: options.days,
        users: options.users,
        hosts: options.hosts,
        startMs: Date.parse(DEFAULT_START),
        attacks: parseAttackSpec(options.attacks),
        intensity: 1,
        stealth: 0.3,
      };
      print(
        `simulating ${options.days} days of ${options.users} accounts on ${options.hosts} hosts (seed ${options.seed}) into ${indices.events} …`,
      );
      simulation = await simulate({
        options: simOptions,
        sinks: [
          await NdjsonFileSink.create(files.events),
          await ClusterSink.create({ engine, index: indices.events, idPrefix: `sim${options.seed}` }),
        ],
        labelsPath: files.labels,
      });
      const loaded = simulation.sinks.find((s) => s.kind === 'cluster');
      print(
        `  ${simulation.events.toLocaleString('en-US')} events, ${simulation.attacks.length} attacks; indexed ${loaded?.written.toLocaleString('en-US') ?? 0}${loaded?.failed ? `, ${loaded.failed} refused (${JSON.stringify(loaded.errors)})` : ''}`,
      );
    } finally {
      await engine.close();
    }

    print(`installing Vigil's templates and backfilling the jobs through the pipeline (alerts → ${receiver.url}) …`);
    let lastShown = 0;
    const evaluation = await evaluateEvents(
      {
        events: files.events,
        labels: files.labels,
        cluster: url,
        json: false,
        ...(options.resamples ? { resamples: options.resamples } : {}),
      },
      undefined,
      {
        prefix: options.prefix,
        eventsIndex: indices.events,
        keepIndices: true,
        alerting: { connectors: [{ name: 'demo-receiver', format: 'generic', url: receiver.url, secret: receiver.secret }] },
        onWindow: (done, total) => {
          if (total > 0 && done - lastShown >= Math.max(1, Math.floor(total / 10))) {
            lastShown = done;
            print(`  ${Math.round((100 * done) / total)}% (${done}/${total} windows)`);
          }
        },
      },
    );
    const reportFile = join(options.out, 'report.html');
    const anomalyIndex = evaluation.cluster?.indices.anomalies ?? indices.anomalies;
    const incidents = await topAlerts(url, anomalyIndex);
    await writeFile(reportFile, renderReport(evaluation, 'Vigil demo: ensemble vs baselines on a simulated enterprise', incidents));
    const top = incidents[0];
    const sample = top ? { entity: top.entity, score: top.score, narrative: top.narrative } : undefined;
    // Let in-flight deliveries land before counting.
    await new Promise((r) => setTimeout(r, 200));
    const result: DemoResult = {
      clusterUrl: url,
      startedEngine,
      simulation,
      evaluation,
      anomalyIndex,
      anomalies: evaluation.cluster?.anomalyCount ?? 0,
      alertsSent: evaluation.cluster?.alerts.delivered ?? 0,
      received: { accepted: receiver.accepted, rejected: receiver.rejected, distinct: receiver.distinctIds, logFile: receiver.logFile },
      ...(sample ? { sample } : {}),
      reportFile,
      files,
    };
    print('');
    print(formatEventsEvaluation(evaluation.analyst, evaluation.result));
    print('');
    const engineStops = startedEngine && !options.keepEngine;
    print(`anomalies: ${result.anomalies.toLocaleString('en-US')} documents in index ${anomalyIndex} on ${url}`);
    if (engineStops)
      print(`  (the ${options.flavour} the demo started stops now: re-run with --keep-engine to search the index afterwards)`);
    else print(`  search them: curl -s '${url}/${anomalyIndex}/_search?size=3&sort=vigil.score:desc'`);
    if (sample) print(`  top alert: ${sample.entity} score ${sample.score.toFixed(0)} — ${sample.narrative}`);
    print(
      `alerts: ${result.alertsSent} delivered by the dispatcher; the receiver verified ${receiver.accepted} signed request(s) (${receiver.distinctIds} distinct ids), rejected ${receiver.rejected}; log: ${receiver.logFile}`,
    );
    print(`report: ${reportFile}`);
    print(
      `events and labels: ${files.events}, ${files.labels} (re-run the evaluation in memory: ${options.vigilCommand ?? 'vigil'} eval --events ${files.events} --labels ${files.labels})`,
    );
    return result;
  } finally {
    await receiver.close();
    if (startedEngine && !options.keepEngine) {
      print(`stopping the ${options.flavour} the demo started (use --keep-engine to keep it)`);
      await stopEngine(options.flavour);
    }
  }
}
