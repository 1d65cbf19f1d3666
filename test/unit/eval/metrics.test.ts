import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averagePrecision, fprAtRecall, precisionAtK, rocAuc, recallAtK } from '../../../src/eval/metrics.js';

// Hand-worked example: descending scores with labels  + − + − − +
const scores = [0.9, 0.8, 0.7, 0.6, 0.55, 0.5];
const labels = [1, 0, 1, 0, 0, 1];

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

describe('rocAuc', () => {
  it('counts positive-above-negative pairs: 5 of 9', () => close(rocAuc(scores, labels), 5 / 9));
  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    assert.equal(rocAuc([3, 2, 1, 0], [1, 1, 0, 0]), 1);
    assert.equal(rocAuc([0, 1, 2, 3], [1, 1, 0, 0]), 0);
  });
  it('gives tied pairs one half (average ranks)', () => {
    close(rocAuc([1, 1, 0, 0], [1, 0, 1, 0]), 0.5);
    // pos {2, 1}, neg {1, 0}: pairs 2>1, 2>0, 1=1 (½), 1>0 → 3.5 / 4
    close(rocAuc([2, 1, 1, 0], [1, 1, 0, 0]), 3.5 / 4);
  });
  it('does not depend on input order', () => close(rocAuc([...scores].reverse(), [...labels].reverse()), 5 / 9));
  it('is NaN when a class is missing', () => assert.ok(Number.isNaN(rocAuc([1, 2], [1, 1]))));
  it('accepts booleans and typed arrays', () => close(rocAuc(Float64Array.from(scores), labels.map(Boolean)), 5 / 9));
  it('rejects NaN scores and length mismatches', () => {
    assert.throws(() => rocAuc([NaN, 1], [1, 0]), /NaN/);
    assert.throws(() => rocAuc([1, 2, 3], [1, 0]), /3 scores but 2 labels/);
  });
});

describe('averagePrecision (reported as PR-AUC)', () => {
  it('is Σ ΔR·P: 1/3·1 + 1/3·2/3 + 1/3·1/2 = 13/18', () => {
    close(averagePrecision(scores, labels), 13 / 18);
  });
  it('treats tied scores as one threshold (as scikit-learn)', () => close(averagePrecision([1, 1, 0, 0], [1, 0, 1, 0]), 0.5));
  it('is 1 for a perfect ranking', () => close(averagePrecision([0.9, 0.8, 0.1], [1, 1, 0]), 1));
  it('is NaN without positives', () => assert.ok(Number.isNaN(averagePrecision([1, 2], [0, 0]))));
});

describe('precisionAtK / recallAtK', () => {
  it('reads the top k', () => {
    close(precisionAtK(scores, labels, 2), 1 / 2);
    close(precisionAtK(scores, labels, 3), 2 / 3);
    close(recallAtK(scores, labels, 3), 2 / 3);
    close(recallAtK(scores, labels, 6), 1);
  });
  it('shares rows tied at the k-th score pro rata', () => {
    // three rows tied at the top, one of them positive: the expected positives in 2 picks are 2/3
    close(precisionAtK([1, 1, 1, 0], [1, 0, 0, 1], 2), 1 / 3);
    close(recallAtK([1, 1, 1, 0], [1, 0, 0, 1], 2), 1 / 3);
  });
  it('caps k at the number of rows', () => close(precisionAtK(scores, labels, 100), 3 / 6));
});

describe('fprAtRecall', () => {
  it('is the FPR at the first threshold reaching the recall', () => {
    close(fprAtRecall(scores, labels, 0.95), 1); // the last positive is ranked below every negative
    close(fprAtRecall(scores, labels, 0.6), 1 / 3); // 2 of 3 positives cost one negative
    close(fprAtRecall(scores, labels, 1 / 3), 0);
  });
  it('is 0 for a perfect ranking', () => close(fprAtRecall([5, 4, 3, 2, 1], [1, 1, 0, 0, 0], 0.95), 0));
  it('counts a tied block entirely', () => close(fprAtRecall([1, 1, 1, 0], [1, 0, 0, 0], 0.95), 2 / 3));
});
