import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultEnsembleParams, Ensemble, type Observation, type ScoredObservation } from '../../../src/models/ensemble.js';
import { Random } from '../../../src/models/random.js';

/**
 * The robust-z pathology the pipeline tests exposed: ten users, hourly windows, a 12-hour
 * warm-up (only 120 windows, half of them to fill the standardisers). In the afternoon a user
 * with 4 logins (typical 2, judged against peers whose spread is nearly 0) and a first login at
 * an hour the warm-up never covered must not outrank, hours later, a brute force with 61 attempts
 * and 60 failures. Before the fix the tiny deviations (0.7σ on a burst of 2 vs 1, 1.6σ on an
 * unseen hour) were extrapolated beyond the few deviations seen so far with a 0.05σ tail scale —
 * 14 nats each — and the ordinary cold-start user scored z 9.0 while the brute force got 2.3.
 */
const H = 3_600_000;
const START = Date.parse('2026-03-02T00:00:00Z');

function window(rng: Random, user: number, hour: number, over: Partial<Record<string, number>> = {}): Observation | undefined {
  const hourOfDay = hour % 24;
  const office = hourOfDay >= 8 && hourOfDay < 18;
  const attempts = office ? 1 + Math.floor(rng.next() * 4) : rng.next() < 0.08 ? 1 : 0;
  if (attempts === 0 && Object.keys(over).length === 0) return undefined;
  let failed = 0;
  for (let k = 0; k < attempts; k++) if (rng.next() < 0.06) failed++;
  const n = over.auth_attempts ?? attempts;
  const f = over.failed_logins ?? failed;
  const features: Record<string, number> = {
    auth_attempts: n,
    failed_logins: f,
    failure_ratio: n > 0 ? f / n : 0,
    burst_per_minute: over.burst_per_minute ?? 1,
    hour_of_day: hourOfDay + 0.5,
    off_hours_share: office ? 0 : 1,
    first_seen_country: over.first_seen_country ?? 0,
  };
  return {
    entity: `user.name=user${String(user).padStart(2, '0')}`,
    time: START + hour * H,
    features,
    categorical: { 'source.geo.country_iso_code': [over.first_seen_country ? 'RU' : 'US'] },
  };
}

describe('Ensemble on a small population (10 users, 12 h warm-up)', () => {
  const rng = new Random(7);
  const history: Observation[] = [];
  for (let h = 0; h < 12; h++)
    for (let u = 0; u < 10; u++) {
      const o = window(rng, u, h);
      if (o) history.push(o);
    }
  const e = new Ensemble(defaultEnsembleParams(7)).fit(history);
  const scored: { obs: Observation; s: ScoredObservation }[] = [];
  for (let h = 12; h < 30; h++) {
    const batch: Observation[] = [];
    for (let u = 0; u < 10; u++) {
      const o =
        u === 8 && h === 13
          ? window(rng, u, h, { auth_attempts: 4, burst_per_minute: 2 })
          : u === 3 && h === 26
            ? window(rng, u, h, { auth_attempts: 61, failed_logins: 60, burst_per_minute: 12, first_seen_country: 1 })
            : window(rng, u, h);
      if (o) batch.push(o);
    }
    // Score the whole window against the same state, then learn it (as the pipeline does).
    const s = batch.map((o) => e.scoreOne(o));
    batch.forEach((o, i) => {
      scored.push({ obs: o, s: s[i] });
      e.learnOne(o, s[i]);
    });
  }
  const find = (user: string, hour: number) => scored.find((x) => x.obs.entity === `user.name=${user}` && x.obs.time === START + hour * H)!;

  it('a brute force outranks every ordinary window, including a cold-start user slightly above its peers', () => {
    const brute = find('user03', 26);
    const mild = find('user08', 13);
    assert.equal(mild.s.coldStart, true); // fewer than 8 windows: judged against its peers
    assert.ok(
      brute.s.models.zscore! > mild.s.models.zscore!,
      `zscore: brute force ${brute.s.models.zscore} vs mild ${mild.s.models.zscore}`,
    );
    assert.ok(brute.s.fused > mild.s.fused + 3, `fused: brute force ${brute.s.fused} vs mild ${mild.s.fused}`);
    const top = [...scored].sort((a, b) => b.s.fused - a.s.fused)[0];
    assert.equal(top.obs.entity, 'user.name=user03');
    assert.equal(top.obs.time, START + 26 * H);
    assert.equal(top.s.isAlert, true);
    assert.ok(mild.s.models.zscore! < 4, `a 2-login excess is not a 4σ event: ${mild.s.models.zscore}`);
  });

  it('never scores NaN', () => {
    for (const x of scored) {
      assert.ok(Number.isFinite(x.s.fused) && Number.isFinite(x.s.score), `${x.obs.entity}@${x.obs.time}`);
      for (const z of Object.values(x.s.models)) assert.ok(Number.isFinite(z));
    }
  });
});
