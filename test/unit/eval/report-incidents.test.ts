import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { topIncidents } from '../../../src/eval/report/incidents.js';
import { testAnomaly } from '../alerting/support/anomalies.js';
import type { AnomalyDocument } from '../../../src/anomaly/document.js';

function doc(entity: string, score: number, isAlert = true): AnomalyDocument {
  const d = structuredClone(testAnomaly().doc);
  d.vigil.entity = { field: 'user.name', value: entity };
  d.vigil.score = score;
  d.vigil.is_alert = isAlert;
  return d;
}

describe('report: top incidents', () => {
  it('one row per entity (its highest alert), highest score first, non-alerts left out', () => {
    const rows = topIncidents([doc('ann', 80), doc('bob', 95), doc('ann', 91), doc('cy', 99, false)], 10);
    assert.deepEqual(
      rows.map((r) => [r.entity, r.score]),
      [
        ['user.name=bob', 95],
        ['user.name=ann', 91],
      ],
    );
    assert.ok(rows[0].narrative.length > 0, 'narrative');
    assert.ok(
      rows[0].evidence.every((e) => e.includes('(typical ')),
      'evidence: actual against typical',
    );
  });

  it('keeps the limit', () => {
    assert.equal(
      topIncidents(
        Array.from({ length: 30 }, (_, i) => doc(`u${i}`, 50 + i)),
        10,
      ).length,
      10,
    );
  });
});
