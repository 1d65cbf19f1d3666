import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ablationDecision,
  ablationSwitches,
  costText,
  formatAblation,
  worldVerdict,
  type AblationWorld,
  type VariantFigures,
} from '../../../src/eval/ablation.js';
import { parseModel } from '../../../src/eval/ablation-command.js';
import { defaultEvalJobs } from '../../../src/eval/jobs.js';
import { ablationSection } from '../../../src/eval/report/suite-report.js';

const v = (caught5: number, caught10: number, falsePerDay: number, prAuc: number, seconds: number | null = 100): VariantFigures => ({
  caughtAt5: caught5,
  caughtAt10: caught10,
  incidentsPerDay: falsePerDay + 1,
  falsePerDay,
  prAuc,
  scoringSeconds: seconds,
});
const world = (name: string, without: VariantFigures, withModel: VariantFigures): AblationWorld => ({
  world: name,
  attacks: 9,
  without,
  with: withModel,
  verdict: worldVerdict(without, withModel),
});

describe('autoencoder ablation', () => {
  it('a world is hurt by a lost attack at 5 or 10/day or by more than 0.25 extra false incidents/day, even when PR-AUC rises', () => {
    assert.equal(worldVerdict(v(7, 8, 2, 0.4), v(6, 8, 1, 0.6)), 'hurt');
    assert.equal(worldVerdict(v(7, 8, 2, 0.4), v(7, 7, 2, 0.4)), 'hurt');
    assert.equal(worldVerdict(v(7, 8, 2.0, 0.4), v(7, 8, 2.3, 0.4)), 'hurt');
    // 0.2 more false incidents/day is rounding noise (figures are rounded to 0.1).
    assert.equal(worldVerdict(v(7, 8, 2.0, 0.4), v(7, 8, 2.2, 0.4)), 'neutral');
  });

  it('a gain is an attack won, 0.3 fewer false incidents/day, or PR-AUC up by ≥ 0.01, with nothing hurt', () => {
    assert.equal(worldVerdict(v(7, 8, 2, 0.4), v(8, 8, 2, 0.4)), 'gain');
    assert.equal(worldVerdict(v(7, 8, 2, 0.4), v(7, 8, 1.7, 0.4)), 'gain');
    assert.equal(worldVerdict(v(7, 8, 2, 0.4), v(7, 8, 2, 0.41)), 'gain');
    assert.equal(worldVerdict(v(7, 8, 2, 0.4), v(7, 8, 2, 0.409)), 'neutral');
  });

  it('ships only when no world is hurt and at least half gain', () => {
    const gain = world('a', v(7, 8, 2, 0.4), v(8, 8, 2, 0.4));
    const neutral = world('b', v(7, 8, 2, 0.4), v(7, 8, 2, 0.4));
    const hurt = world('c', v(7, 8, 2, 0.4), v(6, 8, 2, 0.5));
    assert.deepEqual(ablationDecision('autoencoder', [gain, neutral]), {
      ship: true,
      gains: 1,
      hurts: 0,
      reason: 'autoencoder gains in 1/2 worlds and hurts in none: ship it enabled',
    });
    assert.equal(ablationDecision('autoencoder', [gain, neutral, neutral]).ship, false);
    assert.match(ablationDecision('autoencoder', [gain, gain, hurt]).reason, /hurts in 1\/3 worlds.*keep it off/);
    assert.equal(ablationDecision('autoencoder', []).ship, false);
  });

  it('prints without → with per world, the cost of scoring and the decision', () => {
    const w = world('w1-small', v(7, 8, 2.1, 0.412, 80), v(7, 9, 1.9, 0.418, 110));
    assert.equal(costText(w), '+38%');
    assert.equal(costText(world('x', v(1, 1, 1, 0.1, null), v(1, 1, 1, 0.1, 5))), '—');
    const text = formatAblation({
      model: 'autoencoder',
      onByDefault: false,
      slide: '1h',
      worlds: [w],
      decision: ablationDecision('autoencoder', [w]),
      loadAverage: 12.3,
    });
    assert.match(text, /w1-small\s+9\s+7 → 7\s+8 → 9\s+2\.1 → 1\.9\s+3\.1 → 2\.9\s+0\.412 → 0\.418\s+80 → 110 \(\+38%\)\s+gain/);
    assert.match(text, /load average of 12\.3/);
    assert.match(text, /decision: autoencoder gains in 1\/1 worlds and hurts in none: ship it enabled/);
    assert.match(
      ablationSection({
        model: 'autoencoder',
        onByDefault: false,
        slide: '1h',
        worlds: [w],
        decision: ablationDecision('autoencoder', [w]),
        loadAverage: 1,
      }),
      /Decision: autoencoder gains in 1\/1/,
    );
  });

  it('switches exactly one member over the shipped defaults', () => {
    const s = ablationSwitches('autoencoder');
    const off = defaultEvalJobs('events', 86_400_000, '1h', s.without)[0].models;
    const on = defaultEvalJobs('events', 86_400_000, '1h', s.with)[0].models;
    assert.deepEqual({ ...off, autoencoder: on.autoencoder }, on);
    assert.equal(off.autoencoder.enabled, false);
    assert.equal(on.autoencoder.enabled, true);
    assert.equal(on.iforest.enabled, true);
    assert.deepEqual(defaultEvalJobs('events', 86_400_000)[0].models, off);
    assert.throws(() => parseModel('bogus'), /unknown model "bogus"; known: iforest, zscore/);
  });
});
