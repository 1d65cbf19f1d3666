/**
 * The SIEM alerting definitions against both real engines. The minimal test distributions have
 * neither the OpenSearch Alerting nor the Notifications plugin (and Maven Central carries no
 * 2.19.6.0 zips of them: see docs/readme/alerting.md), so:
 *   - installAlertingDefinitions must detect that and skip with the reason;
 *   - the monitor's search input and the Kibana rule's query are run for real on anomaly
 *     documents in the shipped anomaly mapping, and the trigger condition is evaluated on the
 *     engine's answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testEngines, uniquePrefix } from './engines.js';
import { clusterSchema } from '../../src/config/cluster.js';
import { alertingSchema } from '../../src/config/alerting.js';
import { connectEngine } from '../../src/engine/connect.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { installAlertingDefinitions, kibanaRule, openSearchMonitor, siemOptions } from '../../src/alerting/siem-definitions.js';
import { testAnomaly } from '../unit/alerting/support/anomalies.js';

const engines = await testEngines();

async function raw(url: string, method: string, path: string): Promise<void> {
  await (await fetch(url + path, { method })).text();
}

/** What the Alerting plugin does before running the search input: render `{{period_end}}` (epoch ms). */
function renderPeriodEnd(query: JsonObject, periodEndMs: number): JsonObject {
  return JSON.parse(JSON.stringify(query).replaceAll('{{period_end}}', String(periodEndMs))) as JsonObject;
}

/** The trigger condition `ctx.results[0].hits.total.value > 0`, evaluated on the engine's answer. */
function triggerFires(result: JsonObject): boolean {
  const total = (result.hits as { total: { value: number } }).total.value;
  return total > 0;
}

for (const te of engines) {
  describe(`SIEM alerting definitions on ${te.label}`, () => {
    const prefix = uniquePrefix(`alerting-siem-${te.flavour}`);
    const anomalyIndex = `${prefix}-anomalies`;
    let engine: Engine;
    const now = Date.now();
    const H = 3_600_000;

    before(async () => {
      engine = await connectEngine(clusterSchema.parse({ urls: [te.url], flavour: te.flavour }));
      const tpl = JSON.parse(readFileSync(new URL('../../mappings/anomalies.index-template.json', import.meta.url), 'utf8')) as JsonObject;
      await engine.putIndexTemplate(`${prefix}-anomalies`, { ...tpl, index_patterns: [`${anomalyIndex}*`] });
      const docs = [
        { a: testAnomaly({ user: 'recent-high', score: 91, windowStartMs: now - 90 * 60_000 }), isAlert: true },
        { a: testAnomaly({ user: 'recent-low', score: 60, windowStartMs: now - 100 * 60_000 }), isAlert: true },
        { a: testAnomaly({ user: 'recent-not-alert', score: 80, windowStartMs: now - 100 * 60_000 }), isAlert: false },
        { a: testAnomaly({ user: 'old-high', score: 97, windowStartMs: now - 6 * H }), isAlert: true },
      ];
      const result = await engine.bulk(
        docs.map(({ a, isAlert }) => ({
          action: 'index' as const,
          index: anomalyIndex,
          id: a.id,
          document: { ...a.doc, vigil: { ...a.doc.vigil, is_alert: isAlert } } as unknown as JsonObject,
        })),
        { refresh: true },
      );
      assert.equal(result.failed, 0, JSON.stringify(result.items.filter((i) => !i.ok)));
    });

    after(async () => {
      await engine.deleteIndex(`${prefix}-*`);
      await raw(te.url, 'DELETE', `/_index_template/${prefix}-anomalies`);
      await engine.close();
    });

    it('installAlertingDefinitions skips what the cluster cannot hold, saying why', async () => {
      const config = {
        output: { anomaly_index: anomalyIndex },
        alerting: alertingSchema.parse({ siem: { webhook_url: 'https://soar.example.com/hook' } }),
      };
      // Called the way `vigil install` calls it.
      const steps = await installAlertingDefinitions({ engine, config });
      const info = await engine.info();
      assert.equal(info.capabilities.alerting, false);
      assert.equal(info.capabilities.notifications, false);
      assert.ok(steps.length === 2 && steps.every((s) => s.result === 'skipped'), JSON.stringify(steps));
      if (te.flavour === 'opensearch') {
        assert.deepEqual(
          steps.map((s) => s.object),
          ['notifications_channel', 'alerting_monitor'],
        );
        assert.match(steps[0].detail ?? '', /Notifications plugin is not installed on this cluster \(2\.19\.6\)/);
        assert.match(steps[1].detail ?? '', /Alerting plugin is not installed/);
      } else {
        assert.deepEqual(
          steps.map((s) => s.object),
          ['kibana_connector', 'kibana_rule'],
        );
        assert.match(steps[0].detail ?? '', /created through Kibana/);
      }
    });

    it("the monitor's search input finds exactly the recent alert-level anomalies at or above the score, and the trigger fires", async () => {
      const options = siemOptions(anomalyIndex, alertingSchema.parse({}).siem);
      const monitor = openSearchMonitor(options) as { inputs: { search: { indices: string[]; query: JsonObject } }[] };
      const input = monitor.inputs[0].search;
      const result = await engine.search(input.indices[0], renderPeriodEnd(input.query, now));
      const hits = (result.hits as { hits: { _source: { user: { name: string } } }[] }).hits;
      assert.deepEqual(
        hits.map((h) => h._source.user.name),
        ['recent-high'],
      );
      assert.equal(triggerFires(result), true);

      const strict = siemOptions(anomalyIndex, alertingSchema.parse({ siem: { min_score: 95 } }).siem);
      const quiet = (openSearchMonitor(strict) as typeof monitor).inputs[0].search;
      const none = await engine.search(quiet.indices[0], renderPeriodEnd(quiet.query, now));
      assert.equal(triggerFires(none), false, 'nothing recent scores ≥ 95: the trigger stays quiet');

      const wide = siemOptions(anomalyIndex, alertingSchema.parse({ siem: { lookback: '8h' } }).siem);
      const wideInput = (openSearchMonitor(wide) as typeof monitor).inputs[0].search;
      const both = await engine.search(wideInput.indices[0], renderPeriodEnd(wideInput.query, now));
      assert.deepEqual(
        (both.hits as { hits: { _source: { user: { name: string } } }[] }).hits.map((h) => h._source.user.name),
        ['old-high', 'recent-high'],
        'a longer look-back includes the older anomaly, best score first',
      );
    });

    it("the Kibana rule's query over its time window matches the same anomalies", async () => {
      const rule = kibanaRule(siemOptions(anomalyIndex, alertingSchema.parse({}).siem)) as {
        params: { esQuery: string; timeField: string; timeWindowSize: number };
      };
      const esQuery = JSON.parse(rule.params.esQuery) as { query: { bool: { filter: JsonObject[] } } };
      // Kibana adds the time window on timeField to the rule's query.
      const windowed = {
        query: {
          bool: {
            filter: [
              ...esQuery.query.bool.filter,
              { range: { [rule.params.timeField]: { gte: now - rule.params.timeWindowSize * 60_000, lte: now, format: 'epoch_millis' } } },
            ],
          },
        },
      };
      const count = await engine.count(`${anomalyIndex}*`, windowed.query);
      assert.equal(count, 1);
    });
  });
}
