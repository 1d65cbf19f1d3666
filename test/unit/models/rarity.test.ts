import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rarity } from '../../../src/models/rarity.js';

const F = 'source.geo.country_iso_code';

describe('Rarity', () => {
  it('computes −ln p with additive smoothing and back-off to the population', () => {
    const r = new Rarity({ alpha: 1 });
    for (let i = 0; i < 4; i++) r.learnOne('u', { [F]: ['US'] });
    r.learnOne('u', { [F]: ['US', 'GB'] });
    const s = r.scoreOne('u', { [F]: ['US', 'FR'] });
    // N = n = 5 windows; FR is new: Good–Turing p_pop = (N₁ = 1 (GB) + 1) / 7 = 2/7,
    // β = 1 + 2 distinct → p = (0 + 3 · 2/7) / (5 + 3) = 3/28
    assert.equal(s.top.length, 1);
    assert.equal(s.top[0].value, 'FR');
    assert.ok(Math.abs(s.top[0].surprise - Math.log(28 / 3)) < 1e-12);
    assert.ok(Math.abs(s.score - Math.log(28 / 3)) < 1e-12);
    assert.equal(s.top[0].firstSeen, true);
    assert.equal(s.top[0].populationFirstSeen, true);
    assert.deepEqual(s.firstSeen, [{ field: F, value: 'FR' }]);
    // US: p_pop = 6/7 → p = (5 + 18/7) / 8 = 53/56
    const us = r.scoreOne('u', { [F]: ['US'] });
    assert.ok(Math.abs(us.score - Math.log(56 / 53)) < 1e-12);
    assert.equal(us.firstSeen.length, 0);
  });

  it('flags a value first-seen for the entity even when its peers use it', () => {
    const r = new Rarity();
    for (let i = 0; i < 50; i++) {
      r.learnOne('alice', { [F]: ['US'] });
      r.learnOne('bob', { [F]: ['DE'] });
    }
    const s = r.scoreOne('alice', { [F]: ['DE'] });
    assert.equal(s.top[0].firstSeen, true);
    assert.equal(s.top[0].populationFirstSeen, false);
    const never = r.scoreOne('alice', { [F]: ['KP'] });
    assert.ok(never.score > s.score, 'a value nobody used is rarer than one peers use');
    assert.ok(s.score > r.scoreOne('alice', { [F]: ['US'] }).score + 3);
  });

  it('sums the rarest value of each field; fields without values contribute nothing', () => {
    const r = new Rarity();
    for (let i = 0; i < 20; i++) r.learnOne('u', { [F]: ['US'], 'source.ip': ['10.0.0.1'] });
    const one = r.scoreOne('u', { [F]: ['FR'], 'source.ip': [] });
    const two = r.scoreOne('u', { [F]: ['FR'], 'source.ip': ['192.0.2.1'] });
    assert.equal(one.fieldsScored, 1);
    assert.equal(two.fieldsScored, 2);
    assert.ok(Math.abs(two.score - one.score - two.top.find((t) => t.field === 'source.ip')!.surprise) < 1e-12);
    assert.equal(r.scoreOne('u', {}).score, 0);
    assert.equal(r.scoreOne('u', {}).fieldsScored, 0);
  });

  it('a window counts a value once, whatever its multiplicity and order', () => {
    const r = new Rarity();
    r.learnOne('u', { h: ['9', '9', '10'] });
    assert.equal(r.windows('u', 'h'), 1);
    assert.deepEqual(r.scoreOne('u', { h: ['10', '9'] }), r.scoreOne('u', { h: ['9', '10', '9'] }));
  });

  it('makes novelty in a churning field (DHCP addresses) less surprising than in a stable one', () => {
    const r = new Rarity();
    for (let i = 0; i < 100; i++) r.learnOne(`u${i % 10}`, { ip: [`10.8.0.${i}`], country: ['US'] });
    const s = r.scoreOne('u1', { ip: ['10.8.1.1'], country: ['KP'] });
    const ip = s.top.find((t) => t.field === 'ip')!;
    const country = s.top.find((t) => t.field === 'country')!;
    assert.equal(ip.populationFirstSeen, true);
    assert.equal(country.populationFirstSeen, true);
    assert.ok(country.surprise > ip.surprise + 3, `country ${country.surprise} vs ip ${ip.surprise}`);
  });

  it('bounds memory per entity and field', () => {
    const r = new Rarity({ maxValuesPerField: 10 });
    for (let i = 0; i < 100; i++) r.learnOne('u', { ip: [`10.0.0.${i}`] });
    assert.ok(r.toJSON().entities.u.ip.values.length <= 10);
  });

  it("learns an alerted window a day later: the attacker's address stays first-seen while the attack lasts", () => {
    const H = 3_600_000;
    const r = new Rarity();
    for (let i = 0; i < 50; i++) r.learnOne('victim', { ip: ['10.0.0.5'] }, i * H);
    r.learnOne('victim', { ip: ['203.0.113.7'] }, 50 * H, true);
    assert.equal(r.quarantined, 1);
    assert.equal(r.scoreOne('victim', { ip: ['203.0.113.7'] }).top[0].firstSeen, true);
    const during = r.scoreOne('victim', { ip: ['203.0.113.7'] }).score;
    // a day later the value is history: no longer first-seen, less surprising
    r.learnOne('victim', { ip: ['10.0.0.5'] }, 75 * H);
    assert.equal(r.quarantined, 0);
    const after = r.scoreOne('victim', { ip: ['203.0.113.7'] });
    assert.equal(after.top[0].firstSeen, false);
    assert.ok(after.score < during - 1);
    // unflagged windows are learned at once, with or without a time
    r.learnOne('victim', { ip: ['198.51.100.1'] }, 76 * H);
    assert.equal(r.scoreOne('victim', { ip: ['198.51.100.1'] }).top[0].firstSeen, false);
  });

  it('round-trips the quarantine through JSON', () => {
    const r = new Rarity();
    for (let i = 0; i < 10; i++) r.learnOne(`e${i % 2}`, { ip: [`x${i % 3}`] }, i * 1000, i % 4 === 0);
    const s = Rarity.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
    assert.deepEqual(s.toJSON(), r.toJSON());
    r.learnOne('e1', { ip: ['z'] }, 100_000_000);
    s.learnOne('e1', { ip: ['z'] }, 100_000_000);
    assert.deepEqual(s.toJSON(), r.toJSON());
  });

  it('round-trips through JSON exactly', () => {
    const r = new Rarity({ maxValuesPerField: 5 });
    for (let i = 0; i < 40; i++) r.learnOne(`e${i % 3}`, { ip: [`x${i % 7}`], c: [`y${i % 2}`] });
    const s = Rarity.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
    assert.deepEqual(s.scoreOne('e1', { ip: ['x3', 'x9'], c: ['y0'] }), r.scoreOne('e1', { ip: ['x3', 'x9'], c: ['y0'] }));
    r.learnOne('e1', { ip: ['z'] });
    s.learnOne('e1', { ip: ['z'] });
    assert.deepEqual(s.toJSON(), r.toJSON());
  });
});
