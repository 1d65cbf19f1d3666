import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Evidence } from '../../../src/explain/evidence.js';
import { explain, narrative } from '../../../src/explain/explanation.js';
import { featureWords, fieldWords, formatDuration, formatNumber } from '../../../src/explain/words.js';

const failed: Evidence = { kind: 'feature', name: 'failed_logins', actual: 57, typical: 2, contribution: 0.5 };
const hosts: Evidence = { kind: 'feature', name: 'distinct_hosts', actual: 14, typical: 1, contribution: 0.2 };
const country: Evidence = {
  kind: 'rarity',
  field: 'source.geo.country_iso_code',
  value: 'FR',
  surprise: 6.1,
  typicalSurprise: 0.4,
  probability: 0.002,
  firstSeen: true,
  populationFirstSeen: false,
  contribution: 0.3,
};

describe('explanation', () => {
  it('writes the one-line narrative from the top contributions, most important first', () => {
    const ex = explain([hosts, country, failed]);
    assert.equal(ex.narrative, '57 failed logins (typical 2); first-seen country FR; 14 distinct hosts (typical 1)');
    assert.deepEqual(
      ex.contributions.map((c) => c.name),
      ['failed_logins', 'source.geo.country_iso_code', 'distinct_hosts'],
    );
    assert.deepEqual(ex.contributions[0], { name: 'failed_logins', actual: 57, typical: 2, contribution: 0.5 });
    assert.deepEqual(ex.contributions[1], { name: 'source.geo.country_iso_code', actual: 6.1, typical: 0.4, contribution: 0.3 });
  });

  it('keeps the top m and drops items without contribution', () => {
    const ex = explain([failed, hosts, country, { ...hosts, name: 'bytes_out', contribution: 0 }], { top: 2 });
    assert.equal(ex.contributions.length, 2);
    assert.equal(explain([{ ...failed, contribution: 0 }]).narrative, 'nothing unusual');
  });

  it("uses caller labels and says when typical values are the peers'", () => {
    const ex = explain([failed], { labels: { failed_logins: 'failed sign-ins' }, coldStart: true });
    assert.equal(ex.narrative, "57 failed sign-ins (typical 2) (new entity: typical values are its peers')");
  });

  it('phrases every kind of evidence', () => {
    const text = narrative([
      {
        kind: 'rarity',
        field: 'process.name',
        value: 'mimikatz.exe',
        surprise: 12,
        typicalSurprise: 1,
        probability: 1e-5,
        firstSeen: true,
        populationFirstSeen: true,
        contribution: 1,
      },
      {
        kind: 'rarity',
        field: 'source.ip',
        value: '10.0.0.9',
        surprise: 3,
        typicalSurprise: 1,
        probability: 0.05,
        firstSeen: false,
        populationFirstSeen: false,
        contribution: 1,
      },
      {
        kind: 'sequence',
        from: 'login',
        to: 'add_member_to_admin_group',
        surprise: 9,
        typicalSurprise: 2,
        firstSeen: true,
        contribution: 1,
      },
      { kind: 'sequence', from: '^', to: 'logout', surprise: 4, typicalSurprise: 2, firstSeen: false, contribution: 1 },
      {
        kind: 'beaconing',
        destination: '203.0.113.9',
        periodMs: 300_000,
        arrivals: 12,
        robustCv: 0.031,
        score: 0.8,
        typicalScore: 0,
        contribution: 1,
      },
      { kind: 'feature', name: 'bytes_out', actual: NaN, typical: 5, contribution: 1 },
    ]);
    assert.equal(
      text,
      'process mimikatz.exe never seen before in the population; rare source IP 10.0.0.9 (p 0.05); ' +
        'first-time action add_member_to_admin_group (after login); unusual action logout after start; ' +
        'regular connections to 203.0.113.9 every 5 min (12 arrivals, CV 0.031); bytes out missing',
    );
  });

  it('turns names and numbers into words', () => {
    assert.equal(featureWords('failed_logins'), 'failed logins');
    assert.equal(fieldWords('source.geo.country_iso_code'), 'country');
    assert.equal(fieldWords('custom.thing.login_method_name'), 'login method');
    assert.equal(formatNumber(1234567), '1,234,567');
    assert.equal(formatNumber(-1234.6), '-1,235');
    assert.equal(formatNumber(0.123456), '0.123');
    assert.equal(formatNumber(NaN), 'n/a');
    assert.equal(formatDuration(90_000), '1.5 min');
    assert.equal(formatDuration(7_200_000), '2 h');
    assert.equal(formatDuration(12_500), '12.5 s');
  });
});
