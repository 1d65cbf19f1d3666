/**
 * The importer against a local HTTP receiver that parses the multipart body and answers like
 * Kibana / OpenSearch Dashboards' saved objects import API (no Kibana is available here).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { bundleFile, DashboardsImportError, formatImportReport, installDashboards } from '../../../src/dashboards/import.js';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly field: string;
  readonly filename: string;
  readonly partType: string;
  readonly content: string;
}

/** Parses a multipart/form-data body with one part (what the import API accepts). */
function parseMultipart(body: Buffer, contentType: string): Omit<Received, 'path' | 'headers'> {
  const boundary = /boundary=(.+)$/.exec(contentType)?.[1];
  assert.ok(boundary, `no boundary in ${contentType}`);
  const text = body.toString('utf8');
  const parts = text.split(`--${boundary}`).slice(1, -1);
  assert.equal(parts.length, 1, 'exactly one part');
  assert.ok(text.endsWith(`--${boundary}--\r\n`), 'closing boundary');
  const [head, ...rest] = parts[0].split('\r\n\r\n');
  const content = rest.join('\r\n\r\n').replace(/\r\n$/, '');
  const disposition = /Content-Disposition: form-data; name="([^"]+)"; filename="([^"]+)"/i.exec(head);
  assert.ok(disposition, head);
  return { field: disposition[1], filename: disposition[2], partType: /Content-Type: (\S+)/i.exec(head)?.[1] ?? '', content };
}

type Answer = { status: number; body: unknown };
let answer: (r: Received) => Answer = () => ({ status: 200, body: {} });
const received: Received[] = [];
let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { path: req.url ?? '', headers: req.headers, ...parseMultipart(Buffer.concat(chunks), String(req.headers['content-type'])) };
      received.push(r);
      const a = answer(r);
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const objectsIn = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; type: string });

describe('installDashboards', () => {
  it('without a URL imports nothing and says where the bundles are and how to import them', async () => {
    const report = await installDashboards({});
    assert.equal(report.ok, true);
    assert.deepEqual(report.targets, []);
    assert.ok(report.instructions?.includes(bundleFile('kibana')));
    assert.ok(report.instructions?.includes(bundleFile('opensearch-dashboards')));
    assert.match(report.instructions ?? '', /kbn-xsrf: true/);
    assert.match(report.instructions ?? '', /osd-xsrf: true/);
    assert.equal(formatImportReport(report), report.instructions);
  });

  it('Kibana: posts the bundle as multipart field `file` named *.ndjson with kbn-xsrf and reports full success', async () => {
    received.length = 0;
    const objects = objectsIn(bundleFile('kibana'));
    answer = () => ({ status: 200, body: { success: true, successCount: objects.length, successResults: [] } });
    const report = await installDashboards({ kibanaUrl: `${base}/s/security/`, auth: { username: 'elastic', password: 'changeme' } });
    assert.equal(received.length, 1);
    const r = received[0];
    assert.equal(r.path, '/s/security/api/saved_objects/_import?overwrite=true');
    assert.equal(r.headers['kbn-xsrf'], 'true');
    assert.equal(r.headers['osd-xsrf'], undefined);
    assert.equal(r.headers.authorization, `Basic ${Buffer.from('elastic:changeme').toString('base64')}`);
    assert.equal(r.field, 'file');
    assert.match(r.filename, /\.ndjson$/);
    assert.equal(r.content, readFileSync(bundleFile('kibana'), 'utf8'));
    assert.deepEqual(report, {
      ok: true,
      targets: [{ platform: 'kibana', url: `${base}/s/security/`, file: bundleFile('kibana'), objects: objects.length, successCount: objects.length, success: true, errors: [] }],
    });
  });

  it('OpenSearch Dashboards: sends osd-xsrf and the OSD bundle; a partial failure (200) is reported object by object', async () => {
    received.length = 0;
    const objects = objectsIn(bundleFile('opensearch-dashboards'));
    answer = () => ({
      status: 200,
      body: {
        success: false,
        successCount: objects.length - 2,
        errors: [
          { id: 'vigil-overview-attack', type: 'visualization', title: 'Anomalies by ATT&CK tactic and technique', error: { type: 'missing_references', references: [{ type: 'index-pattern', id: 'vigil-anomalies' }] } },
          { id: 'vigil-overview', type: 'dashboard', meta: { title: '[Vigil] Overview' }, error: { type: 'conflict' } },
        ],
      },
    });
    const report = await installDashboards({ dashboardsUrl: base, auth: { apiKey: 'a2V5' } });
    const r = received[0];
    assert.equal(r.headers['osd-xsrf'], 'true');
    assert.equal(r.headers['kbn-xsrf'], undefined);
    assert.equal(r.headers.authorization, 'ApiKey a2V5');
    assert.equal(r.content, readFileSync(bundleFile('opensearch-dashboards'), 'utf8'));
    assert.equal(report.ok, false);
    const t = report.targets[0];
    assert.equal(t.successCount, objects.length - 2);
    assert.deepEqual(t.errors, [
      { id: 'vigil-overview-attack', type: 'visualization', title: 'Anomalies by ATT&CK tactic and technique', error: 'missing_references', detail: 'missing index-pattern:vigil-anomalies' },
      { id: 'vigil-overview', type: 'dashboard', title: '[Vigil] Overview', error: 'conflict' },
    ]);
    const text = formatImportReport(report);
    assert.match(text, new RegExp(`✗ OpenSearch Dashboards ${base}: ${objects.length - 2}/${objects.length} objects imported`));
    assert.match(text, /✗ visualization:vigil-overview-attack \(Anomalies by ATT&CK tactic and technique\): missing_references — missing index-pattern:vigil-anomalies/);
    assert.match(text, /✗ dashboard:vigil-overview \(\[Vigil\] Overview\): conflict/);
  });

  it('both URLs import both bundles, each with its own header', async () => {
    received.length = 0;
    answer = (r) => ({ status: 200, body: { success: true, successCount: r.content.trimEnd().split('\n').length } });
    const report = await installDashboards({ kibanaUrl: base, dashboardsUrl: base });
    assert.equal(report.ok, true);
    assert.deepEqual(report.targets.map((t) => t.platform), ['kibana', 'opensearch-dashboards']);
    assert.deepEqual(received.map((r) => [r.headers['kbn-xsrf'], r.headers['osd-xsrf']]), [['true', undefined], [undefined, 'true']]);
  });

  it('an HTTP error or a non-import answer throws with the status and the server message', async () => {
    answer = () => ({ status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'Invalid file extension .json' } });
    await assert.rejects(installDashboards({ kibanaUrl: base }), (e: unknown) => e instanceof DashboardsImportError && e.status === 400 && e.message.includes('Invalid file extension'));
    answer = () => ({ status: 200, body: '<html>login</html>' });
    await assert.rejects(installDashboards({ kibanaUrl: base }), /the answer is not JSON/);
    answer = () => ({ status: 200, body: { hello: 'world' } });
    await assert.rejects(installDashboards({ kibanaUrl: base }), /unexpected answer/);
  });

  it('an unreachable URL and an unreadable CA file fail with a clear message', async () => {
    await assert.rejects(installDashboards({ kibanaUrl: 'http://127.0.0.1:9', timeoutMs: 2000 }), (e: unknown) => e instanceof DashboardsImportError && e.message.includes('127.0.0.1:9'));
    await assert.rejects(installDashboards({ kibanaUrl: 'https://127.0.0.1:9', caFile: '/nonexistent/ca.pem' }), /cannot read the CA file \/nonexistent\/ca\.pem/);
  });
});
