import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { JsonObject } from '../../../src/engine/engine.js';
import { findRulePackDir, loadRulePack, parseRule, type PackRule } from '../../../src/eval/rule-pack.js';
import { isOffHours, ruleWindowScores, rulesForJob, runRulePack } from '../../../src/eval/rules.js';
import { windowKey } from '../../../src/eval/scored-window.js';

const pack = loadRulePack();
const rule = (name: string): PackRule[] => {
  const r = pack.find((p) => p.config.name === name);
  assert.ok(r, name);
  return [r];
};
const T0 = Date.parse('2026-03-04T12:00:00Z'); // a Wednesday, 07:00 in New York
const MIN = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

function auth(
  ms: number,
  user: string,
  ip: string,
  outcome: 'success' | 'failure',
  extra: { action?: string; country?: string; host?: string } = {},
): JsonObject {
  return {
    '@timestamp': iso(ms),
    event: { category: ['authentication'], action: extra.action ?? 'vpn-logon', outcome },
    user: { name: user },
    source: { ip, geo: { country_iso_code: extra.country ?? 'US' } },
    host: { name: extra.host ?? 'vpn01' },
  };
}

const names = (docs: JsonObject[], rules: PackRule[], start = T0 - MIN, end = T0 + 48 * 60 * MIN) =>
  runRulePack(rules, docs, start, end).map((m) => `${m.key}@${(m.ts - T0) / MIN}`);

describe('the ElastAlert2 rule pack', () => {
  it('every rule file has what ElastAlert2 requires for its type', () => {
    const dir = findRulePackDir();
    const required: Record<string, string[]> = {
      frequency: ['num_events', 'timeframe'],
      cardinality: ['timeframe', 'cardinality_field', 'max_cardinality'],
      new_term: ['fields'],
      spike: ['timeframe', 'spike_height', 'spike_type'],
      any: [],
    };
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 10);
    for (const f of files) {
      const raw = parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
      for (const key of ['name', 'type', 'index', 'alert', ...(required[String(raw.type)] ?? ['(unknown type)'])])
        assert.ok(key in raw, `${f}: ${key}`);
      if (raw.type === 'new_term') assert.equal(raw.use_keyword_postfix, false, `${f}: fields are keywords already`);
    }
    assert.deepEqual(new Set(pack.map((r) => r.config.type)), new Set(['frequency', 'cardinality', 'new_term', 'spike', 'any']));
  });

  it('refuses an option it would not apply, naming the file and the option', () => {
    assert.throws(
      () =>
        parseRule(
          'name: x\ndescription: y\ntype: frequency\nindex: i\nquery_key: user.name\nnum_events: 3\ntimeframe: {hours: 1}\nalert: [debug]\nuse_count_query: true\n',
          'x.yaml',
        ),
      /x\.yaml: .*use_count_query/,
    );
    assert.throws(
      () => parseRule('name: x\ndescription: y\ntype: flatline\nindex: i\nquery_key: a\nalert: [debug]\n', 'f.yaml'),
      /f\.yaml: type/,
    );
  });

  it('lists the rules that can fire on each preset job', () => {
    const byUser = rulesForJob({ preset: 'auth_by_user' }).map((r) => r.name);
    assert.ok(byUser.includes('vigil-brute-force-account') && byUser.includes('vigil-new-country-for-account'));
    assert.ok(!byUser.includes('vigil-password-spray'));
    assert.equal(rulesForJob({ preset: 'auth_by_source_ip' }).find((r) => r.name === 'vigil-password-spray')?.threshold, 6);
  });
});

describe('the rules baseline applies the pack as ElastAlert2 does', () => {
  it('frequency: 10 failures for one account within an hour match once at the 10th, then the window starts over', () => {
    const docs = Array.from({ length: 19 }, (_, i) => auth(T0 + i * 5 * MIN, 'alice', '203.0.113.9', 'failure'));
    // Events 0–9 span 45 min < 1 h: match at the 10th (45 min); the window is emptied, 10–18 are only 9.
    assert.deepEqual(names(docs, rule('vigil-brute-force-account')), ['alice@45']);
    // Spread so that 10 never fit strictly inside one hour (window < timeframe): no match.
    const sparse = Array.from({ length: 12 }, (_, i) => auth(T0 + i * 7 * MIN, 'bob', '203.0.113.9', 'failure'));
    assert.deepEqual(names(sparse, rule('vigil-brute-force-account')), []);
    // Successes do not count.
    assert.deepEqual(
      names(
        docs.map((d, i) => (i === 3 ? auth(T0 + 15 * MIN, 'alice', '203.0.113.9', 'success') : d)),
        rule('vigil-brute-force-account'),
      ),
      ['alice@50'],
    );
  });

  it('cardinality: more than 5 distinct accounts failing from one source within an hour; every later event while above matches', () => {
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];
    const docs = users.map((u, i) => auth(T0 + i * MIN, u, '198.51.100.4', 'failure'));
    assert.deepEqual(names(docs, rule('vigil-password-spray')), ['198.51.100.4@5', '198.51.100.4@6']);
    // Values older than the timeframe are forgotten: the 6th account 2 hours later does not match.
    const slow = users.slice(0, 6).map((u, i) => auth(T0 + i * 25 * MIN, u, '198.51.100.5', 'failure'));
    assert.deepEqual(names(slow, rule('vigil-password-spray')), []);
  });

  it('new_term: a (user, country) pair seen in the 30 days before the start is known; a new one alerts once', () => {
    const history = [
      auth(T0 - 10 * 24 * 60 * MIN, 'carol', '192.0.2.1', 'success', { country: 'US' }),
      auth(T0 - 40 * 24 * 60 * MIN, 'carol', '192.0.2.1', 'success', { country: 'FR' }),
    ];
    const later = [
      auth(T0 + 10 * MIN, 'carol', '192.0.2.1', 'success', { country: 'US' }),
      auth(T0 + 20 * MIN, 'carol', '192.0.2.7', 'failure', { country: 'FR' }),
      auth(T0 + 30 * MIN, 'carol', '192.0.2.7', 'success', { country: 'FR' }),
      auth(T0 + 40 * MIN, 'dave', '192.0.2.8', 'success', { country: 'US' }),
    ];
    // FR was 40 days ago: outside terms_window_size (30 days), so it is new.
    assert.deepEqual(names([...history, ...later], rule('vigil-new-country-for-account')), ['carol@20', 'dave@40']);
  });

  it('off-hours: privileged logons outside Mon–Fri 07:00–20:00 New York time only', () => {
    const spec = { tz: 'America/New_York', day_start: 7, day_end: 20 };
    assert.equal(isOffHours(Date.parse('2026-03-04T11:59:00Z'), spec), true); // Wed 06:59 EST
    assert.equal(isOffHours(Date.parse('2026-03-04T12:00:00Z'), spec), false); // Wed 07:00
    assert.equal(isOffHours(Date.parse('2026-03-05T00:59:00Z'), spec), false); // Wed 19:59
    assert.equal(isOffHours(Date.parse('2026-03-05T01:00:00Z'), spec), true); // Wed 20:00
    assert.equal(isOffHours(Date.parse('2026-03-07T17:00:00Z'), spec), true); // Saturday noon
    const priv = (ms: number): JsonObject =>
      auth(ms, 'admin1', '10.20.0.5', 'success', { action: 'logon-special-privileges', host: 'dc01' });
    assert.deepEqual(
      names([priv(T0 - 30 * MIN), priv(T0 + 60 * MIN), priv(T0 + 14 * 60 * MIN)], rule('vigil-off-hours-admin-logon'), T0 - 60 * MIN),
      ['admin1@-30', 'admin1@840'],
    );
  });

  it('spike: file events up 5× on the previous hour and at least 200, once the key has two hours of data', () => {
    const file = (ms: number): JsonObject => ({
      '@timestamp': iso(ms),
      event: { category: ['file'], action: 'file-read' },
      user: { name: 'erin' },
      file: { path: '\\\\fs\\a.txt', size: 10 },
    });
    const docs: JsonObject[] = [];
    for (let m = 0; m < 120; m += 3) docs.push(file(T0 + m * MIN)); // 20 an hour for two hours
    for (let i = 0; i < 250; i++) docs.push(file(T0 + 130 * MIN + i * 10_000)); // then 250 in ~42 minutes
    const matches = runRulePack(rule('vigil-file-access-spike'), docs, T0 - MIN, T0 + 6 * 60 * MIN);
    assert.equal(matches.length, 1);
    assert.equal(matches[0].key, 'erin');
    // The match is the oldest event of the current hour window, as ElastAlert2 reports it.
    assert.ok(matches[0].ts <= T0 + 130 * MIN + 250 * 10_000);
    // A steady 250 an hour is no spike.
    const steady: JsonObject[] = [];
    for (let i = 0; i < 1000; i++) steady.push(file(T0 + i * 14_400));
    assert.equal(runRulePack(rule('vigil-file-access-spike'), steady, T0 - MIN, T0 + 6 * 60 * MIN).length, 0);
  });

  it('scores a job window by the number of distinct rules that matched its entity inside it', () => {
    const rules = [...rule('vigil-brute-force-account'), ...rule('vigil-new-country-for-account')];
    const docs = Array.from({ length: 10 }, (_, i) => auth(T0 + i * MIN, 'frank', '203.0.113.50', 'failure', { country: 'RU' }));
    const matches = runRulePack(rules, docs, T0 - MIN, T0 + 60 * MIN);
    const links = [
      {
        jobId: 'auth-by-user',
        entityField: 'user.name',
        accepts: (d: JsonObject) => Array.isArray((d.event as JsonObject).category),
        windowMs: 3_600_000,
        slideMs: 3_600_000,
      },
      { jobId: 'auth-by-source-ip', entityField: 'source.ip', accepts: () => true, windowMs: 3_600_000, slideMs: 3_600_000 },
    ];
    const scores = ruleWindowScores(matches, rules, links);
    assert.deepEqual([...scores], [[windowKey('auth-by-user', 'frank', T0), 2]]);
    // With 15-minute slides, every window holding the match counts it.
    const sliding = ruleWindowScores(matches.slice(0, 1), rules, [{ ...links[0], slideMs: 900_000 }]);
    assert.equal(sliding.size, 4);
  });
});
