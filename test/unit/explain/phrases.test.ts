/**
 * How feature values read and are stored: hours as clock times, shares as percentages, counts as
 * counts, and stored values rounded to the feature's precision.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { featurePhrase, phrase, toFeatureExplanation } from '../../../src/explain/explanation.js';
import { featureUnit, formatHour, formatShare, roundFeatureValue } from '../../../src/explain/words.js';

describe('feature phrases and precision', () => {
  it('reads an hour of day as a clock time', () => {
    assert.equal(featurePhrase('hour_of_day', 22.999999999999996, 11, 'usual hour of logins'), 'logins at 23:00, usually around 11:00');
    assert.equal(featurePhrase('hour_of_day', 9.5, 14.25, 'hour of day'), 'activity at 09:30, usually around 14:15');
    assert.equal(featurePhrase('hour_of_day', 23.999, Number.NaN, 'usual hour of logins'), 'logins at 00:00');
  });

  it('reads a share as a percentage of what the label names', () => {
    assert.equal(
      featurePhrase('off_hours_share', 0.85, 0.1, 'share of logins outside working hours'),
      '85% of logins outside working hours (typical 10%)',
    );
    assert.equal(featurePhrase('failure_ratio', 1, 0.004, 'share of failed logins'), '100% of failed logins (typical 0.4%)');
    assert.equal(featurePhrase('failure_ratio', 0, 0.25, 'failure ratio'), '0% failure ratio (typical 25%)');
  });

  it('reads counts and amounts as numbers', () => {
    assert.equal(featurePhrase('failed_logins', 57, 2, 'failed logins'), '57 failed logins (typical 2)');
    assert.equal(featurePhrase('bytes_out', 1234567, 1500.5, 'bytes out'), '1,234,567 bytes out (typical 1,501)');
    assert.equal(featurePhrase('failed_logins', Number.NaN, 2, 'failed logins'), 'failed logins missing');
  });

  it('phrase() uses the label and the unit', () => {
    const e = { kind: 'feature' as const, name: 'hour_of_day', actual: 22.999999999999996, typical: 11, contribution: 0.4 };
    assert.equal(phrase(e, { hour_of_day: 'usual hour of logins' }), 'logins at 23:00, usually around 11:00');
  });

  it('stores values rounded to the feature precision', () => {
    const e = {
      kind: 'feature' as const,
      name: 'hour_of_day',
      actual: 22.999999999999996,
      typical: 10.999999999999998,
      contribution: 0.41234567,
    };
    assert.deepEqual(toFeatureExplanation(e), { name: 'hour_of_day', actual: 23, typical: 11, contribution: 0.412346 });
    assert.equal(roundFeatureValue('off_hours_share', 0.333333333), 0.3333);
    assert.equal(roundFeatureValue('failed_logins', 37), 37);
    assert.equal(roundFeatureValue('bytes_per_flow', 1.0000000000000002), 1);
    assert.equal(roundFeatureValue('bytes_per_flow', 2.34567), 2.346);
  });

  it('tells units apart by name', () => {
    assert.deepEqual(['hour_of_day', 'hour', 'off_hours_share', 'failure_ratio', 'distinct_hours', 'failed_logins'].map(featureUnit), [
      'hour',
      'hour',
      'share',
      'share',
      'amount',
      'amount',
    ]);
    assert.equal(formatHour(-0.5), '23:30');
    assert.equal(formatShare(0.0004), '0.04%');
  });
});
