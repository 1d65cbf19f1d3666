/**
 * The SOC's rule matches as soft labels (rule_hits:), on both real engines, through the CLI: an
 * ElastAlert2 writeback index (its own mapping: match_body not indexed, match_time a date) holds two
 * rules' matches on an ordinary account in one hour, one match of a rule keyed on another field, and
 * a match document without its event. The backfill raises exactly that account's window by two rules'
 * weight, names the rules on the document, leaves every other window alone, and says which match
 * it could not use.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { anomalyId } from '../../src/anomaly/document.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { allDocuments, engineFor, H, indexEvents, outputNames, runCli, START, vigilOf, writeConfig } from './pipeline-support.js';
import { testEngines, uniquePrefix } from './engines.js';

const engines = await testEngines();
const HOURS = 30;
/** 14:00 UTC: office hours, when every account logs on (after the 12 h warm-up). */
const HIT_HOUR = 14;

/** ElastAlert2 2.x's writeback mapping (elastalert/es_mappings/8/elastalert.json), as `elastalert-create-index` puts it. */
const WRITEBACK_MAPPING: JsonObject = {
  numeric_detection: true,
  date_detection: false,
  dynamic_templates: [{ strings_as_keyword: { mapping: { ignore_above: 1024, type: 'keyword' }, match_mapping_type: 'string' } }],
  properties: {
    rule_name: { type: 'keyword' },
    '@timestamp': { type: 'date', format: 'date_optional_time' },
    alert_time: { type: 'date', format: 'date_optional_time' },
    match_time: { type: 'date', format: 'date_optional_time' },
    match_body: { enabled: false, type: 'object' },
  },
};

function match(rule: string, user: string, at: number): JsonObject {
  const ts = new Date(at).toISOString();
  return {
    rule_name: rule,
    alert_sent: true,
    alert_time: new Date().toISOString(),
    '@timestamp': new Date().toISOString(),
    match_time: ts,
    match_body: {
      '@timestamp': ts,
      event: { category: ['authentication'], action: 'logon-special-privileges', outcome: 'success' },
      user: { name: user },
      source: { ip: '10.1.0.9' },
    },
  };
}

describe('rule matches as soft labels', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`rule_hits on ${e.label}`, { concurrency: 1 }, () => {
      const prefix = uniquePrefix('rulehits');
      const out = outputNames(prefix);
      let engine: Engine;
      let config: string;
      let user = '';

      before(async () => {
        engine = await engineFor(e);
        const generated = await indexEvents(engine, prefix, { hours: HOURS });
        user = ['user03', 'user04'].find((u) => u !== generated.attack.user) ?? 'user05';
        const writeback = `${prefix}-elastalert`;
        await engine.putIndexTemplate(writeback, { index_patterns: [writeback], template: { mappings: WRITEBACK_MAPPING } });
        const t = START + HIT_HOUR * H;
        const docs = [
          match('vigil-off-hours-admin-logon', user, t + 10 * 60_000),
          match('vigil-off-hours-admin-logon', user, t + 12 * 60_000),
          match('vigil-first-privileged-logon', user, t + 40 * 60_000),
          // Keyed on source.ip: raises no account window.
          match('vigil-brute-force-source', user, t + 41 * 60_000),
          // No matched event: reported, never used.
          { rule_name: 'vigil-broken', match_time: new Date(t + 5 * 60_000).toISOString() },
        ];
        const result = await engine.bulk(
          docs.map((document) => ({ action: 'index' as const, index: writeback, document })),
          { refresh: true },
        );
        assert.equal(result.failed, 0);
        config = writeConfig(e, prefix, out, {
          rule_hits: { index: writeback, key_fields: { 'vigil-brute-force-source': 'source.ip' } },
        });
        await runCli(['install', '--config', config, '--json']);
      });

      after(async () => {
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
      });

      it('raise the matched window by two rules, name them on the document, and touch nothing else', async () => {
        const from = new Date(START).toISOString();
        const to = new Date(START + HOURS * H).toISOString();
        const run = await runCli(['backfill', '--config', config, '--from', from, '--to', to, '--json', '--no-progress']);
        const docs = await allDocuments(engine, out.anomaly_index);
        const hitWindow = vigilOf(docs.get(anomalyId('auth-users', 'user.name', user, START + HIT_HOUR * H)));
        assert.deepEqual(hitWindow.analyst?.rules, ['vigil-first-privileged-logon', 'vigil-off-hours-admin-logon']);
        const adjusted = hitWindow.analyst?.adjusted_fused_score ?? NaN;
        assert.ok(Math.abs(adjusted - (hitWindow.fused_score + 2 * 1 * 3)) < 1e-3, `${adjusted} vs ${hitWindow.fused_score}`);
        let raised = 0;
        for (const doc of docs.values()) if ((vigilOf(doc).analyst?.rules ?? []).length > 0) raised++;
        assert.equal(raised, 1, 'only the matched window carries rules');
        const ofUser = [...docs.values()].filter((d) => vigilOf(d).entity.value === user);
        assert.ok(ofUser.length > 5, `the account's other windows are written too (${ofUser.length})`);
        assert.match(
          run.stdout + run.stderr,
          /match_body: missing or not an object[^\n]*rule match ignored|rule match ignored[^\n]*match_body: missing/,
        );
      });
    });
  }
});
