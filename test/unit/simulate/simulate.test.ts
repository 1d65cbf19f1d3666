import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { simulate, type SimulationSummary } from '../../../src/simulate/simulate.js';
import { SCENARIOS } from '../../../src/simulate/attacks/index.js';
import { parseAttackSpec } from '../../../src/simulate/options.js';
import { MemorySink, smallOptions } from './helpers.js';

type Doc = {
  '@timestamp': string;
  event: { category: string[]; action: string; outcome?: string };
  user?: { name: string };
  source?: { ip: string; geo?: { country_iso_code: string } };
  host?: { name: string };
  destination?: { ip: string };
  process?: { name: string };
};

const hash = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex');

describe('vigil simulate', () => {
  let sink: MemorySink;
  let summary: SimulationSummary;
  let docs: Doc[];
  before(async () => {
    sink = new MemorySink();
    summary = await simulate({ options: smallOptions(), sinks: [sink] });
    docs = sink.lines.map((l) => JSON.parse(l) as Doc);
  });

  it('is deterministic: the same options give byte-identical output, another seed does not', async () => {
    const again = new MemorySink();
    await simulate({ options: smallOptions(), sinks: [again] });
    assert.equal(hash(again.lines), hash(sink.lines));
    const other = new MemorySink();
    await simulate({ options: smallOptions({ seed: 12 }), sinks: [other] });
    assert.notEqual(hash(other.lines), hash(sink.lines));
  });

  it('changing the attacks leaves the benign world untouched', async () => {
    const benignOnly = new MemorySink();
    const s = await simulate({ options: smallOptions({ attacks: parseAttackSpec('none') }), sinks: [benignOnly] });
    assert.equal(s.labels.length, 0);
    assert.equal(benignOnly.lines.length, summary.events - summary.attackEvents);
    const all = new Set(sink.lines);
    assert.ok(
      benignOnly.lines.every((l) => all.has(l)),
      'every benign event of the benign-only run is in the run with attacks',
    );
  });

  it('streams events in time order and counts them by category', () => {
    let prev = '';
    for (const d of docs) {
      assert.ok(d['@timestamp'] >= prev, `${d['@timestamp']} after ${prev}`);
      prev = d['@timestamp'];
    }
    const counted = Object.values(summary.byCategory).reduce((a, b) => a + b, 0);
    assert.equal(counted, docs.length);
    for (const c of ['authentication', 'process', 'network', 'file', 'iam'])
      assert.ok((summary.byCategory[c] ?? 0) > 0, `${c} events present`);
  });

  it('emits every scenario once with its ATT&CK technique', () => {
    const byScenario = new Map(summary.labels.map((l) => [l.scenario, l.technique]));
    for (const s of SCENARIOS) assert.equal(byScenario.get(s.name), s.technique, s.name);
    assert.equal(summary.attacks.length, SCENARIOS.length);
    const expected: Record<string, string> = {
      brute_force: 'T1110.001',
      password_spray: 'T1110.003',
      rare_country_login: 'T1078',
      lateral_movement: 'T1021',
      privileged_action: 'T1078.003',
      rare_process: 'T1059',
      beaconing: 'T1071.001',
      data_exfiltration: 'T1048',
    };
    for (const [name, technique] of Object.entries(expected)) assert.equal(byScenario.get(name as never), technique);
  });

  it('labels match the events: each labelled value occurs in events inside the label interval, after the warm-up', () => {
    const warmupEnd = Date.parse('2026-03-03T00:00:00Z'); // 4 days → 1 warm-up day
    for (const l of summary.labels) {
      assert.ok(l.endMs >= l.startMs);
      assert.ok(l.startMs >= warmupEnd, `${l.scenario} starts after the warm-up`);
      const inside = docs.filter((d) => {
        const t = Date.parse(d['@timestamp']);
        return t >= l.startMs && t <= l.endMs;
      });
      const field = l.field as 'user.name' | 'source.ip' | 'host.name';
      const value = (d: Doc) => (field === 'user.name' ? d.user?.name : field === 'source.ip' ? d.source?.ip : d.host?.name);
      assert.ok(
        inside.some((d) => value(d) === l.value),
        `${l.scenario} ${l.field}=${l.value} appears in its interval`,
      );
    }
  });

  it('has the benign noise a SOC lives with', () => {
    const labelledUsers = new Set(summary.labels.filter((l) => l.field === 'user.name').map((l) => l.value));
    const failures = docs.filter((d) => d.event.outcome === 'failure' && d.event.category[0] === 'authentication');
    const typoUsers = new Set(failures.map((d) => d.user?.name).filter((u) => u && !u.startsWith('svc-') && !labelledUsers.has(u)));
    assert.ok(typoUsers.size >= 5, `benign failed logins (typos) by ${typoUsers.size} people`);
    assert.ok(
      failures.filter((d) => d.user?.name === 'svc-legacy-erp').length >= 4 * 24 * 5,
      'stale-password service account fails around the clock',
    );
    const monday = docs.filter(
      (d) => d.user?.name === 'svc-backup' && new Date(d['@timestamp']).getUTCDay() === 1 && d.event.category[0] === 'file',
    );
    assert.ok(monday.length > 1000, `Monday-morning backup burst (${monday.length} file reads)`);
    assert.ok(
      docs.some((d) => d.user?.name === 'svc-scan' && d.event.outcome === 'failure'),
      'weekly vulnerability scan with failed logins',
    );
    assert.ok(docs.filter((d) => d.event.action === 'vpn-logon' && d.event.outcome === 'success').length > 20, 'remote work over VPN');
  });

  it('has new hires without history and benign travellers', async () => {
    const bigger = new MemorySink();
    await simulate({ options: smallOptions({ users: 120, hosts: 24, days: 5, attacks: parseAttackSpec('none') }), sinks: [bigger] });
    const first = new Map<string, string>();
    const countries = new Map<string, Set<string>>();
    for (const l of bigger.lines) {
      const d = JSON.parse(l) as Doc;
      const u = d.user?.name;
      if (!u || d.event.category[0] !== 'authentication') continue;
      if (!first.has(u)) first.set(u, d['@timestamp']);
      if (d.event.action === 'vpn-logon' && d.event.outcome === 'success')
        countries.set(u, (countries.get(u) ?? new Set()).add(d.source?.geo?.country_iso_code ?? ''));
    }
    const late = [...first.entries()].filter(([u, t]) => !u.startsWith('svc-') && t >= '2026-03-04T12');
    assert.ok(late.length >= 1, 'people whose first logon is after day 2');
    assert.ok(
      [...countries.values()].some((s) => s.size > 1),
      'a benign traveller logs in from a second country',
    );
    // Another world with the same seed in the same process must not leak into the first one.
    const again = new MemorySink();
    await simulate({ options: smallOptions(), sinks: [again] });
    assert.equal(hash(again.lines), hash(sink.lines));
  });

  it('intensity and stealth change the attacks (louder = more events)', async () => {
    const loud = await simulate({
      options: smallOptions({ attacks: parseAttackSpec('brute_force:3,password_spray:3'), stealth: 0, intensity: 2 }),
      sinks: [],
    });
    const quiet = await simulate({
      options: smallOptions({ attacks: parseAttackSpec('brute_force:3,password_spray:3'), stealth: 1, intensity: 0.5 }),
      sinks: [],
    });
    assert.equal(loud.attacks.length, 6);
    assert.ok(loud.attackEvents > 3 * quiet.attackEvents, `loud ${loud.attackEvents} vs quiet ${quiet.attackEvents}`);
    const span = (s: SimulationSummary) => s.attacks.reduce((a, x) => a + (Date.parse(x.end) - Date.parse(x.start)), 0);
    assert.ok(span(quiet) > span(loud), 'stealthy attacks are slower');
  });
});
