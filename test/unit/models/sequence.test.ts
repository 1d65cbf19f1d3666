import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SequenceModel } from '../../../src/models/sequence.js';

describe('SequenceModel', () => {
  it('computes −ln p(aₜ | aₜ₋₁) with back-off entity → population → unigram', () => {
    const m = new SequenceModel({ order: 1, alpha: 1, aggregate: 'mean' });
    m.learnOne('e', ['a', 'b', 'a', 'b']);
    // context carried over: b. p_uni(a) = 3/7, p_pop(a|b) = (1 + 3/7)/2 = 5/7, p_e(a|b) = (1 + 5/7)/2 = 6/7
    const s = m.scoreOne('e', ['a'])!;
    assert.ok(Math.abs(s.score - Math.log(7 / 6)) < 1e-12);
    // a new entity with an unseen action: p = p_pop(c|^) = (0 + 1/7)/(1 + 1) = 1/14
    const f = m.scoreOne('f', ['c'])!;
    assert.ok(Math.abs(f.score - Math.log(14)) < 1e-12);
    assert.deepEqual(f.firstSeenActions, ['c']);
    assert.equal(f.worst.firstSeen, true);
  });

  it('finds an out-of-order sequence more surprising than the routine', () => {
    const m = new SequenceModel();
    const routine = ['login', 'read', 'edit', 'save', 'logout'];
    for (let i = 0; i < 30; i++) m.learnOne('u', routine);
    const normal = m.scoreOne('u', routine)!;
    const odd = m.scoreOne('u', ['login', 'save', 'read', 'logout', 'edit'])!;
    assert.ok(odd.score > normal.score + 2, `${odd.score} vs ${normal.score}`);
    assert.ok(odd.max >= odd.mean);
    assert.equal(odd.transitions, 5);
  });

  it('aggregates by mean, max or their blend', () => {
    const mk = (aggregate: 'mean' | 'max' | 'blend') => {
      const m = new SequenceModel({ aggregate });
      for (let i = 0; i < 10; i++) m.learnOne('u', ['a', 'b', 'c']);
      return m.scoreOne('u', ['a', 'b', 'z'])!;
    };
    const mean = mk('mean');
    const max = mk('max');
    const blend = mk('blend');
    assert.equal(max.score, mean.max);
    assert.ok(Math.abs(blend.score - (mean.mean + mean.max) / 2) < 1e-12);
  });

  it('order 2 uses two actions of context', () => {
    const m = new SequenceModel({ order: 2 });
    for (let i = 0; i < 20; i++) {
      m.learnOne('u', ['x', 'a', 'b']);
      m.learnOne('u', ['y', 'a', 'c']);
    }
    const s1 = m.scoreOne('u', ['x', 'a', 'b'])!;
    const s2 = m.scoreOne('u', ['x', 'a', 'c'])!;
    assert.ok(s2.score > s1.score + 0.3, `order 2 tells x·a→c from x·a→b (${s2.score} vs ${s1.score})`);
  });

  it('has no score for a window without actions', () => {
    assert.equal(new SequenceModel().scoreOne('u', []), undefined);
  });

  it("counts an alerted window a day later, keeping its actions as the next window's context", () => {
    const H = 3_600_000;
    const m = new SequenceModel();
    for (let i = 0; i < 30; i++) m.learnOne('u', ['login', 'read', 'logout'], i * H);
    m.learnOne('u', ['login', 'psexec', 'logout'], 30 * H, true);
    assert.equal(m.quarantined, 1);
    const during = m.scoreOne('u', ['login', 'psexec'])!;
    assert.deepEqual(during.firstSeenActions, ['psexec']);
    m.learnOne('u', ['login', 'read', 'logout'], 55 * H);
    assert.equal(m.quarantined, 0);
    const after = m.scoreOne('u', ['login', 'psexec'])!;
    assert.deepEqual(after.firstSeenActions, []);
    assert.ok(after.score < during.score);
    const n = SequenceModel.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    assert.deepEqual(n.toJSON(), m.toJSON());
  });

  it('round-trips through JSON exactly', () => {
    const m = new SequenceModel({ order: 2, maxTransitionsPerEntity: 20 });
    for (let i = 0; i < 50; i++) m.learnOne(`e${i % 3}`, [`a${i % 5}`, `a${(i * 3) % 7}`, 'z']);
    const n = SequenceModel.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    assert.deepEqual(n.scoreOne('e1', ['a1', 'a2', 'q']), m.scoreOne('e1', ['a1', 'a2', 'q']));
    m.learnOne('e1', ['q', 'a1']);
    n.learnOne('e1', ['q', 'a1']);
    assert.deepEqual(n.scoreOne('e1', ['a1', 'q']), m.scoreOne('e1', ['a1', 'q']));
  });
});
