import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { propagateRelational, relatedKindOf, strongestOf, type RelationalWindow } from '../../../src/models/relational.js';

const ip = (value: string, fused: number, users: string[] = [], hosts: string[] = [], job = 'auth-by-source-ip'): RelationalWindow => ({
  key: `${job}|${value}`,
  entityField: 'source.ip',
  entityValue: value,
  related: { ip: [value], user: users, hosts },
  fused,
});
const user = (value: string, fused: number, ips: string[] = [], hosts: string[] = [], job = 'auth-by-user'): RelationalWindow => ({
  key: `${job}|${value}`,
  entityField: 'user.name',
  entityValue: value,
  related: { ip: ips, user: [value], hosts },
  fused,
});
const byKey = (rs: ReturnType<typeof propagateRelational>) => new Map(rs.map((r) => [r.key, r]));

describe('propagateRelational', () => {
  it('a spray: every account the loud source IP tried inherits its risk, an unrelated account does not', () => {
    const victims = Array.from({ length: 30 }, (_, i) => user(`v${i}`, 2, ['203.0.113.7']));
    const out = byKey(
      propagateRelational([
        ip(
          '203.0.113.7',
          8,
          victims.map((v) => v.entityValue),
        ),
        ...victims,
        user('bystander', 2, ['10.0.0.9']),
      ]),
    );
    for (const v of victims) {
      const r = out.get(v.key)!;
      // own 2 plus a participant at 8: (2 + 0.9·8) / √1.81 ≈ 6.8
      assert.ok(r.fused > 6.5 && r.fused < 7, `victim ${r.fused}`);
      assert.equal(r.own, 2);
      assert.deepEqual(r.source, { key: 'auth-by-source-ip|203.0.113.7', entityValue: '203.0.113.7', fused: 8, via: 'ip' });
    }
    assert.equal(out.get('auth-by-user|bystander')!.fused, 2);
    assert.equal(out.get('auth-by-user|bystander')!.lift, 0);
    // the source IP itself is linked to thirty mild accounts: the strongest of 30 at 2σ is no evidence
    assert.equal(out.get('auth-by-source-ip|203.0.113.7')!.fused, 8);
  });

  it('the same entity seen by another job carries its risk over (sameEntity)', () => {
    const out = byKey(propagateRelational([ip('10.20.0.40', 6), ip('10.20.0.40', -1.5, [], [], 'network-by-source')]));
    const net = out.get('network-by-source|10.20.0.40')!;
    assert.ok(Math.abs(net.fused - 0.9 * 6) < 1e-12, `${net.fused}`);
    assert.equal(net.source?.via, 'same_entity');
    assert.equal(out.get('auth-by-source-ip|10.20.0.40')!.fused, 6);
  });

  it('never lowers a score, and ordinary neighbours add nothing', () => {
    const ws = [user('a', 3.2, ['10.0.0.1']), ip('10.0.0.1', -0.4, ['a']), ip('10.0.0.1', 0.3, [], [], 'network-by-source')];
    for (const r of propagateRelational(ws)) {
      assert.ok(r.fused >= r.own);
      assert.ok(r.lift >= 0);
    }
    assert.equal(byKey(propagateRelational(ws)).get('auth-by-user|a')!.fused, 3.2);
  });

  it('corrects the strongest of many neighbours for their number', () => {
    const one = byKey(
      propagateRelational([user('u', 0, [], ['h0']), { key: 'p|h0', entityField: 'host.name', entityValue: 'h0', fused: 3 }]),
    );
    const many = byKey(
      propagateRelational([
        user(
          'u',
          0,
          [],
          Array.from({ length: 20 }, (_, i) => `h${i}`),
        ),
        ...Array.from({ length: 20 }, (_, i): RelationalWindow => ({
          key: `p|h${i}`,
          entityField: 'host.name',
          entityValue: `h${i}`,
          fused: i === 0 ? 3 : 0.5,
        })),
      ]),
    );
    assert.ok(many.get('auth-by-user|u')!.fused < one.get('auth-by-user|u')!.fused - 0.5);
    assert.equal(strongestOf(3, 1), 3);
    assert.ok(Math.abs(strongestOf(3, 20) - 1.927) < 0.002, `${strongestOf(3, 20)}`); // Φ⁻¹(1 − 20·0.00135)
    assert.equal(strongestOf(0.5, 20), -Infinity); // the best of twenty at 0.5σ is nothing
  });

  it('links a related value only to an entity of its kind', () => {
    // "db01" appears as a host; an entity "db01" in a user-keyed job is not that host
    const out = byKey(propagateRelational([user('alice', 0, [], ['db01']), user('db01', 9)]));
    assert.equal(out.get('auth-by-user|alice')!.fused, 0);
    assert.equal(relatedKindOf('source.ip'), 'ip');
    assert.equal(relatedKindOf('destination.ip'), 'ip');
    assert.equal(relatedKindOf('user.name'), 'user');
    assert.equal(relatedKindOf('host.name'), 'hosts');
    assert.equal(relatedKindOf('process.name'), undefined);
    // a flat related list links to any kind
    const flat = byKey(
      propagateRelational([
        { key: 'x', entityValue: 'x', related: ['db01'], fused: 0 },
        { key: 'p|db01', entityField: 'host.name', entityValue: 'db01', fused: 5 },
      ]),
    );
    assert.ok(Math.abs(flat.get('x')!.fused - 0.7 * 5) < 1e-12);
  });

  it('reaches two links away, damped again (secondHop)', () => {
    // alice collects files (data access, 12); the IP she logs on from links to her in the
    // authentication job; bob, another user of that IP, is two links from alice
    const ws = [user('alice', 12, [], [], 'data-access-by-user'), ip('10.23.0.75', 0, ['alice', 'bob']), user('bob', 0, ['10.23.0.75'])];
    const two = byKey(propagateRelational(ws));
    const first = two.get('auth-by-source-ip|10.23.0.75')!.fused; // 0.7 · strongest of {alice 12, bob 0}
    assert.ok(first > 7.5 && first < 8.4, `${first}`);
    const bob = two.get('auth-by-user|bob')!;
    assert.ok(Math.abs(bob.fused - 0.5 * first) < 1e-9, `${bob.fused}`);
    assert.equal(bob.source?.entityValue, '10.23.0.75');
    // one incident: bob's and the IP's scores rest on alice's own evidence
    assert.equal(bob.root, 'data-access-by-user|alice');
    assert.equal(two.get('auth-by-source-ip|10.23.0.75')!.root, 'data-access-by-user|alice');
    assert.equal(two.get('data-access-by-user|alice')!.root, 'data-access-by-user|alice');
    assert.equal(byKey(propagateRelational(ws, { secondHop: 0 })).get('auth-by-user|bob')!.fused, 0);
  });

  it('does not depend on the order of the windows', () => {
    const ws = [
      ip('1.2.3.4', 7, ['a', 'b']),
      user('a', 1, ['1.2.3.4']),
      user('b', -1, ['1.2.3.4'], ['h']),
      { key: 'p|h', entityField: 'host.name', entityValue: 'h', related: { user: ['b'] }, fused: 2 },
    ];
    const forward = byKey(propagateRelational(ws));
    const backward = byKey(propagateRelational([...ws].reverse()));
    for (const [k, r] of forward) assert.deepEqual(backward.get(k), r);
  });

  it('treats a non-finite score as 0 and validates its parameters', () => {
    const out = propagateRelational([user('a', NaN, ['9.9.9.9']), ip('9.9.9.9', 4)]);
    assert.ok(Number.isFinite(out[0].fused) && out[0].own === 0);
    assert.deepEqual(propagateRelational([]), []);
    assert.throws(() => propagateRelational([], { linked: 1.5 }), /linked must be in \[0, 1\]/);
    assert.throws(() => propagateRelational([], { secondHop: -0.1 }), /secondHop must be in \[0, 1\]/);
  });
});
