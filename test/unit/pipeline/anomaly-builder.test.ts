import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { anomalyId } from '../../../src/anomaly/document.js';
import type { EntityWindow } from '../../../src/features/executor.js';
import type { ScoredObservation } from '../../../src/models/ensemble.js';
import { buildAnomaly, entityKey } from '../../../src/pipeline/anomaly-builder.js';

const job = { id: 'auth-users', name: 'Vigil: auth users', category: ['authentication'], modelVersion: '0.1.0+abcd1234' };
const start = Date.parse('2026-03-02T10:00:00Z');

function window(overrides: Partial<EntityWindow> = {}): EntityWindow {
  return {
    entity: { fields: ['user.name'], value: 'alice' },
    entityValues: { 'user.name': 'alice' },
    start,
    end: start + 3_600_000,
    eventCount: 61,
    features: { failed_logins: 60 },
    categorical: { 'source.ip': ['203.0.113.7'] },
    firstSeen: {},
    related: { ip: ['203.0.113.7', '10.0.0.1', 'bogus'], user: ['alice'], hosts: ['ws-3'] },
    ...overrides,
  };
}

function scored(overrides: Partial<ScoredObservation> = {}): ScoredObservation {
  return {
    score: 93.456,
    probability: 0.93456,
    fused: 6.2,
    threshold: 2.1,
    isAlert: true,
    models: { zscore: 5.1, rarity: 7.3, iforest: Number.NaN },
    raw: {},
    fired: ['zscore', 'rarity'],
    contributions: [
      { name: 'failed_logins', actual: 60, typical: 1, contribution: 0.7 },
      { name: 'source.ip', actual: Number.NaN, typical: 0, contribution: 0.3 },
    ],
    narrative: '60 failed logins (typical 1)',
    coldStart: false,
    threat: {
      framework: 'MITRE ATT&CK',
      tactic: { id: ['TA0006'], name: ['Credential Access'], reference: ['https://attack.mitre.org/tactics/TA0006/'] },
      technique: {
        id: ['T1110'],
        name: ['Brute Force'],
        reference: ['https://attack.mitre.org/techniques/T1110/'],
        subtechnique: { id: ['T1110.001'], name: ['Password Guessing'], reference: ['https://attack.mitre.org/techniques/T1110/001/'] },
      },
    },
    ...overrides,
  };
}

/** Every leaf path of a document, e.g. "vigil.entity.field". */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length && typeof value[0] === 'object' ? value.flatMap((v) => leafPaths(v, prefix)) : [prefix];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

function mappedPaths(mapping: Record<string, unknown>, prefix = ''): Set<string> {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(mapping)) {
    const path = prefix ? `${prefix}.${k}` : k;
    const node = v as { properties?: Record<string, unknown>; type?: string };
    if (node.properties) for (const p of mappedPaths(node.properties, path)) out.add(p);
    else out.add(path);
  }
  return out;
}

describe('anomaly builder', () => {
  it('builds the ECS + vigil.* document with the deterministic id', () => {
    const { id, doc } = buildAnomaly(window(), scored(), job, 2);
    assert.equal(id, anomalyId('auth-users', 'user.name', 'alice', start));
    assert.equal(doc['@timestamp'], '2026-03-02T11:00:00.000Z');
    assert.deepEqual(doc.event.category, ['authentication']);
    assert.equal(doc.event.kind, 'alert');
    assert.deepEqual(doc.ecs, { version: '8.17.0' });
    assert.equal(doc.event.risk_score, 93);
    assert.equal(doc.event.risk_score_norm, 93.46);
    assert.equal(doc.event.severity, 99);
    assert.equal(doc.event.reason, '60 failed logins (typical 1)');
    assert.deepEqual(doc.rule, { id: 'auth-users', name: 'Vigil: auth users', version: '0.1.0+abcd1234', ruleset: 'vigil' });
    assert.deepEqual(doc.user, { name: 'alice' });
    assert.equal(doc.source, undefined);
    // Invalid IPs never reach an `ip` field; lists are sorted and de-duplicated.
    assert.deepEqual(doc.related, { ip: ['10.0.0.1', '203.0.113.7'], user: ['alice'], hosts: ['ws-3'] });
    assert.deepEqual(doc.threat?.technique.id, ['T1110']);
    assert.deepEqual(doc.threat?.technique.subtechnique?.id, ['T1110.001']);
    assert.equal(doc.vigil.severity, 'critical');
    assert.equal(doc.vigil.partition, 2);
    assert.deepEqual(doc.vigil.models, { zscore: 5.1, rarity: 7.3 }); // NaN dropped
    assert.deepEqual(doc.vigil.models_fired, ['rarity', 'zscore']);
    assert.deepEqual(
      doc.vigil.features.map((f) => f.name),
      ['failed_logins'],
    ); // NaN actual dropped
    assert.equal(doc.vigil.top_feature, 'failed_logins');
    assert.equal(doc.vigil.top_feature_actual, 60);
    assert.equal(doc.vigil.event_count, 61);
    assert.equal(doc.vigil.window.start, '2026-03-02T10:00:00.000Z');
  });

  it('places IP entities in source.ip / destination.ip and related.ip; two-field entities keep both', () => {
    const w = window({
      entity: { fields: ['source.ip', 'destination.ip'], value: '10.0.0.5|198.51.100.9' },
      entityValues: { 'source.ip': '10.0.0.5', 'destination.ip': '198.51.100.9' },
      related: { ip: [], user: [], hosts: [] },
    });
    const { id, doc } = buildAnomaly(w, scored({ isAlert: false, score: 12 }), job, 0);
    assert.equal(id, anomalyId('auth-users', 'source.ip,destination.ip', '10.0.0.5|198.51.100.9', start));
    assert.deepEqual(doc.source, { ip: '10.0.0.5' });
    assert.deepEqual(doc.destination, { ip: '198.51.100.9' });
    assert.deepEqual(doc.related.ip, ['10.0.0.5', '198.51.100.9']);
    assert.equal(doc.vigil.entity.field, 'source.ip,destination.ip');
    assert.equal(doc.vigil.is_alert, false);
    assert.equal(doc.vigil.severity, 'low');
    assert.equal(entityKey(w), 'source.ip,destination.ip=10.0.0.5|198.51.100.9');
  });

  it('marks only alerts as event.kind alert: every other scored window is an ECS metric', () => {
    const { doc } = buildAnomaly(window(), scored({ isAlert: false, score: 12 }), job, 0);
    assert.equal(doc.event.kind, 'metric');
    assert.equal(doc.vigil.is_alert, false);
    assert.deepEqual(doc.ecs, { version: '8.17.0' });
  });

  it('falls back to a readable reason and omits threat when the ensemble has none', () => {
    const { doc } = buildAnomaly(window(), scored({ narrative: '', threat: undefined, score: 55 }), job, 0);
    assert.match(doc.event.reason, /user\.name alice: anomaly score 55 \(medium\) in job auth-users/);
    assert.equal(doc.threat, undefined);
  });

  it('emits only fields the strict anomaly mapping knows', () => {
    const template = JSON.parse(readFileSync(new URL('../../../mappings/anomalies.index-template.json', import.meta.url), 'utf8')) as {
      template: { mappings: { properties: Record<string, unknown> } };
    };
    const mapped = mappedPaths(template.template.mappings.properties);
    const w = window({ entity: { fields: ['host.name'], value: 'ws-1' }, entityValues: { 'host.name': 'ws-1' } });
    for (const doc of [buildAnomaly(window(), scored(), job, 0).doc, buildAnomaly(w, scored(), job, 0).doc]) {
      for (const path of leafPaths(doc)) assert.ok(mapped.has(path), `${path} is not in the anomaly mapping`);
    }
  });

  it('is stable: the same inputs give byte-identical documents', () => {
    const a = buildAnomaly(window(), scored(), job, 0);
    const b = buildAnomaly(window(), scored(), job, 0);
    assert.equal(JSON.stringify(a), JSON.stringify(b));
  });
});
