import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateEvents, evaluationJson, type EventsEvaluation } from '../../../src/eval/events-eval.js';
import { renderReport } from '../../../src/eval/report/html.js';
import { formatEventsEvaluation } from '../../../src/eval/format.js';
import { parseAttackSpec } from '../../../src/simulate/options.js';
import { simulate } from '../../../src/simulate/simulate.js';
import { NdjsonFileSink } from '../../../src/simulate/sinks.js';
import { Rng } from '../../../src/simulate/rng.js';

describe('vigil eval --events on a tiny simulated enterprise (in memory)', () => {
  let dir: string;
  let evaluation: EventsEvaluation;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-eval-test-'));
    await simulate({
      options: {
        seed: 5,
        days: 3,
        users: 16,
        hosts: 16,
        startMs: Date.parse('2026-03-02T00:00:00Z'),
        attacks: parseAttackSpec('brute_force:1,password_spray:1,data_exfiltration:1'),
        intensity: 1,
        stealth: 0.2,
      },
      sinks: [await NdjsonFileSink.create(join(dir, 'events.ndjson'))],
      labelsPath: join(dir, 'labels.ndjson'),
    });
    evaluation = await evaluateEvents({
      events: join(dir, 'events.ndjson'),
      labels: join(dir, 'labels.ndjson'),
      json: true,
      resamples: 30,
    });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scores every entity-window of the five preset jobs after the warm-up', () => {
    const r = evaluation.result;
    assert.equal(evaluation.mode, 'memory');
    assert.deepEqual(
      evaluation.jobs.map((j) => j.window),
      ['1h', '1h', '1h', '1h', '1h'],
    );
    assert.equal(evaluation.warmupMs, 18 * 3_600_000, 'a quarter of 3 days');
    assert.ok(r.dataset.windows > 500, `${r.dataset.windows} windows`);
    assert.ok(r.dataset.positive_windows > 0);
    assert.equal(r.dataset.attacks, 3);
    assert.equal(r.dataset.scored_from, '2026-03-02T18:00:00.000Z');
  });

  it('reports every model and every scenario in the published JSON shape', () => {
    const json = evaluationJson(evaluation) as {
      models: Record<string, Record<string, number>>;
      scenarios: Record<string, { caught: Record<string, number> }>;
    };
    assert.deepEqual(Object.keys(json.models), ['ensemble', 'rules', 'zscore', 'iforest']);
    for (const m of Object.values(json.models)) {
      for (const k of ['pr_auc', 'roc_auc', 'fpr_at_95_recall', 'precision_at_k', 'recall_at_budget'])
        assert.ok(m[k] >= 0 && m[k] <= 1, `${k} = ${m[k]}`);
    }
    assert.deepEqual(Object.keys(json.scenarios).sort(), ['brute_force', 'data_exfiltration', 'password_spray']);
    assert.ok(evaluation.result.latency.processing_ms_p50 >= 0);
  });

  it('leads with what reaches the analyst (incidents), then the window-level table, in text and JSON', () => {
    const text = formatEventsEvaluation(evaluation.analyst, evaluation.result);
    const lines = text.split('\n');
    assert.match(lines[0], /^What reaches the analyst: incidents \(Vigil's default budget 10 a day/);
    assert.match(lines[1], /caught@5\/day caught@10\/day caught@25\/day {2}TTD@10 {2}PR-AUC \| default: inc\/day false\/day/);
    const vigil = lines.find((l) => l.startsWith('  Vigil '));
    assert.ok(vigil, text);
    // Vigil's row: the same attacks-caught figures as the analyst figures, then its default decisions.
    const a = evaluation.analyst.models.ensemble;
    assert.ok(vigil.includes(`${a.caughtAt['10']}/${evaluation.analyst.attacksScored}`), vigil);
    assert.ok(vigil.includes(`${a.atDefault?.falsePerDay.toFixed(1)}`), vigil);
    const windowLevel = lines.findIndex((l) => l.startsWith('Window level'));
    assert.ok(windowLevel > 5 && lines.slice(windowLevel).some((l) => l.startsWith('ensemble (Vigil)')));
    const json = evaluationJson(evaluation) as { analyst: { attacksScored: number; models: Record<string, unknown> } };
    assert.equal(json.analyst.attacksScored, evaluation.analyst.attacksScored);
    assert.deepEqual(Object.keys(json.analyst.models), ['ensemble', 'rules', 'zscore', 'iforest']);
  });

  it('gives the same figures for a shuffled events file (the tape sorts by day)', async () => {
    const lines = (await readFile(join(dir, 'events.ndjson'), 'utf8')).split('\n').filter(Boolean);
    const rng = Rng.derive(1, 'shuffle');
    for (let i = lines.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [lines[i], lines[j]] = [lines[j], lines[i]];
    }
    await writeFile(join(dir, 'shuffled.ndjson'), `${lines.join('\n')}\n{"not":"an event"}\nnot json\n`);
    const again = await evaluateEvents({
      events: join(dir, 'shuffled.ndjson'),
      labels: join(dir, 'labels.ndjson'),
      json: true,
      resamples: 30,
    });
    assert.equal(again.badLines, 2, 'the two bad lines are counted, not silently dropped');
    assert.deepEqual(again.result.models, evaluation.result.models);
  });

  it('renders a self-contained HTML report', () => {
    const html = renderReport(evaluation);
    assert.match(html, /^<!doctype html>/);
    assert.ok((html.match(/<svg/g) ?? []).length >= 2 + 4 + 3, 'PR and ROC, 4 histograms, one timeline per scenario');
    assert.doesNotMatch(html, /<script|<link|src="http|href="http/i);
    assert.match(html, /password_spray/);
    assert.match(html, /precision–recall/);
  });
});
