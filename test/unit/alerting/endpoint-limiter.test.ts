import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointLimiter } from '../../../src/alerting/endpoint-limiter.js';
import type { Clock } from '../../../src/alerting/clock.js';

/** A clock that jumps forward on sleep: the limiter's waits become exact numbers. */
function virtualClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('endpoint limiter', () => {
  it('starts at most rate_per_second requests per second after the initial burst', async () => {
    const clock = virtualClock();
    const limiter = new EndpointLimiter(100, 4, clock);
    const startedAt: number[] = [];
    for (let i = 0; i < 12; i++) {
      const release = await limiter.acquire();
      startedAt.push(clock.now());
      release();
    }
    // Burst of 4 at t=0, then one every 250 ms.
    assert.deepEqual(startedAt, [0, 0, 0, 0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
  });

  it('holds requests beyond `concurrency` until a slot is released', async () => {
    const clock = virtualClock();
    const limiter = new EndpointLimiter(2, 1000, clock);
    const r1 = await limiter.acquire();
    const r2 = await limiter.acquire();
    let third = false;
    const p3 = limiter.acquire().then((r) => {
      third = true;
      return r;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(third, false);
    r1();
    r1(); // releasing twice is harmless
    const r3 = await p3;
    assert.equal(third, true);
    r2();
    r3();
  });
});
