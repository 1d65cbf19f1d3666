import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAttackSpec, defaultWarmupDays } from '../../../src/simulate/options.js';
import { optionsFromFlags } from '../../../src/cli/commands/simulate.js';
import { UsageError } from '../../../src/cli/errors.js';

const flags = {
  seed: '7',
  days: '14',
  users: '300',
  hosts: '120',
  start: '2026-03-02T00:00:00Z',
  attacks: 'all:2',
  intensity: '1',
  stealth: '0.3',
};

describe('simulate options', () => {
  it('parses the attack spec', () => {
    const all = parseAttackSpec('all:2');
    assert.equal(
      Object.values(all).every((n) => n === 2),
      true,
    );
    const some = parseAttackSpec('brute-force:3, beaconing, exfiltration:0');
    assert.equal(some.brute_force, 3);
    assert.equal(some.beaconing, 1);
    assert.equal(some.data_exfiltration, 0);
    assert.equal(some.password_spray, 0);
    assert.equal(
      Object.values(parseAttackSpec('none')).reduce((a, b) => a + b, 0),
      0,
    );
    assert.throws(() => parseAttackSpec('teleport:1'), /unknown scenario "teleport"/);
    assert.throws(() => parseAttackSpec('brute_force:-1'), /whole number/);
  });

  it('validates flags with messages naming the flag', () => {
    assert.equal(optionsFromFlags(flags).days, 14);
    assert.throws(
      () => optionsFromFlags({ ...flags, days: 'x' }),
      (e: unknown) => e instanceof UsageError && e.message.includes('--days must be a number'),
    );
    assert.throws(
      () => optionsFromFlags({ ...flags, stealth: '2' }),
      (e: unknown) => e instanceof UsageError && e.message.includes('--stealth'),
    );
    assert.throws(
      () => optionsFromFlags({ ...flags, start: '2026-03-02' }),
      (e: unknown) => e instanceof UsageError && e.message.includes('--start'),
    );
    assert.throws(
      () => optionsFromFlags({ ...flags, users: '3' }),
      (e: unknown) => e instanceof UsageError && e.message.includes('--users'),
    );
  });

  it('keeps attacks out of the same warm-up the evaluation uses', () => {
    assert.equal(defaultWarmupDays(14), 3);
    assert.equal(defaultWarmupDays(8), 2);
    assert.equal(defaultWarmupDays(5), 1);
    assert.equal(defaultWarmupDays(2), 12 / 24);
  });
});
