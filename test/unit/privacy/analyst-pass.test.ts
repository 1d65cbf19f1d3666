import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AnomalyDocument } from '../../../src/anomaly/document.js';
import { FieldIssues } from '../../../src/features/field-issues.js';
import { AnalystPass, plattFromVerdicts, verdictRisks } from '../../../src/feedback/analyst-pass.js';
import { verifyFeedbackLink } from '../../../src/feedback/link.js';
import type { Feedback } from '../../../src/feedback/verdict.js';
import { IncidentTracker, type SliceInput } from '../../../src/incidents/index.js';
import type { PartitionScores } from '../../../src/pipeline/job-runner.js';
import { SliceDecider } from '../../../src/pipeline/slice-decider.js';
import { testAnomaly } from '../alerting/support/anomalies.js';

const H = 3_600_000;
const START = Date.parse('2024-03-04T10:00:00.000Z');
const SECRET = 'k'.repeat(40);

function verdict(kind: Feedback['verdict'], user: string, fused = 3.7, anomalyId = `a-${user}`): Feedback {
  return {
    verdict: kind,
    by: 'ana',
    reason: 'test',
    anomaly_id: anomalyId,
    job_id: 'auth_by_user',
    entity: { field: 'user.name', value: user },
    fused_score: fused,
    window_start: new Date(START).toISOString(),
    pattern: [
      { name: 'distinct_source_ips', actual: 4, typical: 1 },
      { name: 'failed_logins', actual: 37, typical: 1.5 },
    ],
    ...(kind === 'true_positive' ? {} : { expires: '2030-01-01T00:00:00.000Z' }),
  };
}

/** One slice of one job: each user's window, fused score high enough to alert on its own. */
function slice(users: readonly string[], fused = 9): PartitionScores {
  const anomalies = users.map((user) => {
    const a = testAnomaly({ user, windowStartMs: START });
    a.doc.vigil.fused_score = fused;
    return a;
  });
  return {
    job: 'auth_by_user',
    partition: 0,
    window: { start: START, end: START + H },
    anomalies,
    events: 100,
    entities: users.length,
    maxScore: 99,
    durationMs: 1,
    fieldIssues: new FieldIssues(),
    skippedNoEntity: 0,
  };
}

function decided(pass: AnalystPass | undefined, users: readonly string[]): Map<string, AnomalyDocument> {
  const out = new SliceDecider({ alertsPerDay: 10 }).decide(START + H, [slice(users)], pass);
  return new Map(out.windows[0].anomalies.map((b) => [b.doc.vigil.entity.value, b.doc]));
}

describe('the analyst pass in the slice decision', () => {
  test('a benign_expected verdict mutes the matching window before the incident pass and the document says who, which verdict, until when', () => {
    const pass = new AnalystPass({ verdicts: [verdict('benign_expected', 'alice')], lists: [] });
    const docs = decided(pass, ['alice', 'bob']);
    const alice = docs.get('alice')?.vigil;
    const bob = docs.get('bob')?.vigil;
    assert.ok(alice && bob);
    assert.equal(alice.analyst?.suppressed, true);
    assert.deepEqual(
      { ...alice.analyst?.suppressed_by, reason: undefined },
      { verdict: 'benign_expected', by: 'ana', until: '2030-01-01T00:00:00.000Z', anomaly_id: 'a-alice', reason: undefined },
    );
    assert.equal(alice.analyst?.adjusted_fused_score, 0);
    assert.equal(alice.is_alert, false);
    assert.match(alice.explanation, /suppressed: benign expected by ana until 2030-01-01/);
    // The same slice without feedback: alice's window is as strong as bob's.
    const plain = decided(undefined, ['alice', 'bob']).get('alice')?.vigil;
    assert.ok(plain && plain.score > alice.score);
    assert.equal(plain.analyst, undefined);
    assert.equal(bob.analyst, undefined);
    assert.equal(bob.score, decided(undefined, ['alice', 'bob']).get('bob')?.vigil.score);
  });

  test('a newer true_positive on the same entity lifts the older suppression; true_positive alone suppresses nothing', () => {
    // Newest first, as the feedback store returns them.
    const lifted = new AnalystPass({
      verdicts: [verdict('true_positive', 'alice'), verdict('benign_expected', 'alice', 3.7, 'older')],
      lists: [],
    });
    assert.equal(decided(lifted, ['alice']).get('alice')?.vigil.analyst?.suppressed, undefined);
    const stale = new AnalystPass({
      verdicts: [verdict('benign_expected', 'alice', 3.7, 'newer'), verdict('true_positive', 'alice', 3.7, 'older')],
      lists: [],
    });
    assert.equal(decided(stale, ['alice']).get('alice')?.vigil.analyst?.suppressed, true);
  });

  test('Platt scaling is refitted on the verdicts once both kinds are judged, and the probability follows it', () => {
    assert.equal(
      plattFromVerdicts([verdict('true_positive', 'a', 9), verdict('false_positive', 'b', 3), verdict('false_positive', 'c', 2)]),
      undefined,
    );
    const fitted = plattFromVerdicts([
      verdict('true_positive', 'a', 9),
      verdict('true_positive', 'd', 8),
      verdict('false_positive', 'b', 3),
      verdict('benign_expected', 'c', 2),
    ]);
    assert.ok(fitted?.labels === 4 && fitted.c.a > 0, 'a rising fit on 4 labels');
    const pass = new AnalystPass({
      verdicts: [
        verdict('true_positive', 'x', 9),
        verdict('true_positive', 'y', 8),
        verdict('false_positive', 'z', 3),
        verdict('false_positive', 'w', 2),
      ],
      lists: [],
    });
    const doc = decided(pass, ['alice']).get('alice')?.vigil;
    assert.equal(doc?.analyst?.calibration_labels, 4);
    assert.ok(doc && doc.probability > 0.5, `fused 9 reads as a likely attack (p ${doc?.probability})`);
  });

  test('callback links on every document judge the incident when there is one, and verify', () => {
    const pass = new AnalystPass({ verdicts: [], lists: [], callback: { url: 'https://vigil.example:9477', secret: SECRET } });
    const doc = decided(pass, ['alice']).get('alice')?.vigil;
    const links = doc?.analyst?.links;
    assert.ok(doc && links);
    const check = verifyFeedbackLink(SECRET, new URL(links.false_positive).searchParams, START);
    assert.ok(check.ok);
    assert.deepEqual(check.target, doc.incident ? { kind: 'incident', id: doc.incident.id } : { kind: 'anomaly', id: check.target.id });
    assert.equal(links.expires, new Date(START + H + 30 * 86_400_000).toISOString());
  });
});

describe('the threshold warm start from verdicts', () => {
  const judged = (kind: Feedback['verdict'], user: string, risk: number | undefined, extra: Partial<Feedback> = {}): Feedback => ({
    ...verdict(kind, user, 3.7, `a-${user}-${risk ?? 'none'}`),
    ...(risk === undefined ? {} : { risk }),
    ...extra,
  });

  test('the risks: newest verdict per document, one peak per judged incident and kind, verdicts without a risk left out', () => {
    const risks = verdictRisks([
      // Newest first. An incident judged false positive through two of its entities: one peak, 5.3.
      judged('false_positive', 'a', 5.1, { incident_id: 'inc-1' }),
      judged('false_positive', 'b', 5.3, { incident_id: 'inc-1' }),
      judged('benign_expected', 'c', 6.0),
      // Overturned: the newer true_positive on the same document counts, this older verdict does not.
      { ...judged('true_positive', 'd', 4.6), anomaly_id: 'doc-d' },
      { ...judged('false_positive', 'd', 4.6), anomaly_id: 'doc-d' },
      judged('true_positive', 'e', 7.5, { incident_id: 'inc-2' }),
      judged('benign_expected', 'f', undefined),
    ]);
    assert.deepEqual({ benign: [...risks.benign].sort(), attack: [...risks.attack].sort() }, { benign: [5.3, 6.0], attack: [4.6, 7.5] });
    assert.deepEqual(verdictRisks([]), { benign: [], attack: [] });
  });

  test('the slice decision hands the verdict risks to the incident pass; unread verdicts hand none, no analyst input hands empty ones', (t) => {
    // Watched, not replaced: the test context restores the method.
    const step = t.mock.method(IncidentTracker.prototype, 'step');
    const verdicts = [judged('benign_expected', 'x', 5.1), judged('true_positive', 'y', 4.6)];
    decided(new AnalystPass({ verdicts, lists: [] }), ['alice']);
    decided(new AnalystPass({ verdicts, lists: [], verdictsUnread: true }), ['alice']);
    decided(undefined, ['alice']);
    const inputs: SliceInput[] = step.mock.calls.map((c) => c.arguments[0]);
    assert.deepEqual(
      inputs.map((i) => i.warmStart),
      [{ benign: [5.1], attack: [4.6] }, undefined, { benign: [], attack: [] }],
    );
    assert.ok(!('warmStart' in inputs[1]), 'unread verdicts leave the threshold with what it had');
  });

  test('through the slice decision: benign verdicts lift the first day off the floor, a true_positive at 4.6 caps it, the budget block says so', () => {
    const benign = [5.1, 5.3, 5.5, 5.8, 6.0].map((r, i) => judged(i % 2 ? 'false_positive' : 'benign_expected', `b${i}`, r));
    const threshold = (verdicts: Feedback[] | undefined) => {
      const pass = verdicts && new AnalystPass({ verdicts, lists: [] });
      return new SliceDecider({ alertsPerDay: 10, quietShare: 0.3 }).decide(START + H, [slice(['alice'])], pass).budget;
    };
    // At 11:00 (0.46 of the day) 0.3 × 10 × 1.46 ≈ 4 peaks are needed: the 4th highest of the verdicts' is 5.3.
    assert.deepEqual(threshold(benign), {
      alertsPerDay: 10,
      sentToday: 1,
      thresholdRisk: 5.3,
      cut: 62.8, // 100 · Φ((5.3 − 4) / 4), rounded up
      warmStart: { benign: 5, attack: 0, seeded: true, capped: false },
    });
    const capped = threshold([...benign, judged('true_positive', 's', 4.6)]);
    assert.equal(capped.thresholdRisk, 4.6);
    assert.deepEqual(capped.warmStart, { benign: 5, attack: 1, seeded: true, cap: 4.6, capped: true });
    // Without verdicts: the first day's floor, raised by the cold-start boost.
    const plain = threshold(undefined);
    assert.equal(plain.thresholdRisk, 4.5);
    assert.equal(plain.warmStart, undefined);
  });
});
