import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from '../../../src/alerting/circuit-breaker.js';

describe('circuit breaker', () => {
  it('opens after the threshold, lets one probe through after open_ms, closes on success', () => {
    let now = 0;
    const b = new CircuitBreaker(3, 1_000, () => now);
    b.onFailure();
    b.onFailure();
    assert.equal(b.acquire(), 0);
    b.onFailure();
    assert.equal(b.state(), 'open');
    assert.equal(b.acquire(), 1_000);
    now = 400;
    assert.equal(b.acquire(), 600);
    now = 1_000;
    assert.equal(b.state(), 'half-open');
    assert.equal(b.acquire(), 0, 'the probe');
    assert.ok(b.acquire() > 0, 'only one probe at a time');
    b.onSuccess();
    assert.equal(b.state(), 'closed');
    assert.equal(b.acquire(), 0);
  });

  it('re-opens when the probe fails; 4xx/429 answers do not count as failures', () => {
    let now = 0;
    const b = new CircuitBreaker(2, 500, () => now);
    b.onFailure();
    b.onNeutral();
    b.onFailure();
    assert.equal(b.state(), 'open');
    now = 500;
    assert.equal(b.acquire(), 0);
    b.onFailure();
    assert.equal(b.state(), 'open');
    assert.equal(b.acquire(), 500);
    const c = new CircuitBreaker(2, 500, () => now);
    c.onNeutral();
    c.onNeutral();
    c.onNeutral();
    assert.equal(c.state(), 'closed');
  });
});
