/** Shared set-up of the dispatcher tests: receivers closed after the file, an in-memory-outbox dispatcher. */
import { after } from 'node:test';
import { createDispatcher, type Dispatcher } from '../../../../src/alerting/dispatcher.js';
import { seededRandom } from '../../../../src/alerting/clock.js';
import { startReceiver, type Receiver } from './receiver.js';
import { testAlerting } from './config.js';

/** Call at the top level of a test file: returns a receiver factory whose receivers close after the file. */
export function receiverPool(): (...args: Parameters<typeof startReceiver>) => Promise<Receiver> {
  const receivers: Receiver[] = [];
  after(async () => {
    for (const r of receivers) await r.close();
  });
  return async (...args) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };
}

/** A dispatcher with one connector to `url`, the in-memory outbox and seeded jitter. */
export function dispatcherFor(url: string, connector: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Dispatcher {
  return createDispatcher({
    config: testAlerting([{ url, ...connector }], extra),
    deadLetterIndex: 'unused',
    stateIndex: 'unused',
    random: seededRandom(7),
  });
}
