import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ruleHitsSchema } from '../../../src/config/rule-hits.js';
import { AnalystInput, analystFields } from '../../../src/feedback/analyst.js';
import { RuleHitIndex, ruleShift, type RuleHit } from '../../../src/feedback/rule-hits.js';
import { compileFilter, ecsTypeOf } from '../../../src/features/query-filter.js';
import { loadRulePack } from '../../../src/eval/rule-pack.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const H = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');

const logon = (user: string, ip: string, ts: number): RuleHit['event'] => ({
  '@timestamp': new Date(ts).toISOString(),
  event: { category: 'authentication', outcome: 'failure' },
  user: { name: user },
  source: { ip },
});
const hit = (rule: string, ts: number, event: RuleHit['event']): RuleHit => ({ rule, ts, event });

const jobs = new Map([
  ['auth-by-user', compileFilter({ term: { 'event.category': 'authentication' } }, ecsTypeOf)],
  ['data-by-user', compileFilter({ term: { 'event.category': 'file' } }, ecsTypeOf)],
]);
const options = { weight: 0.67, maxRules: 2, jobs };
const win = (job: string, entityField: string, entityValue: string, start = T0, end = T0 + H) => ({
  job,
  entityField,
  entityValue,
  start,
  end,
});

describe('rule hits as soft labels', () => {
  it('raise a window by weight · 3 σ per distinct rule, at most max_rules, only inside the window', () => {
    const hits = [
      hit('brute-force', T0 + 10 * 60_000, logon('alice', '203.0.113.7', T0)),
      hit('brute-force', T0 + 20 * 60_000, logon('alice', '203.0.113.7', T0)),
      hit('off-hours-admin', T0 + 30 * 60_000, logon('alice', '203.0.113.7', T0)),
      hit('new-country', T0 + 40 * 60_000, logon('alice', '203.0.113.7', T0)),
      hit('brute-force', T0 + 2 * H, logon('bob', '10.0.0.5', T0)),
    ];
    const index = new RuleHitIndex(hits, ['user.name', 'source.ip'], options);
    const alice = index.label(win('auth-by-user', 'user.name', 'alice'));
    assert.deepEqual(alice.rules, ['brute-force', 'new-country', 'off-hours-admin']);
    // Three rules, counted as two: 2 × 0.67 × 3.
    assert.ok(Math.abs(alice.shift - 4.02) < 1e-9, String(alice.shift));
    // Bob's hit is two hours later: not in this window, in the next one.
    assert.equal(index.label(win('auth-by-user', 'user.name', 'bob')).shift, 0);
    assert.equal(index.label(win('auth-by-user', 'user.name', 'bob', T0 + 2 * H, T0 + 3 * H)).rules.length, 1);
    // The window [start, end) excludes its end.
    assert.equal(index.label(win('auth-by-user', 'user.name', 'bob', T0 + H, T0 + 2 * H)).rules.length, 0);
    assert.ok(Math.abs(ruleShift(5, options) - 4.02) < 1e-9);
  });

  it('credit only jobs that read the matched event, and only the rule’s key field when it is known', () => {
    const hits = [hit('brute-force', T0 + 60_000, logon('alice', '203.0.113.7', T0))];
    const any = new RuleHitIndex(hits, ['user.name', 'source.ip'], options);
    // The data-access job also counts per user.name but reads file events: no credit.
    assert.equal(any.label(win('data-by-user', 'user.name', 'alice')).shift, 0);
    // Without a key field the source address named in the event is raised too…
    assert.deepEqual(any.label(win('auth-by-user', 'source.ip', '203.0.113.7')).rules, ['brute-force']);
    // …with one (the rule's query_key), only the account.
    const keyed = new RuleHitIndex(hits, ['user.name', 'source.ip'], { ...options, keyFields: { 'brute-force': 'user.name' } });
    assert.equal(keyed.label(win('auth-by-user', 'source.ip', '203.0.113.7')).shift, 0);
    assert.equal(keyed.label(win('auth-by-user', 'user.name', 'alice')).rules.length, 1);
  });

  it('match pseudonymised entities by token', () => {
    const tokenise = (field: string, value: string) => (field === 'user.name' ? `tok-${value}` : value);
    const index = new RuleHitIndex([hit('brute-force', T0 + 60_000, logon('alice', '203.0.113.7', T0))], ['user.name'], {
      ...options,
      tokenise,
    });
    assert.equal(index.label(win('auth-by-user', 'user.name', 'alice')).shift, 0);
    assert.deepEqual(index.label(win('auth-by-user', 'user.name', 'tok-alice')).rules, ['brute-force']);
  });

  it('are applied with the lists and recorded on the document', () => {
    const index = new RuleHitIndex([hit('brute-force', T0 + 60_000, logon('alice', '203.0.113.7', T0))], ['user.name'], options);
    const input = new AnalystInput(undefined, undefined, index);
    assert.equal(input.active, true);
    const a = input.adjust({
      job: 'auth-by-user',
      entityField: 'user.name',
      entityValue: 'alice',
      start: T0,
      end: T0 + H,
      fused: 1.5,
      features: [],
      values: {},
    });
    assert.ok(Math.abs(a.fused - 3.51) < 1e-9);
    assert.deepEqual(analystFields(a), { adjusted_fused_score: 3.51, rules: ['brute-force'] });
  });

  it('configuration: ElastAlert2 writeback defaults, bad values named', () => {
    const c = ruleHitsSchema.parse({ index: 'elastalert' });
    assert.deepEqual([c.rule_field, c.time_field, c.body_field, c.weight, c.max_rules], ['rule_name', 'match_time', 'match_body', 1, 2]);
    const bad = ruleHitsSchema.safeParse({ index: 'elastalert', weight: 2 });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues[0]?.path, ['weight']);
    assert.match(ruleHitsSchema.safeParse({ index: '' }).error?.issues[0]?.message ?? '', /rule_hits\.index/);
  });

  it('the shipped example keys every rule of the shipped pack on its query_key', () => {
    const example = parse(readFileSync(new URL('../../../examples/rule-hits/elastalert2.yaml', import.meta.url), 'utf8')) as {
      rule_hits: unknown;
    };
    const c = ruleHitsSchema.parse(example.rule_hits);
    const pack = Object.fromEntries(loadRulePack().map((r) => [r.config.name, r.config.query_key]));
    assert.deepEqual(c.key_fields, pack);
  });
});
