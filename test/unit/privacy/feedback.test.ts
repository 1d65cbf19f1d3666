import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BulkOperation, BulkResult, JsonObject } from '../../../src/engine/engine.js';
import { feedbackLinks, verifyFeedbackLink } from '../../../src/feedback/link.js';
import { mergeBands, Suppressor, type PatternWindow } from '../../../src/feedback/pattern.js';
import { feedbackFor, FeedbackStore } from '../../../src/feedback/store.js';
import { feedbackSchema, parseFeedback } from '../../../src/feedback/verdict.js';
import { MemoryEngine } from '../pipeline/memory-engine.js';

const NOW = Date.UTC(2026, 2, 9, 10);
const DAY = 86_400_000;

const anomaly: JsonObject = {
  vigil: {
    job_id: 'auth-users',
    entity: { field: 'user.name', value: 'backup-svc' },
    window: { start: '2026-03-09T02:00:00.000Z', end: '2026-03-09T03:00:00.000Z' },
    fused_score: 6.2,
    incident: { id: 'abc123' },
    features: [
      { name: 'events', actual: 480, typical: 20, contribution: 0.7 },
      { name: 'distinct_hosts', actual: 12, typical: 2, contribution: 0.25 },
      { name: 'failure_ratio', actual: 0.01, typical: 0.02, contribution: 0.05 },
    ],
  },
};

function win(features: [string, number][], end = NOW + DAY): PatternWindow {
  return {
    job: 'auth-users',
    entityField: 'user.name',
    entityValue: 'backup-svc',
    end,
    features: features.map(([name, actual]) => ({ name, actual, typical: 0 })),
  };
}

describe('feedback verdicts', () => {
  test('an incident judged as a whole: the pattern spans the most extreme value of every carrying feature', () => {
    const band = mergeBands([
      [
        { name: 'auth_attempts', actual: 8, typical: 2 },
        { name: 'off_hours_share', actual: 0, typical: 1 },
      ],
      [
        { name: 'auth_attempts', actual: 24, typical: 2 },
        { name: 'distinct_hosts', actual: 20, typical: 2 },
        { name: 'off_hours_share', actual: 0.2, typical: 1 },
      ],
      [{ name: 'auth_attempts', actual: 13, typical: 2 }],
    ]);
    assert.deepEqual(band, [
      { name: 'auth_attempts', actual: 24, typical: 2 },
      // Anomalously low: the lowest judged value is the edge of the band.
      { name: 'off_hours_share', actual: 0, typical: 1 },
      { name: 'distinct_hosts', actual: 20, typical: 2 },
    ]);
    const busier = structuredClone(anomaly);
    const features = (busier.vigil as JsonObject).features as JsonObject[];
    features[0].actual = 900;
    const doc = feedbackFor('doc-1', anomaly, { verdict: 'benign_expected', by: 'ana', now: NOW }, [busier]);
    assert.deepEqual(doc.vigil.feedback.pattern, [
      { name: 'events', actual: 900, typical: 20 },
      { name: 'distinct_hosts', actual: 12, typical: 2 },
    ]);
    assert.equal(doc.vigil.feedback.anomaly_id, 'doc-1');
  });

  test('a verdict document keeps the features that carried the anomaly as the pattern, with a default expiry', () => {
    const doc = feedbackFor('doc-1', anomaly, { verdict: 'benign_expected', by: 'ana', reason: 'nightly backup', now: NOW });
    assert.ok(feedbackSchema.safeParse(doc).success);
    const f = doc.vigil.feedback;
    assert.deepEqual(
      f.pattern.map((p) => p.name),
      ['events', 'distinct_hosts'],
    );
    assert.equal(f.incident_id, 'abc123');
    assert.equal(f.expires, new Date(NOW + 90 * DAY).toISOString());
    assert.equal(
      feedbackFor('doc-1', anomaly, { verdict: 'false_positive', by: 'ana', now: NOW }).vigil.feedback.expires,
      new Date(NOW + 7 * DAY).toISOString(),
    );
    assert.equal(feedbackFor('doc-1', anomaly, { verdict: 'true_positive', by: 'ana', now: NOW }).vigil.feedback.expires, undefined);
  });

  test('a malformed stored verdict is reported with its field', () => {
    const r = parseFeedback({ '@timestamp': 'yesterday', vigil: { feedback: {} } });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /@timestamp/);
  });

  test('benign_expected suppresses the same behaviour, not a change of behaviour, and lapses', () => {
    const verdict = feedbackFor('doc-1', anomaly, { verdict: 'benign_expected', by: 'ana', now: NOW }).vigil.feedback;
    const s = new Suppressor([verdict]);
    assert.equal(s.size, 1);
    assert.ok(
      s.match(
        win([
          ['events', 500],
          ['distinct_hosts', 11],
        ]),
      ),
      'the same burst again',
    );
    assert.ok(s.match(win([['events', 700]])), 'within +50 %');
    assert.equal(s.match(win([['events', 800]])), undefined, 'far more than judged');
    assert.equal(
      s.match(
        win([
          ['events', 400],
          ['failure_ratio', 0.9],
        ]),
      ),
      undefined,
      'a new feature going off',
    );
    assert.equal(s.match({ ...win([['events', 400]]), entityValue: 'alice' }), undefined, 'another entity');
    assert.equal(s.match(win([['events', 400]], NOW + 91 * DAY)), undefined, 'expired');
    assert.match(s.match(win([['events', 400]]))?.reason ?? '', /benign expected by ana until 2026-06-07/);
    // A feature outside the pattern carrying a minor share (≤ 20 % together) is not new behaviour; a larger one is.
    const shares = (outside: number): PatternWindow => ({
      ...win([]),
      features: [
        { name: 'events', actual: 480, typical: 20, contribution: 1 - outside },
        { name: 'hour_of_day', actual: 14, typical: 9, contribution: outside },
      ],
    });
    assert.ok(s.match(shares(0.12)), 'hour_of_day at 12 %');
    assert.equal(s.match(shares(0.3)), undefined, 'hour_of_day at 30 %');
  });

  test('true positives suppress nothing', () => {
    const verdict = feedbackFor('doc-1', anomaly, { verdict: 'true_positive', by: 'ana', now: NOW }).vigil.feedback;
    assert.equal(new Suppressor([verdict]).match(win([['events', 480]])), undefined);
  });

  test('callback links are signed per target, verdict and expiry; a tampered or expired link is refused', () => {
    const secret = 's'.repeat(40);
    const expires = NOW + 30 * DAY;
    const links = feedbackLinks('https://vigil.soc.example:9464', secret, { kind: 'incident', id: 'abc123' }, expires);
    const fp = new URL(links.false_positive);
    assert.equal(fp.pathname, '/feedback');
    assert.equal(fp.searchParams.get('exp'), String(expires / 1000));
    assert.deepEqual(verifyFeedbackLink(secret, fp.searchParams, NOW), {
      ok: true,
      target: { kind: 'incident', id: 'abc123' },
      verdict: 'false_positive',
    });
    const forged = new URLSearchParams(fp.searchParams);
    forged.set('verdict', 'benign_expected');
    assert.deepEqual(verifyFeedbackLink(secret, forged, NOW), { ok: false, status: 403, error: 'the signature does not match this link' });
    // Extending a link's life breaks its signature too.
    const extended = new URLSearchParams(fp.searchParams);
    extended.set('exp', String(expires / 1000 + 86_400));
    assert.equal(verifyFeedbackLink(secret, extended, NOW).ok, false);
    assert.equal(verifyFeedbackLink('t'.repeat(40), fp.searchParams, NOW).ok, false);
    const late = verifyFeedbackLink(secret, fp.searchParams, expires);
    assert.equal(late.ok, false);
    assert.equal(!late.ok && late.status, 410);
    assert.deepEqual(verifyFeedbackLink(secret, new URLSearchParams('incident=a&anomaly=b&verdict=true_positive&sig=x')), {
      ok: false,
      status: 400,
      error: 'exactly one of incident= or anomaly= is needed',
    });
  });
});

/**
 * The memory engine with the two searches the feedback store sends (every verdict; judged
 * documents by id over `<anomaly index>*`), and optionally a feedback index whose strict mapping
 * predates vigil.feedback.risk.
 */
class FeedbackEngine extends MemoryEngine {
  searches: string[] = [];
  oldMapping = false;

  override async search(index: string, body: JsonObject): Promise<JsonObject> {
    this.searches.push(index);
    const name = index.replace(/\*$/, '');
    const ids = ((body.query as JsonObject).ids as JsonObject | undefined)?.values as string[] | undefined;
    const docs = [...(this.indices.get(name) ?? new Map<string, { doc: JsonObject }>()).entries()].filter(
      ([id]) => !ids || ids.includes(id),
    );
    return { hits: { hits: docs.map(([id, s]) => ({ _index: name, _id: id, _source: structuredClone(s.doc) })) } };
  }

  override async bulk(operations: readonly BulkOperation[]): Promise<BulkResult> {
    const hasRisk = (op: BulkOperation): boolean =>
      op.index === 'fb' && ((op.document.vigil as JsonObject).feedback as JsonObject).risk !== undefined;
    if (!this.oldMapping) return super.bulk(operations);
    const result = await super.bulk(operations.filter((op) => !hasRisk(op)));
    const refused = operations.filter(hasRisk).length;
    const error = {
      type: 'strict_dynamic_mapping_exception',
      reason: 'mapping set to strict, dynamic introduction of [risk] within [vigil.feedback] is not allowed',
    };
    const items = [
      ...result.items,
      ...operations.flatMap((op, position) =>
        hasRisk(op) ? [{ position, index: op.index, id: op.id ?? '', status: 400, ok: false, error }] : [],
      ),
    ];
    return { items, succeeded: result.succeeded, failed: result.failed + refused };
  }
}

describe('the judged risk on verdicts', () => {
  const judged = (risk: number | undefined): JsonObject => ({
    vigil: { ...(anomaly.vigil as JsonObject), ...(risk === undefined ? {} : { risk }) },
  });

  test("a verdict keeps the judged document's risk (vigil.risk); a document without one gives a verdict without one", () => {
    const doc = feedbackFor('doc-1', judged(5.3), { verdict: 'false_positive', by: 'ana', now: NOW });
    assert.equal(doc.vigil.feedback.risk, 5.3);
    assert.ok(feedbackSchema.safeParse(doc).success);
    const without = JSON.parse(JSON.stringify(feedbackFor('doc-1', judged(undefined), { verdict: 'false_positive', by: 'ana', now: NOW })));
    assert.equal('risk' in without.vigil.feedback, false);
    assert.ok(feedbackSchema.safeParse(without).success);
  });

  test("a pass gives verdicts stored without a risk the judged document's, and keeps it in the verdict", async () => {
    const engine = new FeedbackEngine();
    const store = new FeedbackStore(engine, 'fb', 'anom');
    const old = JSON.parse(JSON.stringify(feedbackFor('doc-1', judged(undefined), { verdict: 'benign_expected', by: 'ana', now: NOW })));
    const gone = JSON.parse(JSON.stringify(feedbackFor('doc-gone', judged(undefined), { verdict: 'true_positive', by: 'ana', now: NOW })));
    await engine.bulk([
      { action: 'create', index: 'fb', id: 'v1', document: old },
      { action: 'create', index: 'fb', id: 'v2', document: gone },
      { action: 'index', index: 'anom', id: 'doc-1', document: judged(6.25) },
    ]);
    // `vigil feedback --list` reads and never writes.
    const listed = await store.active(NOW);
    assert.deepEqual([listed.verdicts.map((v) => v.risk), listed.risks, engine.searches], [[undefined, undefined], undefined, ['fb']]);

    const first = await store.active(NOW, { resolveRisks: true });
    assert.deepEqual(
      first.verdicts.map((v) => [v.anomaly_id, v.risk]),
      [
        ['doc-1', 6.25],
        ['doc-gone', undefined],
      ],
    );
    assert.deepEqual(first.risks, { missing: 2, found: 1, recorded: 1 });
    const stored = engine.indices.get('fb')!.get('v1')!.doc;
    assert.equal(((stored.vigil as JsonObject).feedback as JsonObject).risk, 6.25);
    assert.equal(((stored.vigil as JsonObject).feedback as JsonObject).reason, '', 'the rest of the verdict as it was');
    // Next pass: only the verdict whose document is gone is looked up again.
    const second = await store.active(NOW, { resolveRisks: true });
    assert.deepEqual(second.risks, { missing: 1, found: 0, recorded: 0 });
    assert.equal(second.verdicts[0].risk, 6.25);
  });

  test('a feedback index older than vigil.feedback.risk still records verdicts (without it) and says why a risk is not kept', async () => {
    const engine = new FeedbackEngine();
    engine.oldMapping = true;
    const store = new FeedbackStore(engine, 'fb', 'anom');
    await engine.bulk([{ action: 'index', index: 'anom', id: 'doc-1', document: judged(5.1) }]);
    const docs = await store.record({ anomalyId: 'doc-1' }, { verdict: 'false_positive', by: 'ana', now: NOW });
    assert.equal(docs.length, 1);
    assert.equal(docs[0].vigil.feedback.risk, undefined);
    const read = await store.active(NOW, { resolveRisks: true });
    assert.equal(read.verdicts.length, 1);
    // Applied this pass all the same; the write-back is refused and reported.
    assert.equal(read.verdicts[0].risk, 5.1);
    assert.equal(read.risks?.recorded, 0);
    assert.match(read.risks?.error ?? '', /strict_dynamic_mapping_exception/);
  });
});
