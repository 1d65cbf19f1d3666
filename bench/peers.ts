/**
 * `npm run bench:peers`: Vigil and ElastAlert2 side by side on the same simulated, labelled events,
 * scored at the analyst's level (attacks caught, incidents/day, false incidents/day; src/eval/peers.ts).
 *
 * 1. ElastAlert2 is installed from PyPI into a virtual environment (~/.cache/vigil/elastalert2-venv,
 *    reused; VIGIL_ELASTALERT_VENV overrides; /opt/wheels is used as a local wheel source if present).
 * 2. The embedded OpenSearch is started or reused (src/embedded/launcher.ts, 127.0.0.1:9250).
 * 3. A world is simulated (src/simulate) into an NDJSON file and the index <prefix>-events.
 * 4. Vigil: `vigil eval` in memory on the same events (the pipeline's JobRunner, default jobs and
 *    settings: hourly windows sliding by 15 minutes, as the presets run) — its own alert decisions,
 *    one incident per incident id.
 * 5. ElastAlert2: the shipped pack (rules/elastalert2) pointed at <prefix>-events, run for real over
 *    [end of warm-up, end of data] by bench/peers/elastalert_backfill.py, writeback/status indices
 *    <prefix>-elastalert*; its alerts are read back from the writeback index.
 * 6. The built-in `rules` baseline (src/eval/rules.ts) on the same events, as a cross-check that it
 *    fires as ElastAlert2 does.
 * 7. Vigil beside ElastAlert2 (risk-based alerting): ElastAlert2's matches, read from its writeback
 *    index, as soft labels on Vigil's windows (src/feedback/rule-hits.ts, what `rule_hits:` does in
 *    the pipeline: each rule keyed on its query_key, credited to jobs that read the matched event),
 *    then the same incident pass and budget.
 *
 * Flags: --json (one JSON object a line), --seed N (7), --days D (9), --users U (150), --hosts H (60),
 * --attacks SPEC (all:1), --slide D (15m: Vigil's windows, as the presets run), --prefix P (vigil-peers), --url URL (reuse an engine instead of the launcher),
 * --keep (keep the indices and files).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { startEngine } from '../src/embedded/launcher.js';
import { connectByUrl } from '../src/eval/cluster-url.js';
import { evaluateEvents } from '../src/eval/events-eval.js';
import { incidentPass } from '../src/eval/incident-pass.js';
import { defaultEvalJobs } from '../src/eval/jobs.js';
import { RuleHitIndex } from '../src/feedback/rule-hits.js';
import { compileFilter, ecsTypeOf } from '../src/features/query-filter.js';
import { planJob } from '../src/pipeline/job-plan.js';
import { ruleHitsSchema } from '../src/config/rule-hits.js';
import { readLabels } from '../src/eval/labels.js';
import { formatPeerTable, ruleAlerts, scoreAlerts, vigilAlerts, type PeerScore } from '../src/eval/peers.js';
import { findRulePackDir, loadRulePack } from '../src/eval/rule-pack.js';
import { runRulePack, type RuleMatch } from '../src/eval/rules.js';
import { readLines } from '../src/eval/event-tape.js';
import type { JsonObject } from '../src/engine/engine.js';
import { DEFAULT_START, parseAttackSpec } from '../src/simulate/options.js';
import { simulate } from '../src/simulate/simulate.js';
import { ClusterSink, NdjsonFileSink } from '../src/simulate/sinks.js';

const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: '7' },
    days: { type: 'string', default: '9' },
    users: { type: 'string', default: '150' },
    hosts: { type: 'string', default: '60' },
    attacks: { type: 'string', default: 'all:1' },
    prefix: { type: 'string', default: 'vigil-peers' },
    url: { type: 'string' },
    keep: { type: 'boolean', default: false },
    slide: { type: 'string', default: '15m' },
  },
});

const say = (m: string): void => {
  if (!flags.json) console.log(m);
  else console.error(m);
};
const int = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1, got "${v}"`);
  return n;
};
const phases: Record<string, number> = {};
async function phase<T>(name: string, f: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await f();
  } finally {
    phases[name] = Math.round((Date.now() - t) / 100) / 10;
  }
}

/** The venv with ElastAlert2 (created on first use); returns its bin directory and the installed version. */
function elastalertVenv(): { bin: string; version: string } {
  const venv = process.env.VIGIL_ELASTALERT_VENV ?? join(homedir(), '.cache', 'vigil', 'elastalert2-venv');
  const bin = join(venv, 'bin');
  const python = join(bin, 'python');
  const version = (): string =>
    execFileSync(python, ['-c', "import importlib.metadata as m; print(m.version('elastalert2'))"], { encoding: 'utf8' }).trim();
  if (existsSync(python)) {
    try {
      return { bin, version: version() };
    } catch {
      // not installed yet: fall through
    }
  }
  say(`installing ElastAlert2 from PyPI into ${venv} …`);
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  const wheels = existsSync('/opt/wheels') ? ['--find-links', '/opt/wheels'] : [];
  // pytz: imported by elastalert.util but missing from elastalert2 2.19.0's declared dependencies.
  execFileSync(join(bin, 'pip'), ['install', '--quiet', ...wheels, 'elastalert2', 'pytz'], { stdio: 'inherit' });
  return { bin, version: version() };
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}

/** The pack's rules, pointed at the bench's index; realert 0 (ElastAlert2 measures realert on the wall clock, which a backfill compresses to seconds). */
async function writeRules(dir: string, index: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const src = findRulePackDir();
  for (const f of (await readdir(src)).filter((n) => n.endsWith('.yaml'))) {
    const rule = parse(readFileSync(join(src, f), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, f), stringify({ ...rule, index, realert: { minutes: 0 } }));
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const seed = int('seed', flags.seed);
  const days = int('days', flags.days);
  const users = int('users', flags.users);
  const hosts = int('hosts', flags.hosts);
  const prefix = flags.prefix;
  const eventsIndex = `${prefix}-events`;
  const writeback = `${prefix}-elastalert`;
  const work = await mkdtemp(join(tmpdir(), 'vigil-peers-'));
  const { bin, version: eaVersion } = await phase('venv', async () => elastalertVenv());
  const url = flags.url ?? (await phase('engine', async () => (await startEngine('opensearch', { onProgress: say })).url));
  const engine = await connectByUrl(url);
  try {
    await engine.deleteIndex(`${prefix}-*`);
    const files = { events: join(work, 'events.ndjson'), labels: join(work, 'labels.ndjson') };
    say(`simulating ${days} days, ${users} accounts, ${hosts} hosts (seed ${seed}, attacks ${flags.attacks}) into ${eventsIndex} …`);
    const sim = await phase('simulate+index', async () =>
      simulate({
        options: {
          seed,
          days,
          users,
          hosts,
          startMs: Date.parse(DEFAULT_START),
          attacks: parseAttackSpec(flags.attacks),
          intensity: 1,
          stealth: 0.3,
        },
        sinks: [
          await NdjsonFileSink.create(files.events),
          await ClusterSink.create({ engine, index: eventsIndex, idPrefix: `peers${seed}` }),
        ],
        labelsPath: files.labels,
      }),
    );
    await engine.refresh(eventsIndex);
    say(`  ${sim.events.toLocaleString('en-US')} events, ${sim.attacks.length} attacks`);
    const labels = await readLabels(files.labels);

    say('Vigil: vigil eval in memory (pipeline JobRunner, default jobs) …');
    const evaluation = await phase('vigil', async () =>
      evaluateEvents(
        { events: files.events, labels: files.labels, json: false, resamples: 0, keepWindows: true, slide: flags.slide },
        labels,
      ),
    );
    if (!evaluation.scored) throw new Error('evaluateEvents returned no windows');
    const { scoreFrom, scoreTo } = evaluation.scored;
    const vigil = scoreAlerts('Vigil (default)', vigilAlerts(evaluation.scored.windows), labels, scoreFrom, scoreTo);

    say(
      `ElastAlert2 ${eaVersion}: ${loadRulePack().length} rules over ${new Date(scoreFrom).toISOString()} … ${new Date(scoreTo).toISOString()} …`,
    );
    const rulesDir = join(work, 'rules');
    await writeRules(rulesDir, eventsIndex);
    const { hostname, port } = new URL(url);
    const config = join(work, 'config.yaml');
    await writeFile(
      config,
      stringify({
        rules_folder: rulesDir,
        run_every: { minutes: 1 },
        buffer_time: { minutes: 45 },
        es_host: hostname,
        es_port: Number(port),
        writeback_index: writeback,
        alert_time_limit: { days: 2 },
        max_query_size: 10000,
      }),
    );
    const env = { ...process.env, PYTHONPATH: findRulePackDir() };
    const perRule = await phase('elastalert2', async () => {
      await run(join(bin, 'elastalert-create-index'), ['--config', config, '--no-auth'], env);
      const out = await run(
        join(bin, 'python'),
        [
          join(import.meta.dirname, 'peers', 'elastalert_backfill.py'),
          '--config',
          config,
          '--start',
          new Date(scoreFrom).toISOString(),
          '--end',
          new Date(scoreTo).toISOString(),
        ],
        env,
      );
      return out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { rule: string; matches: number; seconds: number });
    });
    await engine.refresh(`${writeback}*`);
    const queryKey = new Map(loadRulePack().map((r) => [r.config.name, r.config.query_key]));
    const eaMatches: RuleMatch[] = [];
    for await (const page of engine.stream({
      index: writeback,
      query: { term: { alert_sent: true } },
      fields: ['rule_name', 'match_body'],
      sort: ['alert_time'],
      pageSize: 5000,
    })) {
      for (const hit of page) {
        const rule = String(hit.source.rule_name);
        const body = hit.source.match_body as JsonObject;
        const key = (queryKey.get(rule) ?? '')
          .split('.')
          .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as JsonObject)[k] : undefined), body);
        eaMatches.push({ rule, key: String(key), ts: Date.parse(String(body['@timestamp'])), doc: body });
      }
    }
    const elastalert = scoreAlerts(`ElastAlert2 ${eaVersion}`, ruleAlerts(eaMatches, scoreFrom), labels, scoreFrom, scoreTo);

    const docs: JsonObject[] = [];
    for await (const line of readLines(files.events)) if (line.trim()) docs.push(JSON.parse(line) as JsonObject);
    const tsMatches = await phase('rules-baseline', async () => runRulePack(loadRulePack(), docs, scoreFrom, scoreTo));
    const baseline = scoreAlerts('vigil eval rules', ruleAlerts(tsMatches, scoreFrom), labels, scoreFrom, scoreTo);

    // Vigil beside ElastAlert2: its matches as soft labels (rule_hits defaults), the same incident pass.
    const hitDefaults = ruleHitsSchema.parse({ index: writeback });
    const plans = defaultEvalJobs('events', 0).map((j) => planJob(j));
    const hitIndex = RuleHitIndex.forJobs(
      eaMatches.map((m) => ({ rule: m.rule, ts: m.ts, event: m.doc })),
      plans.map((p) => ({ id: p.job.id, entityFields: p.resolved.entityFields, accepts: compileFilter(p.resolved.filter, ecsTypeOf) })),
      { weight: hitDefaults.weight, maxRules: hitDefaults.max_rules, keyFields: Object.fromEntries(queryKey) },
    );
    // ElastAlert2's distinct rules per window, weighed by the incident pass as `vigil eval --suite --rule-hits` does.
    const withHits = incidentPass(
      evaluation.scored.windows.map((w) => {
        const rules = hitIndex.label({ job: w.job, entityField: w.entityField, entityValue: w.entity, start: w.start, end: w.end }).rules;
        return { ...w, scores: { ...w.scores, rules: rules.length } };
      }),
      { alertsPerDay: 10, ruleHits: { weight: hitDefaults.weight, maxRules: hitDefaults.max_rules } },
    );
    const vigilRba = scoreAlerts('Vigil + EA2 matches', vigilAlerts(withHits.windows), labels, scoreFrom, scoreTo);

    const scores: PeerScore[] = [vigil, vigilRba, elastalert, baseline];
    const totalS = Math.round((Date.now() - started) / 1000);
    const beats = (v: PeerScore): boolean =>
      v.attacks_caught >= elastalert.attacks_caught && v.false_per_day <= elastalert.false_per_day / 2;
    const targetMet = beats(vigil);
    const world = {
      seed,
      days,
      users,
      hosts,
      attacks: flags.attacks,
      events: sim.events,
      scored_from: new Date(scoreFrom).toISOString(),
      scored_days: vigil.scored_days,
    };
    if (flags.json) {
      for (const s of scores) console.log(JSON.stringify({ bench: 'peers', ...s, world }));
      console.log(
        JSON.stringify({
          bench: 'peers-false-per-day',
          value: vigil.false_per_day,
          unit: 'false incidents/day',
          baseline: elastalert.system,
          baseline_value: elastalert.false_per_day,
          ratio: vigil.false_per_day > 0 ? Math.round((elastalert.false_per_day / vigil.false_per_day) * 100) / 100 : null,
          target: 'Vigil catches ≥ as many attacks with ≤ ½ the false incidents/day',
          target_met: targetMet,
          with_rule_hits: { false_per_day: vigilRba.false_per_day, attacks_caught: vigilRba.attacks_caught, target_met: beats(vigilRba) },
          elastalert2_version: eaVersion,
          elastalert2_rules: perRule,
          seconds: { total: totalS, ...phases },
        }),
      );
    } else {
      console.log(
        `\nPeers on one simulated world (seed ${seed}, ${users} accounts, ${hosts} hosts, ${days} days, ${sim.events.toLocaleString('en-US')} events; scored from ${world.scored_from}, ${vigil.scored_days} days)`,
      );
      console.log('an incident: Vigil — one per incident id; rule engines — one per (rule · entity, day)\n');
      console.log(formatPeerTable(scores));
      console.log(`\nElastAlert2 per rule (matches): ${perRule.map((r) => `${r.rule.replace(/^vigil-/, '')} ${r.matches}`).join(', ')}`);
      console.log(`target (Vigil ≥ ElastAlert2's attacks caught, ≤ ½ its false/day): ${targetMet ? 'met' : 'NOT met'}`);
      console.log(`same target, Vigil with ElastAlert2's matches as soft labels: ${beats(vigilRba) ? 'met' : 'NOT met'}`);
      console.log(
        `time: ${totalS} s (${Object.entries(phases)
          .map(([k, v]) => `${k} ${v} s`)
          .join(', ')})`,
      );
    }
  } finally {
    if (!flags.keep) {
      await engine.deleteIndex(`${prefix}-*`).catch(() => undefined);
      await rm(work, { recursive: true, force: true });
    } else say(`kept: indices ${prefix}-*, files ${work}`);
    await engine.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
