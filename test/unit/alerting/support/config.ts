/** Alerting configs for tests: parsed through the real schema, with short waits. */
import { alertingSchema, type AlertingConfig } from '../../../../src/config/alerting.js';

export const TEST_SECRET = 'whsec_' + Buffer.from('vigil-test-signing-key-0123456789').toString('base64');

export function testAlerting(connectors: Record<string, unknown>[], extra: Record<string, unknown> = {}): AlertingConfig {
  return alertingSchema.parse({
    realert: '0s',
    drain_timeout: '30s',
    ...extra,
    connectors: connectors.map((c, i) => ({
      name: `c${i}`,
      secret: TEST_SECRET,
      timeout_ms: 2_000,
      retry: { max_attempts: 4, base_delay_ms: 50, max_delay_ms: 200 },
      circuit_breaker: { failure_threshold: 50, open_ms: 200 },
      ...c,
    })),
  });
}
