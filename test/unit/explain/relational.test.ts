import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relationalClause } from '../../../src/explain/relational.js';
import { propagateRelational } from '../../../src/models/relational.js';

describe('relationalClause', () => {
  const scored = propagateRelational([
    {
      key: 'auth-by-source-ip|203.0.113.7',
      entityField: 'source.ip',
      entityValue: '203.0.113.7',
      related: { user: ['alice'] },
      fused: 8.13,
    },
    { key: 'auth-by-user|alice', entityField: 'user.name', entityValue: 'alice', related: { ip: ['203.0.113.7'] }, fused: 1.9 },
    { key: 'network-by-source|203.0.113.7', entityField: 'source.ip', entityValue: '203.0.113.7', fused: -1 },
    { key: 'auth-by-user|bob', entityField: 'user.name', entityValue: 'bob', related: { ip: ['10.0.0.1'] }, fused: 2.5 },
  ]);

  it('names the linked entity, its job and its score', () => {
    assert.equal(relationalClause(scored[1]), 'risk from related IP 203.0.113.7 (auth-by-source-ip, z 8.1)');
    assert.equal(
      relationalClause(scored[1], { fieldOf: () => 'source.ip' }),
      'risk from related source IP 203.0.113.7 (auth-by-source-ip, z 8.1)',
    );
    assert.equal(relationalClause(scored[2]), 'anomalous in auth-by-source-ip too (z 8.1)');
  });

  it('says nothing when the window stood on its own evidence', () => {
    assert.equal(relationalClause(scored[0]), undefined);
    assert.equal(relationalClause(scored[3]), undefined);
  });
});
