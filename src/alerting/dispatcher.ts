/**
 * The alert dispatcher the pipeline feeds with anomalies at or above the threshold.
 *
 *   enqueue(alerts)  realert suppression → notifications per connector → durable outbox records
 *                    (resolves once they are persisted, not once delivered) → delivery starts in
 *                    the background, one task per record, each endpoint with its own timeout,
 *                    concurrency and circuit breaker: a hung receiver holds back only its own alerts
 *   takeCounts()     never waits: what was delivered / dead-lettered since the last call and how
 *                    many records are still pending (the pipeline calls it once per window)
 *   drain()          end of a run: waits (up to alerting.drain_timeout) until every outbox record is
 *                    delivered or dead-lettered, recovering records left pending by an earlier process
 *   close()          stops scheduling, lets in-flight requests finish and record their outcome
 *
 * Delivery guarantee (see docs/alerting.md): at-least-once with a stable idempotency key.
 * An alert is never lost — its outbox record exists before the first attempt and is only
 * finished after the receiver's 2xx has been recorded, or after the dead-letter document has been
 * written. A second send happens only when a process dies between the receiver's 2xx and the
 * "delivered" write (or when the answer is lost in the network); it carries the same webhook-id,
 * TheHive sourceRef and Splunk SOAR source_data_identifier, so the receiver can drop it.
 */
import { randomBytes } from 'node:crypto';
import type { AnomalyDocument } from '../anomaly/document.js';
import type { AlertingConfig, ConnectorConfig } from '../config/alerting.js';
import type { Engine } from '../engine/engine.js';
import { log } from '../log.js';
import { alertContext, type AlertContext, type AlertLinks, type Notification } from './alert-context.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { durationMs } from '../config/duration.js';
import { seededRandom, systemClock, type Clock, type RandomSource } from './clock.js';
import { deadLetterDocument, deadLetterId, writeDeadLetter, type DeadLetterRecord } from './dead-letter.js';
import { EndpointLimiter } from './endpoint-limiter.js';
import { formatOf } from './formats/index.js';
import { buildNotifications } from './notifications.js';
import { EngineOutboxStore, MemoryOutboxStore, outboxId, type OutboxEntry, type OutboxStore, type OutboxVersion } from './outbox.js';
import { EngineRealertStore, MemoryRealertStore, isRepeat, realertKey, type RealertStore } from './realert.js';
import { nextDelayMs } from './retry-policy.js';
import { assertDestinationsAllowed } from './validate.js';
import { WebhookClient, type AttemptResult } from './webhook-client.js';

/** What the pipeline hands over: one alert, or the n-th update (`revision`) of one already sent. */
export interface AlertInput {
  /** Stable id of what is alerted (the anomaly document id, or an incident id). */
  readonly id: string;
  readonly doc: AnomalyDocument;
  /** 0 or absent: the first alert for `id`; n > 0: its n-th update. Each (id, revision) is sent once per connector. */
  readonly revision?: number;
}

export interface DispatchStats {
  /** Notifications the receivers acknowledged (2xx, or a duplicate refusal). */
  delivered: number;
  /** Retries scheduled after a failed attempt. */
  retried: number;
  /** Notifications parked in the dead-letter index (retries exhausted or refused). */
  deadLettered: number;
  /** Alerts dropped by realert suppression. */
  suppressed: number;
  /** Gauge, not a count since the last call: notifications of this process not yet delivered or parked (they resume on the next run). */
  pending: number;
}

export interface Dispatcher {
  enqueue(alerts: readonly AlertInput[]): Promise<void>;
  /** Counts since the previous takeCounts()/drain(), plus the pending gauge. Never waits for a receiver. */
  takeCounts(): DispatchStats;
  drain(): Promise<DispatchStats>;
  close(): Promise<void>;
}

export interface DispatcherOptions {
  readonly config: AlertingConfig;
  /** Without an engine the outbox and realert state are in memory and dead letters are only logged. */
  readonly engine?: Engine;
  readonly deadLetterIndex: string;
  readonly stateIndex: string;
  /** Discover base URLs; default: alerting.links from the config. */
  readonly links?: AlertLinks;
  /** Tests: time source and jitter. */
  readonly clock?: Clock;
  readonly random?: RandomSource;
}

interface Endpoint {
  readonly connector: ConnectorConfig;
  readonly client: WebhookClient;
  readonly limiter: EndpointLimiter;
  readonly breaker: CircuitBreaker;
}

/** Slack between a claimed attempt's deadline and the lease expiry another dispatcher respects. */
const LEASE_MARGIN_MS = 5_000;
const RECOVERY_BATCH = 1_000;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  return new AlertDispatcher(options);
}

class AlertDispatcher implements Dispatcher {
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly outbox: OutboxStore;
  private readonly realert: RealertStore;
  private readonly owner = `dispatcher-${randomBytes(6).toString('hex')}`;
  private readonly tasks = new Map<string, Promise<void>>();
  private readonly taskConnector = new Map<string, string>();
  /** When a task that is waiting (backoff, Retry-After, open circuit) will wake up. */
  private readonly wakeAt = new Map<string, number>();
  private readonly stopping = new AbortController();
  private stats: DispatchStats = { delivered: 0, retried: 0, deadLettered: 0, suppressed: 0, pending: 0 };
  private recovery: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: DispatcherOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? seededRandom(Number.parseInt(randomBytes(4).toString('hex'), 16));
    assertDestinationsAllowed(options.config);
    for (const connector of options.config.connectors) {
      this.endpoints.set(connector.name, {
        connector,
        client: new WebhookClient(connector, this.clock),
        limiter: new EndpointLimiter(connector.concurrency, connector.rate_per_second, this.clock),
        breaker: new CircuitBreaker(connector.circuit_breaker.failure_threshold, connector.circuit_breaker.open_ms, () => this.clock.now()),
      });
    }
    this.outbox = options.engine ? new EngineOutboxStore(options.engine, options.stateIndex) : new MemoryOutboxStore();
    this.realert = options.engine ? new EngineRealertStore(options.engine, options.stateIndex) : new MemoryRealertStore();
    if (!options.engine && options.config.connectors.length > 0) {
      log.warn('alerting without a cluster: the outbox is in memory and undeliverable alerts are only logged');
    }
  }

  async enqueue(alerts: readonly AlertInput[]): Promise<void> {
    if (this.closed) throw new Error('the alert dispatcher is closed');
    await this.recover();
    if (alerts.length === 0 || this.endpoints.size === 0) return;

    const links = this.options.links ?? {
      kibanaUrl: this.options.config.links.kibana_url,
      dashboardsUrl: this.options.config.links.dashboards_url,
    };
    const contexts = alerts.map((a) => alertContext(a.id, a.doc, links, a.revision ?? 0));
    // Updates of an alert already sent are the point of an incident: realert only applies to first alerts.
    const accepted = [...(await this.applyRealert(contexts.filter((a) => a.revision === 0))), ...contexts.filter((a) => a.revision > 0)];
    const records: { id: string; entry: OutboxEntry; endpoint: Endpoint }[] = [];
    for (const endpoint of this.endpoints.values()) {
      const eligible = accepted.filter((a) => a.score >= endpoint.connector.min_score);
      for (const notification of buildNotifications(eligible, this.options.config.grouping)) {
        records.push({
          id: outboxId(endpoint.connector.name, notification.messageId),
          entry: this.newEntry(endpoint, notification),
          endpoint,
        });
      }
    }
    // Persisted before any attempt: from here on a crash cannot lose these alerts.
    const created = await this.outbox.createMany(records);
    for (const r of records) {
      if (!created.get(r.id)) {
        // Same anomaly seen again (pipeline re-run, replayed window): the existing record decides.
        log.debug({ connector: r.entry.connector, message_id: r.entry.message_id }, 'alert already in the outbox: not sent again');
      }
      this.start(r.id, r.endpoint);
    }
  }

  async drain(): Promise<DispatchStats> {
    await this.recover();
    const timeoutMs = durationMs(this.options.config.drain_timeout);
    const deadline = this.clock.now() + timeoutMs;
    // Tasks can spawn while we wait (a recovered record, a concurrent enqueue): loop until none are
    // left, the deadline passes, or every remaining task sleeps past the deadline anyway (a long
    // Retry-After): those stay in the outbox and resume in the background or on the next run.
    while (this.tasks.size > 0) {
      const now = this.clock.now();
      if (now >= deadline) break;
      if ([...this.tasks.keys()].every((id) => (this.wakeAt.get(id) ?? 0) > deadline)) break;
      const wait = new AbortController();
      await Promise.race([Promise.allSettled([...this.tasks.values()]), this.clock.sleep(Math.min(100, deadline - now), wait.signal)]);
      wait.abort();
    }
    const stats = this.takeCounts();
    if (stats.pending > 0) {
      log.warn(
        { pending: stats.pending, by_connector: this.pendingByConnector() },
        'alert drain timed out: the rest stays in the outbox and resumes on the next run',
      );
    }
    return stats;
  }

  takeCounts(): DispatchStats {
    // A process that has nothing new to send still owes what an earlier run left pending.
    if (!this.closed) {
      const warn = (error: unknown): void =>
        log.warn({ err: errorText(error) }, 'could not look for pending alerts in the outbox; retried later');
      this.recover().catch(warn);
    }
    const stats = { ...this.stats, pending: this.tasks.size };
    this.stats = { delivered: 0, retried: 0, deadLettered: 0, suppressed: 0, pending: 0 };
    return stats;
  }

  /** Pending notifications per connector (a hung receiver shows up here, alone). */
  pendingByConnector(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of this.taskConnector.values()) out[name] = (out[name] ?? 0) + 1;
    return out;
  }

  /** Stops delivery: waits and in-flight requests are cut short, their records stay pending for the next run. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopping.abort();
    await Promise.allSettled([...this.tasks.values()]);
    for (const e of this.endpoints.values()) e.client.close();
  }

  // ---- intake --------------------------------------------------------------------------------

  /** Drops repeats of the same job + entity within the realert period; records the last alert sent. */
  private async applyRealert(alerts: AlertContext[]): Promise<AlertContext[]> {
    const periodMs = durationMs(this.options.config.realert);
    // Oldest window first, so within a batch the first alert of a streak is the one kept.
    const ordered = [...alerts].sort((a, b) => Date.parse(a.window.start) - Date.parse(b.window.start) || (a.id < b.id ? -1 : 1));
    if (periodMs <= 0) return ordered;
    const keyOf = (a: AlertContext) => realertKey(a.jobId, a.entity.field, a.entity.value);
    const keys = [...new Set(ordered.map(keyOf))];
    const last = new Map(await mapLimit(keys, 16, async (k) => [k, await this.realert.get(k)] as const));
    const kept: AlertContext[] = [];
    const updates = new Map<string, AlertContext>();
    for (const a of ordered) {
      const key = keyOf(a);
      const candidate = { id: a.id, startMs: Date.parse(a.window.start), endMs: Date.parse(a.window.end) };
      if (isRepeat(last.get(key) ?? null, candidate, periodMs)) {
        this.stats.suppressed += 1;
        log.debug({ alert: a.id, job: a.jobId, entity: `${a.entity.field}=${a.entity.value}` }, 'alert suppressed (realert)');
        continue;
      }
      kept.push(a);
      last.set(key, candidate);
      updates.set(key, a);
    }
    await this.realert.putMany(
      [...updates].map(([key, a]) => ({
        key,
        doc: {
          kind: 'alert_realert' as const,
          updated_at: new Date(this.clock.now()).toISOString(),
          alert_realert: {
            job_id: a.jobId,
            entity_field: a.entity.field,
            entity_value: a.entity.value,
            last_alert_id: a.id,
            window_start_ms: Date.parse(a.window.start),
            window_end_ms: Date.parse(a.window.end),
            updated_ms: this.clock.now(),
          },
        },
      })),
    );
    return kept;
  }

  private newEntry(endpoint: Endpoint, notification: Notification): OutboxEntry {
    const body = JSON.stringify(formatOf(endpoint.connector.format).render(notification, endpoint.connector));
    const now = this.clock.now();
    return {
      connector: endpoint.connector.name,
      message_id: notification.messageId,
      alert_ids: notification.alerts.map((a) => a.id),
      job_ids: [...new Set(notification.alerts.map((a) => a.jobId))],
      entities: [...new Set(notification.alerts.map((a) => `${a.entity.field}=${a.entity.value}`))],
      max_score: Math.max(...notification.alerts.map((a) => a.score)),
      status: 'pending',
      attempts: 0,
      created_ms: now,
      updated_ms: now,
      next_attempt_ms: now,
      lease_until_ms: 0,
      lease_owner: '',
      body,
      last_status: null,
      last_error: null,
      delivered_ms: null,
      park_reason: null,
    };
  }

  /** Picks up records left pending by an earlier process (crash, restart, drain timeout). Once per dispatcher. */
  private recover(): Promise<void> {
    this.recovery ??= this.recoverOnce().catch((error: unknown) => {
      // The cluster may be back next time: do not cache the failure.
      this.recovery = undefined;
      throw error;
    });
    return this.recovery;
  }

  private async recoverOnce(): Promise<void> {
    const pending = await this.outbox.listPending(RECOVERY_BATCH);
    let resumed = 0;
    for (const r of pending) {
      const endpoint = this.endpoints.get(r.entry.connector);
      if (!endpoint) {
        log.warn(
          { connector: r.entry.connector, message_id: r.entry.message_id },
          'pending alert for a connector that is no longer configured: left in the outbox',
        );
        continue;
      }
      this.start(r.id, endpoint);
      resumed += 1;
    }
    if (resumed > 0) log.info({ resumed }, 'resumed pending alerts from the outbox');
    const retentionMs = durationMs(this.options.config.outbox_retention);
    try {
      await this.outbox.purgeDelivered(this.clock.now() - retentionMs, RECOVERY_BATCH);
    } catch (error) {
      log.warn({ err: errorText(error) }, 'could not purge old delivered-alert markers (harmless, retried next run)');
    }
  }

  private start(id: string, endpoint: Endpoint): void {
    if (this.tasks.has(id) || this.closed) return;
    const task = this.deliver(id, endpoint)
      .catch((error: unknown) => {
        // The record stays in the outbox; the next dispatcher (or drain after a restart) resumes it.
        log.error(
          { connector: endpoint.connector.name, record: id, err: errorText(error) },
          'alert delivery interrupted; it stays in the outbox',
        );
      })
      .finally(() => {
        this.tasks.delete(id);
        this.taskConnector.delete(id);
      });
    this.tasks.set(id, task);
    this.taskConnector.set(id, endpoint.connector.name);
  }

  // ---- delivery ------------------------------------------------------------------------------

  private async deliver(id: string, endpoint: Endpoint): Promise<void> {
    const { connector, client, limiter, breaker } = endpoint;
    const retry = connector.retry;
    for (;;) {
      if (this.closed) return;
      const stored = await this.outbox.get(id);
      if (stored?.entry.status !== 'pending') return;
      let { entry, version } = stored;

      if (entry.body === null) return;
      const now = this.clock.now();
      const notBefore = Math.max(entry.next_attempt_ms, entry.lease_owner !== this.owner ? entry.lease_until_ms : 0);
      if (notBefore > now) {
        await this.pause(id, notBefore - now);
        continue;
      }
      if (entry.park_reason) {
        // Decided earlier (maybe by a process that died) but the dead letter is not written yet.
        if (await this.park(id, entry, version, connector, entry.park_reason)) return;
        continue;
      }
      const breakerWait = breaker.acquire();
      if (breakerWait > 0) {
        await this.pause(id, breakerWait);
        continue;
      }
      const release = await limiter.acquire();
      if (this.closed) {
        release();
        return;
      }
      let result: AttemptResult;
      try {
        // Claim the attempt: the conditional write makes sure no other dispatcher sends it concurrently.
        const claimed: OutboxEntry = {
          ...entry,
          attempts: entry.attempts + 1,
          lease_owner: this.owner,
          lease_until_ms: this.clock.now() + connector.timeout_ms + LEASE_MARGIN_MS,
          updated_ms: this.clock.now(),
        };
        const claimedVersion = await this.outbox.update(id, claimed, version);
        if (!claimedVersion) {
          breaker.onNeutral();
          continue;
        }
        entry = claimed;
        version = claimedVersion;
        result = await client.send(entry.message_id, entry.body ?? '', this.stopping.signal);
      } finally {
        release();
      }
      if (this.closed && result.outcome !== 'delivered') {
        // Cut short by close(): hand the record back (no lease, due now) so the next run resends it at once.
        await this.persist(
          id,
          { ...entry, lease_owner: '', lease_until_ms: 0, next_attempt_ms: this.clock.now(), updated_ms: this.clock.now() },
          version,
        );
        return;
      }
      if (result.outcome === 'delivered') breaker.onSuccess();
      else if (result.neutral) breaker.onNeutral();
      else breaker.onFailure();
      this.logAttempt(connector, entry, result);

      const done = {
        ...entry,
        lease_owner: '',
        lease_until_ms: 0,
        updated_ms: this.clock.now(),
        last_status: result.status ?? null,
        last_error: result.error ?? null,
      };
      if (result.outcome === 'delivered') {
        this.stats.delivered += 1;
        // Recorded before anything else: this write is what makes a later re-enqueue a no-op.
        await this.persist(id, { ...done, status: 'delivered', body: null, delivered_ms: this.clock.now() }, version);
        return;
      }
      if (result.outcome === 'retry' && entry.attempts < retry.max_attempts) {
        const delay = nextDelayMs(entry.attempts, result.retryAfterMs, retry, this.random);
        const next = await this.persist(id, { ...done, next_attempt_ms: this.clock.now() + delay }, version);
        if (!next) return;
        this.stats.retried += 1;
        continue;
      }
      // Refused (other 4xx, TLS) or out of attempts: note the decision, then park it.
      const toPark: OutboxEntry = { ...done, park_reason: result.outcome === 'reject' ? 'rejected' : 'retries_exhausted' };
      const parkedVersion = await this.persist(id, toPark, version);
      if (!parkedVersion) return;
      if (await this.park(id, toPark, parkedVersion, connector, toPark.park_reason ?? 'rejected')) return;
    }
  }

  /** A wait that close() cuts short and drain() can see. */
  private async pause(id: string, ms: number): Promise<void> {
    this.wakeAt.set(id, this.clock.now() + ms);
    try {
      await this.clock.sleep(ms, this.stopping.signal);
    } finally {
      this.wakeAt.delete(id);
    }
  }

  /**
   * Writes the dead letter, then marks the outbox record dead. If the dead letter cannot be
   * written the record stays pending (with its park_reason) and false is returned: try again later.
   */
  private async park(
    id: string,
    entry: OutboxEntry,
    version: OutboxVersion,
    connector: ConnectorConfig,
    why: 'rejected' | 'retries_exhausted',
  ): Promise<boolean> {
    const nowIso = new Date(this.clock.now()).toISOString();
    const record: DeadLetterRecord = {
      kind: 'alert',
      connector: connector.name,
      format: connector.format,
      destination: new URL(connector.url).origin,
      message_id: entry.message_id,
      alert_ids: entry.alert_ids,
      job_ids: entry.job_ids,
      entities: entry.entities,
      max_score: entry.max_score,
      reason: why,
      attempts: entry.attempts,
      last_status: entry.last_status,
      last_error: entry.last_error ?? 'unknown',
      first_attempt_at: new Date(entry.created_ms).toISOString(),
      last_attempt_at: nowIso,
      payload: entry.body ?? '',
      status: 'parked',
      replay_attempts: 0,
      replayed_at: null,
      replay_last_status: null,
      replay_last_error: null,
    };
    if (this.options.engine) {
      try {
        await writeDeadLetter(
          this.options.engine,
          this.options.deadLetterIndex,
          deadLetterId(connector.name, entry.message_id),
          deadLetterDocument(record, nowIso),
        );
      } catch (error) {
        log.error(
          { connector: connector.name, message_id: entry.message_id, err: errorText(error) },
          'could not write the dead letter; the alert stays in the outbox and is retried',
        );
        const next = await this.persist(id, { ...entry, next_attempt_ms: this.clock.now() + connector.retry.max_delay_ms }, version);
        // Someone else owns the record now: let them finish it.
        return next === null;
      }
    } else {
      log.error(
        { connector: connector.name, message_id: entry.message_id, reason: why, last_error: record.last_error },
        'alert undeliverable and no cluster to park it in',
      );
    }
    await this.persist(id, { ...entry, status: 'dead', updated_ms: this.clock.now() }, version);
    this.stats.deadLettered += 1;
    log.warn(
      {
        connector: connector.name,
        destination: record.destination,
        message_id: entry.message_id,
        reason: why,
        attempts: entry.attempts,
        last_status: record.last_status,
        last_error: record.last_error,
      },
      'alert parked in the dead-letter index',
    );
    return true;
  }

  /** Conditional outbox write with a few retries when the cluster is briefly unavailable. Null when another writer won. */
  private async persist(id: string, entry: OutboxEntry, version: OutboxVersion): Promise<OutboxVersion | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        const next = await this.outbox.update(id, entry, version);
        if (!next) log.warn({ record: id }, 'alert outbox record changed under us (another dispatcher?): leaving it to that writer');
        return next;
      } catch (error) {
        if (attempt >= 5) throw error;
        await this.clock.sleep(200 * 2 ** attempt);
      }
    }
  }

  private logAttempt(connector: ConnectorConfig, entry: OutboxEntry, result: AttemptResult): void {
    const fields = {
      connector: connector.name,
      destination: new URL(connector.url).origin,
      message_id: entry.message_id,
      attempt: entry.attempts,
      status: result.status,
      ms: result.durationMs,
    };
    if (result.outcome === 'delivered') log.info({ ...fields, duplicate: result.duplicate ?? false }, 'alert delivered');
    else log.warn({ ...fields, outcome: result.outcome, error: result.error }, 'alert delivery attempt failed');
  }
}

/** Maps with at most `limit` calls in flight (keeps a large batch from flooding the cluster). */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
