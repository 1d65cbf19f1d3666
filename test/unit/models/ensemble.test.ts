import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultEnsembleParams,
  Ensemble,
  MODEL_NAMES,
  type EnsembleParams,
  type Observation,
  type ScoredObservation,
} from '../../../src/models/ensemble.js';
import { rocAuc } from '../../../src/eval/metrics.js';
import { Random } from '../../../src/models/random.js';
import { injectAnomaly, normalWindow, world, type LabelledObservation } from './synthetic.js';

const HOUR = 3_600_000;
const USERS = 20;
const data = world(1, USERS, 150, 72, 5);
const cut = data[0].obs.time + 72 * HOUR;
const history = data.filter((d) => d.obs.time < cut).map((d) => d.obs);
const stream = data.filter((d) => d.obs.time >= cut);

function run(e: Ensemble, items: readonly LabelledObservation[]): ScoredObservation[] {
  return items.map((d) => {
    const s = e.scoreOne(d.obs);
    e.learnOne(d.obs, s);
    return s;
  });
}

const ensemble = new Ensemble(defaultEnsembleParams(1)).fit(history);
const scored = run(ensemble, stream);
const labels = stream.map((d) => (d.anomaly ? 1 : 0));

function allFinite(s: ScoredObservation): boolean {
  const nums = [
    s.score,
    s.probability,
    s.fused,
    ...Object.values(s.models),
    ...Object.values(s.raw),
    ...s.contributions.map((c) => c.contribution),
  ];
  return nums.every((x) => Number.isFinite(x)) && !Number.isNaN(s.threshold);
}

describe('Ensemble', () => {
  it('ranks injected anomalies above normal windows where no single model does', () => {
    const auc = rocAuc(
      scored.map((s) => s.fused),
      labels,
    );
    assert.ok(auc > 0.99, `ensemble ROC-AUC ${auc}`);
    for (const m of MODEL_NAMES) {
      const single = rocAuc(
        scored.map((s) => s.models[m] ?? -1e9),
        labels,
      );
      assert.ok(single < 0.85, `${m} alone reaches ${single}`);
      assert.ok(auc > single + 0.1);
    }
    // every kind of anomaly is caught at the drift-aware threshold
    for (const kind of ['volume', 'country', 'sequence', 'beacon'] as const) {
      const hits = stream.map((d, i) => (d.anomaly === kind ? scored[i].isAlert : undefined)).filter((x) => x !== undefined);
      assert.ok(hits.filter(Boolean).length >= 4, `${kind}: ${hits.filter(Boolean).length} of ${hits.length} alerted`);
    }
    const fp = scored.filter((s, i) => s.isAlert && !labels[i]).length / labels.filter((l) => !l).length;
    assert.ok(fp < 0.02, `false-positive rate ${fp}`);
  });

  it('explains with the perturbed feature, the models that fired and an ATT&CK mapping', () => {
    const find = (kind: string) =>
      stream
        .map((d, i) => [d, scored[i]] as const)
        .filter(([d]) => d.anomaly === kind)
        .map(([, s]) => s);
    for (const s of find('volume')) {
      assert.equal(s.contributions[0].name, 'failed_logins');
      assert.ok(s.contributions[0].actual >= 40);
      assert.ok(s.contributions[0].typical <= 1);
      assert.match(s.narrative, /^\d+ failed logins \(typical [01]\)/);
      assert.ok(s.fired.includes('zscore'));
      // ECS: the sub-technique under threat.technique.subtechnique, its parent in threat.technique.
      assert.ok(JSON.stringify(s.threat).includes('T1110.001'), JSON.stringify(s.threat));
      assert.ok(s.threat?.tactic.name.includes('Credential Access'));
    }
    for (const s of find('country')) {
      assert.match(s.narrative, /country KP/);
      assert.equal(s.contributions[0].name, 'source.geo.country_iso_code');
      assert.ok(s.fired.includes('rarity'));
      assert.ok(s.threat?.technique.id.includes('T1078'));
    }
    for (const s of find('beacon')) {
      assert.match(s.narrative, /regular connections to c2\.badhost\.example every \d(\.\d+)? min/);
      assert.ok(JSON.stringify(s.threat).includes('T1071.001'), JSON.stringify(s.threat));
    }
    for (const s of find('sequence')) assert.match(s.narrative, /add_member_to_admin_group/);
    const sum = scored[0].contributions.reduce((a, c) => a + c.contribution, 0);
    assert.ok(sum <= 1 + 1e-9);
  });

  it('round-trips through JSON: the restored ensemble scores and learns bit for bit alike', () => {
    const a = new Ensemble(defaultEnsembleParams(5)).fit(history);
    run(a, stream.slice(0, 300));
    const b = Ensemble.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    const rest = stream.slice(300, 900);
    assert.deepEqual(run(b, rest), run(a, rest));
    assert.deepEqual(b.toJSON(), a.toJSON());
  });

  it('is reproducible for a seed; another seed changes the forest', () => {
    const few = history.slice(0, 600);
    const probe = stream.slice(0, 50).map((d) => d.obs);
    const a = new Ensemble(defaultEnsembleParams(3)).fit(few);
    const b = new Ensemble(defaultEnsembleParams(3)).fit(few);
    const c = new Ensemble(defaultEnsembleParams(4)).fit(few);
    assert.deepEqual(
      probe.map((o) => a.scoreOne(o)),
      probe.map((o) => b.scoreOne(o)),
    );
    assert.notDeepEqual(
      probe.map((o) => a.scoreOne(o).raw.iforest),
      probe.map((o) => c.scoreOne(o).raw.iforest),
    );
  });

  it('leaves out a model without input instead of counting it as zero', () => {
    const rng = new Random(9);
    const plain = (o: Observation): Observation => ({ entity: o.entity, time: o.time, features: o.features, categorical: o.categorical });
    const hist = history.slice(0, 800).map(plain);
    const all = new Ensemble(defaultEnsembleParams(2)).fit(hist);
    const p = defaultEnsembleParams(2);
    p.models.sequence.enabled = false;
    p.models.beaconing.enabled = false;
    const fewer = new Ensemble(p).fit(hist);
    const o = plain(injectAnomaly(rng, normalWindow(rng, 3, 200, data[0].obs.time), 'volume'));
    const s = all.scoreOne(o);
    assert.equal(s.models.sequence, undefined);
    assert.equal(s.models.beaconing, undefined);
    assert.equal(s.fused, fewer.scoreOne(o).fused);
    assert.deepEqual(all.scoreOne({ ...o, actions: [], arrivals: {} }).fused, s.fused);
  });

  it('never produces NaN: missing, non-finite and unknown features', () => {
    const base = stream[0].obs;
    const cases: Record<string, number>[] = [
      { logins: NaN, failed_logins: Infinity, distinct_hosts: -Infinity },
      {},
      { brand_new_feature: 5 },
      { logins: 1e308, failed_logins: -1e308, distinct_hosts: 0, bytes_out: 0 },
    ];
    for (const features of cases) {
      const s = ensemble.scoreOne({ ...base, features });
      assert.ok(allFinite(s), JSON.stringify(s));
      assert.equal(typeof s.narrative, 'string');
    }
    const nothing = ensemble.scoreOne({ entity: 'user.name=ghost', time: base.time, features: {} });
    assert.equal(nothing.fused, 0);
    assert.equal(nothing.isAlert, false);
    assert.deepEqual(nothing.models, {});
    assert.equal(nothing.coldStart, true);
  });

  it('handles constant features and all-constant history', () => {
    const constant: Observation[] = Array.from({ length: 300 }, (_, i) => ({
      entity: `u${i % 10}`,
      time: i * HOUR,
      features: { a: 1, b: 2 },
    }));
    const e = new Ensemble(defaultEnsembleParams(1)).fit(constant);
    const same = e.scoreOne({ entity: 'u1', time: 400 * HOUR, features: { a: 1, b: 2 } });
    const other = e.scoreOne({ entity: 'u1', time: 400 * HOUR, features: { a: 50, b: 2 } });
    assert.ok(allFinite(same) && allFinite(other));
    assert.equal(same.isAlert, false);
    assert.ok(other.fused > same.fused, 'a change in a feature that never varied is noticed');
    assert.equal(other.contributions[0].name, 'a');
  });

  it('starts from nothing (fit([]) or no fit) and grows with learnOne', () => {
    const e = new Ensemble(defaultEnsembleParams(1)).fit([]);
    const first = e.scoreOne(history[0]);
    assert.equal(first.isAlert, false);
    assert.ok(allFinite(first));
    for (const o of history.slice(0, 400)) e.learnOne(o);
    assert.ok(Number.isFinite(e.scoreOne(history[401]).threshold), 'a threshold once enough scores were seen');
    assert.ok(e.scoreOne(history[401]).raw.iforest !== undefined, 'the forest was grown from the learned rows');
  });

  it('converts an alert budget per day into a false-positive rate', () => {
    const p: EnsembleParams = { ...defaultEnsembleParams(1), threshold: { alertsPerDay: 4.8 } };
    const e = new Ensemble(p).fit(history);
    // 20 users × 24 hourly windows = 480 windows a day
    assert.ok(Math.abs(e.targetFpr - 0.01) < 1e-9, `α ${e.targetFpr}`);
    const q = new Ensemble({ ...defaultEnsembleParams(1), threshold: { alertsPerDay: 10, windowsPerDay: 1000 } });
    assert.equal(q.targetFpr, 0.01);
  });

  it('calibrates the probability from labels', () => {
    const e = Ensemble.fromJSON(ensemble.toJSON());
    const before = e.scoreOne(stream[0].obs).probability;
    e.calibrate(scored.map((s, i) => ({ fused: s.fused, label: labels[i] })));
    assert.equal(e.calibrationParams.source, 'labels');
    const after = stream.slice(0, 200).map((d) => e.scoreOne(d.obs));
    assert.notEqual(after[0].probability, before);
    const sortedByFused = [...after].sort((x, y) => x.fused - y.fused);
    for (let i = 1; i < sortedByFused.length; i++) assert.ok(sortedByFused[i].probability >= sortedByFused[i - 1].probability);
    for (const s of after) assert.ok(Math.abs(s.score - 100 * s.probability) < 1e-9);
  });

  it("scoreMany: a value most of the window's entities show at once is a fleet event, not an anomaly", () => {
    const hosts = Array.from({ length: 30 }, (_, i) => `host.name=h${i}`);
    const hist: Observation[] = [];
    for (let t = 0; t < 60; t++)
      for (const h of hosts)
        hist.push({
          entity: h,
          time: t * HOUR,
          features: { starts: 5 + (t % 3) },
          categorical: { 'process.name': ['svchost.exe', t % 2 ? 'chrome.exe' : 'outlook.exe'] },
        });
    const e = new Ensemble(defaultEnsembleParams(1)).fit(hist);
    const window: Observation[] = hosts.map((h, i) => ({
      entity: h,
      time: 61 * HOUR,
      features: { starts: 6 },
      categorical: { 'process.name': ['svchost.exe', 'patch-kb5034441.exe', ...(i === 7 ? ['mimikatz.exe'] : [])] },
    }));
    const batch = e.scoreMany(window);
    const single = window.map((o) => e.scoreOne(o));
    assert.ok(single[0].raw.rarity! > batch[0].raw.rarity! + 5, 'the patch every host installs is discounted');
    assert.ok(
      batch[7].fused > Math.max(...batch.filter((_, i) => i !== 7).map((s) => s.fused)),
      'the one host with a rare tool stands out',
    );
    assert.match(batch[7].narrative, /mimikatz\.exe/);
    // scoreMany is a pure read too
    assert.deepEqual(e.scoreMany(window), batch);
  });

  it('validates parameters with clear errors', () => {
    const p = defaultEnsembleParams(1);
    assert.throws(() => new Ensemble({ ...p, threshold: { targetFpr: 2 } }), /targetFpr must be in \(0, 1\)/);
    assert.throws(() => new Ensemble({ ...p, models: { ...p.models, rarity: { enabled: true, weight: -1 } } }), /models\.rarity/);
    const off = structuredClone(p);
    for (const m of MODEL_NAMES) off.models[m].enabled = false;
    assert.throws(() => new Ensemble(off), /enable at least one model/);
  });
});
