/**
 * Each payload format, as a receiver gets it over real HTTP, checked against the fields that
 * receiver requires (../shared/REFERENCE.md §5) and the content every alert must carry: entity,
 * score, severity, explanation with actual vs typical, ATT&CK, window and the link to the events.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDispatcher } from '../../../src/alerting/dispatcher.js';
import { startReceiver, type ReceivedRequest, type Receiver } from './support/receiver.js';
import { verifyWebhook } from './support/verify-standard-webhooks.js';
import { testAnomaly } from './support/anomalies.js';
import { TEST_SECRET, testAlerting } from './support/config.js';

type Json = Record<string, unknown>;
let receiver: Receiver;
const LINKS = { kibanaUrl: 'https://kibana.example.com:5601', dashboardsUrl: 'https://dashboards.example.com' };

before(async () => {
  receiver = await startReceiver(() => ({ status: 201, body: '{"id":"~1234"}' }));
});
after(async () => receiver.close());

/** Delivers `alerts` through a connector of `format` and returns what the receiver got. */
async function deliver(format: string, alerts = [testAnomaly()], connector: Json = {}, extra: Json = {}): Promise<ReceivedRequest[]> {
  const before = receiver.requests.length;
  const d = createDispatcher({
    config: testAlerting([{ url: `${receiver.url}/`, format, token: 'tok-123', ...connector }], extra),
    deadLetterIndex: 'x',
    stateIndex: 'y',
    links: LINKS,
  });
  await d.enqueue(alerts);
  const stats = await d.drain();
  await d.close();
  assert.equal(stats.delivered, 1);
  return receiver.requests.slice(before);
}

function body(r: ReceivedRequest): Json {
  return JSON.parse(r.body) as Json;
}

describe('payload formats over HTTP', () => {
  it('generic: Standard Webhooks event with entity, score, severity, explanation, ATT&CK, window and Discover links', async () => {
    const alert = testAnomaly();
    const [req] = await deliver('generic', [alert]);
    assert.deepEqual(verifyWebhook(TEST_SECRET, req.headers, req.body), { ok: true });
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers.authorization, 'Bearer tok-123');
    const b = body(req) as { type: string; timestamp: string; data: Json };
    assert.equal(b.type, 'vigil.anomaly');
    assert.equal(b.timestamp, alert.doc['@timestamp']);
    const d = b.data as {
      id: string;
      entity: Json;
      score: number;
      severity: string;
      explanation: string;
      features: { name: string; actual: number; typical: number }[];
      attack: { techniques: { id: string }[]; tactics: { id: string }[] };
      window: Json;
      links: { kibana: string; dashboards: string };
    };
    assert.equal(d.id, alert.id);
    assert.deepEqual(d.entity, { field: 'user.name', value: 'alice' });
    assert.equal(d.score, 88.5);
    assert.equal(d.severity, 'high');
    assert.match(d.explanation, /failed_logins 37 vs typical 1\.5/);
    // Highest contribution first, actual next to typical.
    assert.deepEqual(d.features[0], { name: 'failed_logins', actual: 37, typical: 1.5, contribution: 0.7 });
    assert.deepEqual(
      d.attack.techniques.map((t) => t.id),
      ['T1110', 'T1110.003'],
    );
    assert.deepEqual(
      d.attack.tactics.map((t) => t.id),
      ['TA0006'],
    );
    assert.deepEqual(d.window, { start: '2024-03-04T10:00:00.000Z', end: '2024-03-04T11:00:00.000Z' });
    // Discover filtered on the entity and the window.
    const kibana = decodeURIComponent(d.links.kibana);
    assert.ok(d.links.kibana.startsWith('https://kibana.example.com:5601/app/discover#/?_g='));
    assert.ok(kibana.includes("time:(from:'2024-03-04T10:00:00.000Z',to:'2024-03-04T11:00:00.000Z')"), kibana);
    assert.ok(kibana.includes(`query:(language:kuery,query:'user.name : "alice"')`), kibana);
    const osd = decodeURIComponent(d.links.dashboards);
    assert.ok(d.links.dashboards.startsWith('https://dashboards.example.com/app/data-explorer/discover#?_g='));
    assert.ok(osd.includes(`query:(language:kuery,query:'user.name : "alice"')`) && osd.includes("from:'2024-03-04T10:00:00.000Z'"), osd);
  });

  it('thehive: POST /api/v1/alert with type, source, deterministic sourceRef, title, description, severity 1–4, tags, observables', async () => {
    const alert = testAnomaly({ score: 93 });
    const [req] = await deliver('thehive', [alert]);
    const [again] = await deliver('thehive', [alert], {}, {});
    assert.equal(req.path, '/api/v1/alert', 'a bare base URL gets TheHive 5 alert path');
    assert.equal(req.headers.authorization, 'Bearer tok-123');
    const b = body(req) as Json & { observables: { dataType: string; data: string }[]; tags: string[] };
    for (const field of ['type', 'source', 'sourceRef', 'title', 'description']) assert.equal(typeof b[field], 'string', field);
    assert.equal(b.type, 'vigil-anomaly');
    assert.equal(b.source, 'vigil');
    // Deterministic: derived from the anomaly id, identical for a second dispatcher delivering the same anomaly.
    assert.equal(b.sourceRef, `vigil_${alert.id}`);
    assert.equal(body(again).sourceRef, b.sourceRef);
    assert.equal(b.severity, 4, 'critical (score 93) is TheHive severity 4');
    assert.ok(Number.isInteger(b.severity) && (b.severity as number) >= 1 && (b.severity as number) <= 4);
    assert.ok(b.tags.includes('vigil') && b.tags.includes('attack:T1110'), JSON.stringify(b.tags));
    assert.ok(b.observables.length >= 3);
    for (const o of b.observables) {
      assert.equal(typeof o.dataType, 'string');
      assert.equal(typeof o.data, 'string');
    }
    assert.deepEqual(
      b.observables.map((o) => `${o.dataType}:${o.data}`).sort(),
      ['hostname:ws-17', 'ip:198.51.100.23', 'ip:198.51.100.24', 'other:alice'].sort(),
    );
    assert.match(String(b.description), /\| failed\\_logins \| 37 \| 1\.5 \| 70% \|/);
    assert.match(String(b.description), /T1110 Brute Force/);
    assert.match(String(b.description), /\[Events in Kibana\]\(https:\/\/kibana\.example\.com:5601\/app\/discover/);
  });

  it('thehive: custom type/source/tags from the connector options', async () => {
    const [req] = await deliver('thehive', [testAnomaly()], { options: { type: 'ueba', source: 'vigil-prod', tags: ['team:soc'] } });
    const b = body(req) as Json & { tags: string[] };
    assert.equal(b.type, 'ueba');
    assert.equal(b.source, 'vigil-prod');
    assert.ok(b.tags.includes('team:soc'));
  });

  it('splunk-soar: container + artifacts with cef in one request, source_data_identifier, ph-auth-token', async () => {
    const a1 = testAnomaly({ user: 'alice' });
    const a2 = testAnomaly({ user: 'bob' });
    const [req] = await deliver('splunk-soar', [a1, a2], {}, { grouping: { enabled: true, max_alerts: 10 } });
    assert.equal(req.path, '/rest/container');
    assert.equal(req.headers['ph-auth-token'], 'tok-123');
    assert.equal(req.headers.authorization, undefined);
    const b = body(req) as Json & { artifacts: (Json & { cef: Json })[] };
    assert.equal(typeof b.name, 'string');
    assert.equal(b.label, 'events');
    assert.match(String(b.source_data_identifier), /^vigil_grp_[0-9a-f]{40}$/);
    assert.ok(['low', 'medium', 'high'].includes(String(b.severity)));
    assert.equal(b.artifacts.length, 2);
    assert.deepEqual(b.artifacts.map((x) => x.source_data_identifier).sort(), [a1.id, a2.id].sort());
    for (const art of b.artifacts) {
      assert.equal(typeof art.cef, 'object');
      assert.equal(art.cef.vigilEntityField, 'user.name');
      assert.equal(art.cef.sourceUserName, art.cef.vigilEntityValue);
      assert.equal(art.cef.sourceAddress, '198.51.100.23');
      assert.match(String(art.cef.vigilFeature1), /failed_logins actual=37 typical=1\.5/);
      assert.match(String(art.cef.vigilAttackTechniques), /T1110 Brute Force/);
      assert.ok(String(art.cef.requestURL).startsWith('https://kibana.example.com:5601/app/discover'));
    }
    // Only the last artifact starts playbooks.
    assert.deepEqual(
      b.artifacts.map((x) => x.run_automation),
      [false, true],
    );
  });

  it('xsoar: generic webhook incident with name, type, occurred and raw_json', async () => {
    const alert = testAnomaly();
    const [req] = await deliver('xsoar', [alert]);
    assert.equal(req.headers.authorization, 'tok-123', 'XSOAR _header:Authorization takes the raw token');
    const b = body(req) as Json & { raw_json: Json & { alerts: Json[] } };
    assert.equal(typeof b.name, 'string');
    assert.equal(b.type, 'Vigil Anomaly');
    assert.equal(b.occurred, alert.doc['@timestamp']);
    assert.ok(!Number.isNaN(Date.parse(b.occurred)), 'occurred is ISO-8601');
    assert.equal(typeof b.raw_json, 'object');
    assert.equal(b.raw_json.vigil_message_id, `vigil_${alert.id}`);
    assert.equal(b.raw_json.severity, 3);
    assert.equal((b.raw_json.alerts[0] as { entity: Json }).entity.value, 'alice');
    assert.match(String(b.details), /failed\\_logins: 37 \(typical 1\.5, 70% of the score\)/);
  });

  it('shuffle: plain JSON with message_id for de-duplication in the workflow', async () => {
    const alert = testAnomaly();
    const [req] = await deliver('shuffle', [alert]);
    const b = body(req) as Json & { alerts: Json[] };
    assert.equal(b.source, 'vigil');
    assert.equal(b.message_id, `vigil_${alert.id}`);
    assert.equal(b.message_id, req.headers['webhook-id']);
    assert.deepEqual(b.entity, { field: 'user.name', value: 'alice' });
    assert.equal(b.score, 88.5);
    assert.equal(b.alerts.length, 1);
  });

  it('slack: text fallback and blocks a human can read (header, actual vs typical, ATT&CK, links)', async () => {
    const [req] = await deliver('slack', [testAnomaly()], { secret: undefined, token: undefined });
    assert.equal(req.headers['webhook-signature'], undefined, 'no secret, no signature');
    const b = body(req) as { text: string; blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] };
    assert.match(b.text, /alice/);
    assert.equal(b.blocks[0].type, 'header');
    const all = JSON.stringify(b.blocks);
    assert.match(all, /failed_logins: 37 \(typical 1\.5/);
    assert.match(all, /T1110 Brute Force/);
    assert.match(all, /Events in Kibana/);
    assert.ok(b.blocks.length <= 50);
  });

  it('slack: a group larger than ten lists ten and says how many more', async () => {
    const alerts = Array.from({ length: 13 }, (_, i) => testAnomaly({ user: `s${i}` }));
    const [req] = await deliver('slack', alerts, {}, { grouping: { enabled: true, max_alerts: 50 } });
    const b = body(req) as { blocks: unknown[] };
    assert.match(JSON.stringify(b.blocks), /and 3 more/);
    assert.ok(b.blocks.length <= 50);
  });

  it('every format carries the signed verdict links, so a playbook or an analyst can answer from where the alert landed', async () => {
    const alert = testAnomaly();
    const link = (verdict: string): string =>
      `https://vigil.soc.example:9464/feedback?anomaly=${alert.id}&verdict=${verdict}&exp=1712000000&sig=s-${verdict}`;
    alert.doc.vigil.analyst = {
      links: {
        true_positive: link('true_positive'),
        false_positive: link('false_positive'),
        benign_expected: link('benign_expected'),
        expires: '2024-04-01T19:33:20.000Z',
      },
    };
    for (const format of ['generic', 'slack', 'thehive', 'splunk-soar', 'xsoar', 'shuffle']) {
      const [req] = await deliver(format, [alert]);
      for (const verdict of ['true_positive', 'false_positive', 'benign_expected'])
        assert.ok(req.body.includes(link(verdict)), `${format} lacks the ${verdict} link`);
    }
    // Where people read the alert, the links are labelled; where playbooks read it, they are fields.
    const [slack] = await deliver('slack', [alert]);
    assert.ok(slack.body.includes(`<${link('false_positive')}|False positive>`));
    const [hive] = await deliver('thehive', [alert]);
    assert.match((body(hive) as { description: string }).description, /Verdict: \[True positive\]\(https:/);
    const [soar] = await deliver('splunk-soar', [alert]);
    const cef = (body(soar) as { artifacts: { cef: Json }[] }).artifacts[0].cef;
    assert.equal(cef.vigilFeedbackBenignExpected, link('benign_expected'));
    assert.equal(cef.vigilFeedbackTruePositive, link('true_positive'));
    // Without callbacks configured, no verdict line and no empty fields.
    const [plain] = await deliver('splunk-soar', [testAnomaly()]);
    assert.ok(!plain.body.includes('vigilFeedback') && !plain.body.includes('Verdict:'));
  });
});
