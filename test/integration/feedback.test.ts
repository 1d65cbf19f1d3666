/**
 * Analyst feedback in the slice decision, on both real engines, through the CLI: a backup account
 * logs on in a burst at 14:00 on two days; after `vigil feedback benign_expected` on the first
 * burst's document, the next pass (a restarted backfill over the range) suppresses the matching
 * windows and says so on the documents (vigil.analyst: by whom, which verdict, until when), while
 * a `true_positive` verdict on the brute force suppresses nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StatusDocument } from '../../src/anomaly/document.js';
import { anomalyId } from '../../src/anomaly/document.js';
import type { Engine, JsonObject } from '../../src/engine/engine.js';
import { feedbackLinks } from '../../src/feedback/link.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { feedbackRoute } from '../../src/service/feedback-route.js';
import { startServiceServer } from '../../src/service/http.js';
import { ServiceMetrics } from '../../src/service/metrics.js';
import { allDocuments, engineFor, H, indexEvents, outputNames, runCli, START, vigilOf, writeConfig } from './pipeline-support.js';
import { testEngines, uniquePrefix } from './engines.js';

const engines = await testEngines();
const HOURS = 40;
const BURSTS = [14, 38];
const BACKUP = 'svc-backup';
const SECRET = 'f'.repeat(48);
const FROM = new Date(START).toISOString();
const TO = new Date(START + HOURS * H).toISOString();

/** The backup account: one logon an hour, and a burst of 150 from the backup server at 14:00 on both days. */
function backupEvents(): JsonObject[] {
  const out: JsonObject[] = [];
  const event = (t: number): JsonObject => ({
    '@timestamp': new Date(t).toISOString(),
    event: { category: ['authentication'], type: ['start'], action: 'logon', outcome: 'success' },
    user: { name: BACKUP },
    source: { ip: '10.9.0.5', geo: { country_iso_code: 'US' } },
    host: { name: 'backup-01' },
  });
  for (let h = 0; h < HOURS; h++) {
    out.push(event(START + h * H + 30 * 60_000));
    if (BURSTS.includes(h)) for (let k = 0; k < 150; k++) out.push(event(START + h * H + 5 * 60_000 + k * 10_000));
  }
  return out;
}

describe('analyst feedback in the slice decision', { concurrency: engines.length }, () => {
  for (const e of engines) {
    describe(`feedback on ${e.label}`, { concurrency: 1 }, () => {
      const prefix = uniquePrefix('s14f-feedback');
      const out = outputNames(prefix);
      let engine: Engine;
      let config: string;
      let attack: { user: string; hour: number };
      /** vigil.risk of the documents as they were judged (the first pass). */
      const judgedRisk = new Map<string, number | undefined>();
      const backupId = (hour: number): string => anomalyId('auth-users', 'user.name', BACKUP, START + hour * H);

      before(async () => {
        engine = await engineFor(e);
        const generated = await indexEvents(engine, prefix, { hours: HOURS });
        attack = generated.attack;
        const result = await engine.bulk(
          backupEvents().map((document) => ({ action: 'index' as const, index: `${prefix}-events`, document })),
          { refresh: true },
        );
        assert.equal(result.failed, 0);
        config = writeConfig(e, prefix, out, {
          feedback: { index: `${prefix}-feedback`, callback: { url: 'http://127.0.0.1:9477', secret: SECRET } },
        });
        await runCli(['install', '--config', config, '--json']);
      });

      after(async () => {
        await engine.deleteIndex(`${prefix}-*`);
        await engine.close();
      });

      it('benign_expected suppresses the matching window of the next pass and the document says so; true_positive suppresses nothing', async () => {
        await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--json', '--no-progress']);
        const first = await allDocuments(engine, out.anomaly_index);
        const burst1 = vigilOf(first.get(backupId(BURSTS[0])));
        const burst2 = vigilOf(first.get(backupId(BURSTS[1])));
        const victimId = anomalyId('auth-users', 'user.name', attack.user, START + attack.hour * H);
        const victim = vigilOf(first.get(victimId));
        for (const [id, doc] of first) judgedRisk.set(id, vigilOf(doc).risk);
        // Without feedback nothing is suppressed, and every document carries its signed callback links.
        assert.ok(burst1.fused_score > 2, `the first burst stands out (fused ${burst1.fused_score})`);
        // The models learned the first burst: the second stands out less, but its features still carry it.
        assert.ok(burst2.fused_score > 0.5, `the second burst stands out (fused ${burst2.fused_score})`);
        assert.equal(burst2.analyst?.suppressed, undefined);
        for (const doc of first.values()) {
          const links = vigilOf(doc).analyst?.links;
          assert.ok(links && new URL(links.benign_expected).searchParams.get('sig'), 'every document has callback links');
        }

        const judged = await runCli([
          'feedback',
          'benign_expected',
          '--config',
          config,
          '--anomaly',
          backupId(BURSTS[0]),
          '--by',
          'ana',
          '--reason',
          'nightly backup',
        ]);
        assert.match(judged.stdout, /benign_expected recorded for user\.name=svc-backup/);
        await runCli([
          'feedback',
          'true_positive',
          '--config',
          config,
          '--anomaly',
          victimId,
          '--by',
          'ana',
          '--reason',
          'brute force confirmed',
        ]);
        const listed = await runCli(['feedback', '--list', '--json', '--config', config]);
        assert.equal(listed.stdout.trim().split('\n').length, 2);

        await runCli(['backfill', '--config', config, '--from', FROM, '--to', TO, '--json', '--no-progress', '--restart']);
        const second = await allDocuments(engine, out.anomaly_index);
        const muted = vigilOf(second.get(backupId(BURSTS[1])));
        assert.equal(
          muted.analyst?.suppressed,
          true,
          `second burst not suppressed: ${JSON.stringify(muted.analyst)} features ${JSON.stringify(muted.features)}, verdicts ${listed.stdout}`,
        );
        assert.equal(muted.analyst?.suppressed_by?.verdict, 'benign_expected');
        assert.equal(muted.analyst?.suppressed_by?.by, 'ana');
        assert.equal(muted.analyst?.suppressed_by?.anomaly_id, backupId(BURSTS[0]));
        const until = Date.parse(muted.analyst?.suppressed_by?.until ?? '');
        assert.ok(Math.abs(until - (Date.now() + 90 * 86_400_000)) < 3_600_000, `until ${muted.analyst?.suppressed_by?.until}`);
        assert.equal(muted.analyst?.adjusted_fused_score, 0);
        assert.equal(muted.is_alert, false);
        assert.match(muted.explanation, /suppressed: benign expected by ana/);
        // The judged document itself shows its verdict.
        assert.equal(vigilOf(second.get(backupId(BURSTS[0]))).analyst?.verdict, 'benign_expected');

        // true_positive: shown on the document, nothing suppressed, the decision unchanged.
        const confirmed = vigilOf(second.get(victimId));
        assert.equal(confirmed.analyst?.verdict, 'true_positive');
        assert.equal(confirmed.analyst?.suppressed, undefined);
        assert.equal(confirmed.is_alert, victim.is_alert);
        assert.equal(confirmed.score, victim.score);

        // Analysts filter on the mapped fields.
        await engine.refresh(out.anomaly_index);
        assert.ok((await engine.count(out.anomaly_index, { term: { 'vigil.analyst.suppressed': true } })) >= 1);
        assert.equal(await engine.count(out.anomaly_index, { term: { 'vigil.analyst.suppressed_by.verdict': 'true_positive' } }), 0);
        assert.equal(await engine.count(out.anomaly_index, { term: { 'vigil.analyst.verdict': 'true_positive' } }), 1);
      });

      it('verdicts keep the judged risk; an older verdict without one gets it from its document and keeps it', async () => {
        const store = new FeedbackStore(engine, `${prefix}-feedback`, out.anomaly_index);
        const { verdicts } = await store.active(Date.now());
        assert.equal(verdicts.length, 2);
        for (const v of verdicts) {
          const risk = judgedRisk.get(v.anomaly_id ?? '');
          assert.ok(risk !== undefined && risk > 0, `judged document ${v.anomaly_id} has a risk`);
          assert.equal(v.risk, risk, `${v.verdict} keeps the risk of the document it judged`);
        }
        // A verdict as written before vigil.feedback.risk existed.
        const [judged] = verdicts;
        const { risk, ...old } = judged;
        assert.ok(risk !== undefined);
        const written = await engine.bulk(
          [
            {
              action: 'create',
              index: `${prefix}-feedback`,
              id: 'old-verdict',
              document: { '@timestamp': new Date().toISOString(), vigil: { feedback: old } },
            },
          ],
          { refresh: true },
        );
        assert.equal(written.failed, 0);
        const read = await store.active(Date.now(), { resolveRisks: true });
        assert.deepEqual(read.risks, { missing: 1, found: 1, recorded: 1 });
        assert.ok(read.verdicts.filter((v) => v.anomaly_id === judged.anomaly_id).every((v) => v.risk === risk));
        // The write-back does not refresh (the next pass is minutes away): a test reading it at once does.
        await engine.refresh(`${prefix}-feedback`);
        const kept = await engine.search(`${prefix}-feedback`, { query: { ids: { values: ['old-verdict'] } } });
        const source = (((kept.hits as JsonObject).hits as JsonObject[])[0]._source ?? {}) as JsonObject;
        assert.equal(((source.vigil as JsonObject).feedback as JsonObject).risk, risk, 'written into the stored verdict');
        assert.deepEqual((await store.active(Date.now(), { resolveRisks: true })).risks, { missing: 0, found: 0, recorded: 0 });
      });

      it('the status documents say the threshold came from the verdicts (vigil.status.budget)', async () => {
        await engine.refresh(out.status_index);
        const response = await engine.search(out.status_index, { size: 10_000, query: { exists: { field: 'vigil.status.budget' } } });
        const hits = ((response.hits as JsonObject).hits ?? []) as JsonObject[];
        assert.ok(hits.length > 0, 'status documents with a budget block');
        const budgets = hits.map((h) => (h._source as unknown as StatusDocument).vigil.status.budget);
        for (const b of budgets) {
          assert.ok(b);
          // One benign verdict (the backup burst), one attack (the brute force), each with its risk.
          assert.deepEqual([b.warm_start.benign, b.warm_start.attack], [1, 1]);
          assert.equal(
            b.warm_start.cap,
            Math.round((judgedRisk.get(anomalyId('auth-users', 'user.name', attack.user, START + attack.hour * H)) ?? NaN) * 1e4) / 1e4,
          );
          // Never above the attack cap, unless the floor (4, 4.5 on a cold first day) is.
          assert.ok(b.threshold_risk <= Math.max(b.warm_start.cap ?? Infinity, 4.5), `threshold ${b.threshold_risk}`);
        }
      });

      it('the callback endpoint checks the signed link and its expiry, records the verdict, and answers clear JSON errors', async () => {
        const store = new FeedbackStore(engine, `${prefix}-feedback`, out.anomaly_index);
        const server = await startServiceServer({
          host: '127.0.0.1',
          port: 0,
          metrics: new ServiceMetrics(() => []),
          readiness: () =>
            Promise.resolve({
              ready: true,
              checks: { engine: { ok: true, detail: '' }, lease: { ok: true, detail: '' }, lag: { ok: true, detail: '' } },
            }),
          feedback: feedbackRoute({
            secret: SECRET,
            record: (t, r) => store.record(t.kind === 'incident' ? { incidentId: t.id } : { anomalyId: t.id }, r),
          }),
        });
        // The link as written on a document, called on this server (same path and query).
        const local = (link: string): string => {
          const u = new URL(link);
          return `${server.url}${u.pathname}${u.search}`;
        };
        try {
          const docs = await allDocuments(engine, out.anomaly_index);
          const [id, doc] = [...docs].find(([, d]) => vigilOf(d).entity.value === 'user07' && !vigilOf(d).incident) ?? [];
          assert.ok(id && doc, 'a document of user07 outside any incident');
          const links = vigilOf(doc).analyst?.links;
          assert.ok(links);
          const before = (await store.active(Date.now())).verdicts.length;

          const viaGet = await fetch(`${local(links.false_positive)}&by=playbook-7`);
          assert.equal(viaGet.status, 201, await viaGet.clone().text());
          const got = (await viaGet.json()) as {
            recorded: number;
            verdict: string;
            anomaly: string;
            verdicts: { entity: { value: string } }[];
          };
          assert.deepEqual([got.recorded, got.verdict, got.anomaly, got.verdicts[0].entity.value], [1, 'false_positive', id, 'user07']);

          // POST with the parameters as JSON, as a SOAR playbook's HTTP action sends them.
          const params = Object.fromEntries(new URL(links.benign_expected).searchParams);
          const viaPost = await fetch(`${server.url}/feedback`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ ...params, by: 'playbook-7', reason: 'scanner' }),
          });
          assert.equal(viaPost.status, 201, await viaPost.clone().text());

          const verdicts = (await store.active(Date.now())).verdicts;
          assert.equal(verdicts.length, before + 2);
          const mine = verdicts.filter((v) => v.anomaly_id === id);
          assert.deepEqual(mine.map((v) => [v.verdict, v.by]).sort(), [
            ['benign_expected', 'playbook-7'],
            ['false_positive', 'playbook-7'],
          ]);
          assert.equal(mine.find((v) => v.verdict === 'benign_expected')?.reason, 'scanner');

          const error = async (url: string, init?: RequestInit): Promise<[number, string]> => {
            const r = await fetch(url, init);
            assert.match(r.headers.get('content-type') ?? '', /application\/json/);
            return [r.status, ((await r.json()) as { error: string }).error];
          };
          const forged = new URL(local(links.false_positive));
          forged.searchParams.set('verdict', 'benign_expected');
          assert.deepEqual(await error(forged.toString()), [403, 'the signature does not match this link']);
          const expired = feedbackLinks('http://x', SECRET, { kind: 'anomaly', id }, Date.now() - 60_000).true_positive;
          const [status410, message410] = await error(local(expired));
          assert.equal(status410, 410);
          assert.match(message410, /expired at/);
          const missing = feedbackLinks('http://x', SECRET, { kind: 'anomaly', id: 'no-such-document' }, Date.now() + 60_000).true_positive;
          const [status404, message404] = await error(local(missing));
          assert.equal(status404, 404);
          assert.match(message404, /anomaly no-such-document is not in/);
          assert.deepEqual(await error(`${server.url}/feedback?verdict=maybe`), [400, 'exactly one of incident= or anomaly= is needed']);
          assert.equal(
            (await error(`${server.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' }))[0],
            400,
          );
          assert.equal((await error(`${server.url}/feedback`, { method: 'PUT' }))[0], 405);
          assert.equal((await store.active(Date.now())).verdicts.length, before + 2, 'no refused call wrote anything');
        } finally {
          await server.close();
        }
      });
    });
  }
});
