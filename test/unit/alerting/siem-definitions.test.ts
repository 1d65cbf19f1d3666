import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertingSchema } from '../../../src/config/alerting.js';
import {
  MONITOR_CONDITION,
  SIEM_IDS,
  applyKibanaDefinitions,
  kibanaConnector,
  kibanaRule,
  openSearchChannel,
  openSearchMonitor,
  siemDefinitionFiles,
  siemOptions,
} from '../../../src/alerting/siem-definitions.js';
import { startReceiver, type Receiver } from './support/receiver.js';

type Json = Record<string, any>;

const withHook = siemOptions(
  'vigil-anomalies',
  alertingSchema.parse({ siem: { webhook_url: 'https://soar.example.com/hooks/vigil' } }).siem,
);
const withoutHook = siemOptions('vigil-anomalies', alertingSchema.parse({}).siem);

describe('SIEM alerting definitions', () => {
  it('OpenSearch: webhook channel and a query-level monitor on vigil-anomalies* with a Painless trigger', () => {
    const channel = openSearchChannel(withHook) as Json;
    assert.equal(channel.config_id, SIEM_IDS.notificationsChannel);
    assert.equal(channel.config.config_type, 'webhook');
    assert.equal(channel.config.webhook.url, 'https://soar.example.com/hooks/vigil');
    const m: Json = openSearchMonitor(withHook);
    assert.equal(m.type, 'monitor');
    assert.equal(m.monitor_type, 'query_level_monitor');
    assert.deepEqual(m.schedule, { period: { interval: 5, unit: 'MINUTES' } });
    assert.deepEqual(m.inputs[0].search.indices, ['vigil-anomalies*']);
    const filters = m.inputs[0].search.query.query.bool.filter as Json[];
    assert.deepEqual(filters[0], {
      range: { '@timestamp': { gt: '{{period_end}}||-120m', lte: '{{period_end}}', format: 'epoch_millis' } },
    });
    assert.deepEqual(filters[1], { range: { 'vigil.score': { gte: 75 } } });
    assert.deepEqual(filters[2], { term: { 'vigil.is_alert': true } });
    const trigger = m.triggers[0];
    assert.deepEqual(trigger.condition, { script: { source: 'ctx.results[0].hits.total.value > 0', lang: 'painless' } });
    assert.equal(MONITOR_CONDITION, 'ctx.results[0].hits.total.value > 0');
    assert.equal(trigger.actions[0].destination_id, SIEM_IDS.notificationsChannel);
    assert.match(trigger.actions[0].message_template.source, /\{\{ctx\.results\.0\.hits\.total\.value\}\}/);
    const withoutChannel: Json = openSearchMonitor(withoutHook);
    assert.deepEqual(withoutChannel.triggers[0].actions, [], 'no channel, no action');
    assert.equal(openSearchChannel(withoutHook), null);
  });

  it('Kibana: .webhook connector and .es-query rule with a score range and excludeHitsFromPreviousRun', () => {
    const c = kibanaConnector(withHook) as Json;
    assert.equal(c.connector_type_id, '.webhook');
    assert.equal(c.config.url, 'https://soar.example.com/hooks/vigil');
    const r: Json = kibanaRule(withHook);
    assert.equal(r.rule_type_id, '.es-query');
    assert.equal(r.consumer, 'stackAlerts');
    assert.equal(r.params.searchType, 'esQuery');
    assert.deepEqual(r.params.index, ['vigil-anomalies*']);
    assert.equal(r.params.timeField, '@timestamp');
    assert.equal(r.params.excludeHitsFromPreviousRun, true);
    assert.deepEqual(JSON.parse(r.params.esQuery), {
      query: { bool: { filter: [{ range: { 'vigil.score': { gte: 75 } } }, { term: { 'vigil.is_alert': true } }] } },
    });
    assert.deepEqual(
      [r.params.thresholdComparator, r.params.threshold, r.params.timeWindowSize, r.params.timeWindowUnit],
      ['>', [0], 120, 'm'],
    );
    assert.equal(r.actions[0].id, SIEM_IDS.kibanaConnector);
    assert.equal(r.actions[0].group, 'query matched');
    assert.deepEqual(kibanaRule(withoutHook).actions, []);
  });

  it('the files shipped in plugin/alerting are exactly what the builders produce', () => {
    const root = new URL('../../../plugin/alerting/', import.meta.url).pathname;
    const expected = siemDefinitionFiles(withHook);
    const shipped = ['kibana', 'opensearch'].flatMap((d) =>
      readdirSync(join(root, d))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `${d}/${f}`),
    );
    assert.deepEqual(shipped.sort(), Object.keys(expected).sort());
    for (const [path, body] of Object.entries(expected)) assert.deepEqual(JSON.parse(readFileSync(join(root, path), 'utf8')), body, path);
  });
});

describe('applyKibanaDefinitions (against a local HTTP endpoint standing in for Kibana)', () => {
  let kibana: Receiver;
  const existing = new Set<string>();
  before(async () => {
    kibana = await startReceiver((req) => {
      if (req.method === 'GET') return existing.has(req.path) ? { status: 200, body: '{}' } : { status: 404, body: '{"statusCode":404}' };
      existing.add(req.path);
      return { status: 200, body: '{}' };
    });
  });
  after(async () => kibana.close());

  it('creates connector then rule (POST with kbn-xsrf), and updates them on a second run (PUT without type ids)', async () => {
    const first = await applyKibanaDefinitions({ url: kibana.url, auth: { apiKey: 'k1' } }, withHook);
    assert.deepEqual(
      first.map((s) => `${s.object}:${s.result}`),
      ['kibana_connector:created', 'kibana_rule:created'],
    );
    const writes = kibana.requests.filter((q) => q.method !== 'GET');
    assert.deepEqual(
      writes.map((q) => `${q.method} ${q.path}`),
      [`POST /api/actions/connector/${SIEM_IDS.kibanaConnector}`, `POST /api/alerting/rule/${SIEM_IDS.kibanaRule}`],
    );
    for (const q of writes) {
      assert.equal(q.headers['kbn-xsrf'], 'true');
      assert.equal(q.headers.authorization, 'ApiKey k1');
    }
    const second = await applyKibanaDefinitions({ url: kibana.url, space: 'soc' }, withHook);
    assert.deepEqual(
      second.map((s) => s.result),
      ['created', 'created'],
      'another space is another set of objects',
    );
    const third = await applyKibanaDefinitions({ url: kibana.url }, withHook);
    assert.deepEqual(
      third.map((s) => s.result),
      ['updated', 'updated'],
    );
    const puts = kibana.requests.filter((q) => q.method === 'PUT');
    assert.equal(puts.length, 2);
    assert.equal((JSON.parse(puts[1].body) as Json).rule_type_id, undefined, 'update bodies leave out the immutable type');
    assert.ok(kibana.requests.some((q) => q.path.startsWith('/s/soc/api/')));
  });
});
