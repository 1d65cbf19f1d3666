/**
 * `vigil alerts replay`: re-sends parked notifications with their exact stored payload and their
 * original webhook-id (so a receiver that did get an earlier copy can drop it), through the
 * connector as configured now (current URL, token, secret, TLS). A success marks the dead letter
 * `replayed` (kept for the audit trail) and the outbox record delivered; a failure stays parked
 * with the replay's error.
 */
import type { AlertingConfig } from '../config/alerting.js';
import type { Engine } from '../engine/engine.js';
import { log } from '../log.js';
import { seededRandom, systemClock, type Clock, type RandomSource } from './clock.js';
import { deadLetterDocument, findDeadLetters, writeDeadLetter, type DeadLetterRecord } from './dead-letter.js';
import { EngineOutboxStore, outboxId } from './outbox.js';
import { nextDelayMs } from './retry-policy.js';
import { assertDestinationsAllowed } from './validate.js';
import { WebhookClient, type AttemptResult } from './webhook-client.js';

export interface ReplayOptions {
  readonly engine: Engine;
  readonly config: AlertingConfig;
  readonly deadLetterIndex: string;
  readonly stateIndex: string;
  /** Only this dead letter: its document id, message id or an anomaly id it contains. */
  readonly id?: string;
  /** Attempts per dead letter in this replay (retryable failures only). Default 3. */
  readonly attempts?: number;
  readonly clock?: Clock;
  readonly random?: RandomSource;
}

export interface ReplayResult {
  readonly id: string;
  readonly connector: string;
  readonly messageId: string;
  readonly outcome: 'replayed' | 'failed' | 'skipped';
  readonly status?: number;
  readonly error?: string;
}

export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult[]> {
  assertDestinationsAllowed(options.config);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? seededRandom(Date.now() & 0xffffffff);
  const letters = await findDeadLetters(options.engine, options.deadLetterIndex, { id: options.id });
  const clients = new Map<string, WebhookClient>();
  const results: ReplayResult[] = [];
  try {
    for (const letter of letters) {
      const r = letter.record;
      const connector = options.config.connectors.find((c) => c.name === r.connector);
      if (!connector) {
        results.push({
          id: letter.id,
          connector: r.connector,
          messageId: r.message_id,
          outcome: 'skipped',
          error: `connector "${r.connector}" is not configured any more`,
        });
        continue;
      }
      let client = clients.get(connector.name);
      if (!client) {
        client = new WebhookClient(connector, clock);
        clients.set(connector.name, client);
      }
      const maxAttempts = Math.max(1, Math.min(options.attempts ?? 3, connector.retry.max_attempts));
      let result: AttemptResult | undefined;
      let attempts = 0;
      while (attempts < maxAttempts) {
        attempts += 1;
        result = await client.send(r.message_id, r.payload);
        if (result.outcome !== 'retry' || attempts >= maxAttempts) break;
        await clock.sleep(nextDelayMs(attempts, result.retryAfterMs, connector.retry, random));
      }
      const ok = result?.outcome === 'delivered';
      const nowIso = new Date(clock.now()).toISOString();
      const updated: DeadLetterRecord = {
        ...r,
        status: ok ? 'replayed' : 'parked',
        replay_attempts: r.replay_attempts + attempts,
        replayed_at: ok ? nowIso : r.replayed_at,
        replay_last_status: result?.status ?? null,
        replay_last_error: ok ? null : (result?.error ?? 'unknown'),
      };
      await writeDeadLetter(options.engine, options.deadLetterIndex, letter.id, deadLetterDocument(updated, letter.parkedAt));
      if (ok) await markOutboxDelivered(options, r.connector, r.message_id, clock);
      log.info(
        { connector: r.connector, message_id: r.message_id, status: result?.status, outcome: ok ? 'replayed' : 'failed' },
        'dead letter replayed',
      );
      results.push({
        id: letter.id,
        connector: r.connector,
        messageId: r.message_id,
        outcome: ok ? 'replayed' : 'failed',
        status: result?.status,
        error: ok ? undefined : result?.error,
      });
    }
  } finally {
    for (const c of clients.values()) c.close();
  }
  return results;
}

/** The outbox record (if still there) becomes a delivered tombstone, so a re-run of the window does not send it again. */
async function markOutboxDelivered(options: ReplayOptions, connector: string, messageId: string, clock: Clock): Promise<void> {
  const store = new EngineOutboxStore(options.engine, options.stateIndex);
  const id = outboxId(connector, messageId);
  try {
    const stored = await store.get(id);
    if (!stored || stored.entry.status === 'delivered') return;
    const now = clock.now();
    await store.update(
      id,
      { ...stored.entry, status: 'delivered', body: null, delivered_ms: now, updated_ms: now, park_reason: null },
      stored.version,
    );
  } catch (error) {
    log.warn(
      { record: id, err: error instanceof Error ? error.message : String(error) },
      'replayed, but could not mark the outbox record delivered',
    );
  }
}
