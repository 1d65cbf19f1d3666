import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { targetMet } from '../../../bench/target.js';

describe('bench targets', () => {
  it('reads ratio (×) and value clauses; every clause must hold', () => {
    assert.equal(targetMet({ value: 475_693, ratio: 31, target: '≥ 10×, ≥ 500,000 rows/s' }), false);
    assert.equal(targetMet({ value: 811_805, ratio: 31, target: '≥ 10×, ≥ 500,000 rows/s' }), true);
    assert.equal(targetMet({ value: 1, ratio: 99.9, target: '≥ 100×' }), false);
    assert.equal(targetMet({ value: 390, target: '≤ 400 MB (100,000 entities)' }), true);
    assert.equal(targetMet({ value: 12.5, target: '≤ 10 s' }), false);
    assert.equal(targetMet({ value: 5, target: undefined }), undefined);
    assert.equal(targetMet({ value: 5, target: 'fast' }), undefined, 'an unreadable target is neither pass nor fail');
  });
});
