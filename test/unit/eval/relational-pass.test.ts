import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withRelational } from '../../../src/eval/relational-pass.js';
import type { ScoredWindow } from '../../../src/eval/scored-window.js';

function win(job: string, entityField: string, entity: string, start: number, ensemble: number, related: ScoredWindow['related'] = {}): ScoredWindow {
  return {
    job,
    entityField,
    entity,
    start,
    end: start + 3_600_000,
    related,
    scores: { ensemble, rules: 0, zscore: 0, iforest: 0 },
    components: { ensemble_own: ensemble },
    score100: 0,
    isAlert: false,
    narrative: '',
  };
}

describe('relational pass in the evaluation', () => {
  const spray = win('auth-by-source-ip', 'source.ip', '203.0.113.7', 0, 9);
  const victim = win('auth-by-user', 'user.name', 'alice', 0, 0.5, { ip: ['203.0.113.7'] });
  const bystander = win('auth-by-user', 'user.name', 'bob', 0, 0.5, { ip: ['10.0.0.9'] });
  const laterVictim = win('auth-by-user', 'user.name', 'alice', 3_600_000, 0.5, { ip: ['203.0.113.7'] });
  const out = withRelational([spray, victim, bystander, laterVictim]);

  it('lifts a window linked through related.ip to a loud window of the same time window', () => {
    assert.ok(out[1].scores.ensemble > 3, `victim lifted to ${out[1].scores.ensemble}`);
    assert.equal(out[1].components.ensemble_own, 0.5, 'the own score stays available as a component');
    assert.equal(out[1].incident, out[0].incident, 'victim and sprayer are one incident');
  });

  it('leaves unlinked windows and other time windows alone', () => {
    assert.equal(out[2].scores.ensemble, 0.5);
    assert.equal(out[3].scores.ensemble, 0.5, 'the loud window was in another hour');
    assert.notEqual(out[2].incident, out[0].incident);
  });

  it('never lowers a score and keeps the input order', () => {
    assert.deepEqual(out.map((w) => w.entity), ['203.0.113.7', 'alice', 'bob', 'alice']);
    assert.equal(out[0].scores.ensemble, 9);
  });
});
