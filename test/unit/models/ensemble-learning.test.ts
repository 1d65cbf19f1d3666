import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultEnsembleParams,
  Ensemble,
  type EnsembleParams,
  type Observation,
  type ScoredObservation,
} from '../../../src/models/ensemble.js';
import { Random } from '../../../src/models/random.js';

/**
 * What the ensemble learns from, and what it refuses to learn: an attack in progress must not
 * make itself ordinary (quarantine, one extreme per entity and day), and new entities are judged
 * against how new entities usually look.
 */
const H = 3_600_000;
const START = Date.parse('2026-03-02T00:00:00Z');

/** Established sources: mostly clean, an occasional failure. */
function known(rng: Random, i: number, hour: number): Observation {
  return {
    entity: `source.ip=10.0.0.${i}`,
    time: START + hour * H,
    features: { attempts: 2 + Math.floor(rng.next() * 4), failed: rng.next() < 0.1 ? 1 : 0 },
    categorical: { user: [`u${i}`] },
  };
}

/** A new VPN address each hour: its first windows often carry a few typos. */
function newcomer(rng: Random, hour: number, k: number): Observation {
  const failed = rng.next() < 0.5 ? 2 + Math.floor(rng.next() * 4) : 0;
  return {
    entity: `source.ip=10.8.${hour}.${k}`,
    time: START + hour * H,
    features: { attempts: failed + 1 + Math.floor(rng.next() * 3), failed },
    categorical: { user: [`v${hour}.${k}`] },
  };
}

function drive(e: Ensemble, windows: readonly Observation[]): ScoredObservation[] {
  const s = windows.map((o) => e.scoreOne(o));
  windows.forEach((o, i) => e.learnOne(o, s[i]));
  return s;
}

function world(seed: number, hours: number): Observation[][] {
  const rng = new Random(seed);
  const out: Observation[][] = [];
  for (let h = 0; h < hours; h++) {
    const w: Observation[] = [];
    for (let i = 0; i < 30; i++) w.push(known(rng, i, h));
    for (let k = 0; k < 4; k++) w.push(newcomer(rng, h, k));
    out.push(w);
  }
  return out;
}

describe('Ensemble learning', () => {
  it("judges a known source against known sources: 5 failures where there are usually none stand out more than a newcomer's 5", () => {
    const hours = world(3, 60);
    const e = new Ensemble(defaultEnsembleParams(3)).fit(hours.slice(0, 24).flat());
    for (const w of hours.slice(24)) drive(e, w);
    const t = START + 60 * H;
    const [knownFive, newFive] = e.scoreMany([
      { entity: 'source.ip=10.0.0.7', time: t, features: { attempts: 6, failed: 5 }, categorical: { user: ['u7'] } },
      { entity: 'source.ip=10.8.99.1', time: t, features: { attempts: 6, failed: 5 }, categorical: { user: ['v99'] } },
    ]);
    assert.equal(knownFive.coldStart, false);
    assert.equal(newFive.coldStart, true);
    assert.ok(knownFive.models.zscore! > newFive.models.zscore! + 1, `known ${knownFive.models.zscore} vs new ${newFive.models.zscore}`);
    assert.ok(knownFive.models.zscore! >= 3, `known ${knownFive.models.zscore}`);
  });

  it('a six-hour brute force from a new address stays as anomalous in its last hour as in its first', () => {
    const hours = world(4, 60);
    const e = new Ensemble(defaultEnsembleParams(4)).fit(hours.slice(0, 24).flat());
    for (const w of hours.slice(24, 48)) drive(e, w);
    const fused: number[] = [];
    for (let h = 48; h < 54; h++) {
      const attack: Observation = {
        entity: 'source.ip=203.0.113.7',
        time: START + h * H,
        features: { attempts: 30, failed: 29 },
        categorical: { user: ['admin', 'root', 'test'] },
      };
      const s = drive(e, [...hours[h], attack]);
      fused.push(s[s.length - 1].fused);
      assert.equal(s[s.length - 1].isAlert, true, `hour ${h - 47} alerts`);
    }
    assert.ok(fused[5] > fused[0] - 1.5, `first hour ${fused[0]}, sixth ${fused[5]}`);
  });

  it('one entity repeating an extreme teaches the scale once a day; many entities showing it teach it each time', () => {
    // A threshold that never alerts, so every window is admitted to the standardisers.
    const params: EnsembleParams = { ...defaultEnsembleParams(5), threshold: { targetFpr: 1e-6 } };
    const rng = new Random(5);
    /** Bursty human traffic to one destination: enough arrivals to be judged, no rhythm. */
    const traffic = (i: number, h: number): Observation => {
      const t0 = START + h * H;
      const times: number[] = [];
      for (let t = t0 + rng.next() * 60_000; t < t0 + H; t += -Math.log(rng.open()) * 300_000) times.push(Math.round(t));
      return {
        entity: `source.ip=10.0.0.${i}`,
        time: t0,
        features: { connections: times.length },
        arrivals: { [`203.0.113.${i}`]: times },
      };
    };
    /** A metronome: an arrival every 3 minutes ± 2 s. */
    const beacon = (entity: string, destination: string, h: number): Observation => {
      const t0 = START + h * H;
      const times = Array.from({ length: 20 }, (_, k) => t0 + k * 180_000 + Math.round((rng.next() - 0.5) * 4000));
      return { entity, time: t0, features: { connections: 20 }, arrivals: { [destination]: times } };
    };
    const hour = (h: number): Observation[] => Array.from({ length: 30 }, (_, i) => traffic(i, h));
    const history = Array.from({ length: 24 }, (_, h) => hour(h)).flat();
    const one = new Ensemble(params).fit(history);
    const many = new Ensemble(params).fit(history);
    let repeatZ = 0;
    let spreadZ = 0;
    for (let k = 0; k < 12; k++) {
      const normal = hour(24 + k);
      const a = drive(one, [...normal, beacon('source.ip=10.9.0.1', '198.51.100.1', 24 + k)]);
      const b = drive(many, [...normal, beacon(`source.ip=10.9.0.${k + 1}`, `198.51.100.${k + 1}`, 24 + k)]);
      repeatZ = a[a.length - 1].models.beaconing!;
      spreadZ = b[b.length - 1].models.beaconing!;
    }
    // Twelve beacons from twelve sources are a tail the scale must learn; one source's twelfth hour
    // taught it only once.
    assert.ok(repeatZ > spreadZ + 0.1, `repeated by one entity ${repeatZ}, spread over twelve ${spreadZ}`);
    assert.ok(repeatZ >= 3, `${repeatZ}`);
  });
});
