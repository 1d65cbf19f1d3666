/**
 * A lease on one (job, partition), kept as a document in the state index and changed only with
 * optimistic concurrency, so that of several `vigil run` processes exactly one works on a given
 * partition and the others wait as hot standbys.
 *
 * - Acquire: create the document, or take it over when it has expired (or is already ours), always
 *   conditioned on the version just read — two standbys racing for an expired lease cannot both win.
 * - Renew: extend the expiry conditioned on our own last version. A conflict means someone took the
 *   lease over (we stalled past the expiry): the holder must stop and abandon its window without a
 *   checkpoint. The state commit is itself conditional, so even a stalled holder cannot overwrite
 *   the new holder's progress.
 * - Release: expire the lease at once on graceful shutdown so a standby takes over at its next tick.
 *
 * Expiry is compared with the local clock of the process that reads it: keep runner clocks in sync
 * (NTP) and the TTL well above the clock skew between machines.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { VersionConflictError, type Engine, type JsonObject } from '../engine/engine.js';

export interface LeaseDocument extends JsonObject {
  kind: 'lease';
  job_id: string;
  partition: number;
  holder: string;
  acquired_at: string;
  renewed_at: string;
  /** Epoch ms; also as ISO text in `expires_at_iso` for people reading the index. */
  expires_at: number;
  expires_at_iso: string;
}

export type LeaseStatus =
  | { readonly held: true; readonly expiresAt: number; readonly takenOverFrom?: string }
  | { readonly held: false; readonly holder: string; readonly expiresAt: number };

export interface LeaseOptions {
  readonly jobId: string;
  readonly partition: number;
  /** Unique per process (see `defaultHolderId`). */
  readonly holder: string;
  readonly ttlMs: number;
  readonly now?: () => number;
}

/** `host:pid:random` — unique per process, readable in the state index. */
export function defaultHolderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function leaseId(jobId: string, partition: number): string {
  return `lease:${jobId}:p${partition}`;
}

export class Lease {
  private version: { seqNo: number; primaryTerm: number } | undefined;
  private expiresAt = 0;
  private acquiredAt = '';
  private timer: NodeJS.Timeout | undefined;
  /** Lease operations of this object run one at a time: a background renewal must not race an acquire. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;
  readonly id: string;

  constructor(
    private readonly engine: Engine,
    private readonly index: string,
    readonly options: LeaseOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.id = leaseId(options.jobId, options.partition);
  }

  /** True while we hold the lease and it has not expired by our own clock. */
  get held(): boolean {
    return this.version !== undefined && this.now() < this.expiresAt;
  }

  private document(acquiredAt: string): LeaseDocument {
    const now = this.now();
    const expires = now + this.options.ttlMs;
    return {
      kind: 'lease',
      job_id: this.options.jobId,
      partition: this.options.partition,
      holder: this.options.holder,
      acquired_at: acquiredAt,
      renewed_at: new Date(now).toISOString(),
      expires_at: expires,
      expires_at_iso: new Date(expires).toISOString(),
    };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Takes the lease when it is free, expired or already ours; otherwise reports who holds it. */
  tryAcquire(): Promise<LeaseStatus> {
    return this.exclusive(() => this.acquireNow());
  }

  private async acquireNow(): Promise<LeaseStatus> {
    const current = await this.engine.getState<LeaseDocument>(this.index, this.id);
    const nowIso = new Date(this.now()).toISOString();
    try {
      if (!current) {
        const doc = this.document(nowIso);
        this.version = await this.engine.putState(this.index, this.id, doc, { kind: 'create' });
        this.acquiredAt = doc.acquired_at;
        this.expiresAt = doc.expires_at;
        return { held: true, expiresAt: this.expiresAt };
      }
      const ours = current.doc.holder === this.options.holder;
      if (!ours && current.doc.expires_at > this.now()) {
        this.version = undefined;
        return { held: false, holder: current.doc.holder, expiresAt: current.doc.expires_at };
      }
      const doc = this.document(ours ? current.doc.acquired_at : nowIso);
      this.version = await this.engine.putState(this.index, this.id, doc, {
        kind: 'match',
        seqNo: current.seqNo,
        primaryTerm: current.primaryTerm,
      });
      this.expiresAt = doc.expires_at;
      this.acquiredAt = doc.acquired_at;
      return ours
        ? { held: true, expiresAt: this.expiresAt }
        : { held: true, expiresAt: this.expiresAt, takenOverFrom: current.doc.holder };
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      // Another runner acquired it between our read and our write: report the winner.
      this.version = undefined;
      const winner = await this.engine.getState<LeaseDocument>(this.index, this.id);
      return { held: false, holder: winner?.doc.holder ?? 'unknown', expiresAt: winner?.doc.expires_at ?? this.now() };
    }
  }

  /** Extends our lease; false when it was lost (taken over, or never held). */
  renew(): Promise<boolean> {
    return this.exclusive(() => this.renewNow());
  }

  private async renewNow(): Promise<boolean> {
    const current = this.version;
    if (!current) return false;
    // Conditioned on our own last write: any other write in between (a takeover) makes it fail.
    const doc = this.document(this.acquiredAt);
    try {
      this.version = await this.engine.putState(this.index, this.id, doc, {
        kind: 'match',
        seqNo: current.seqNo,
        primaryTerm: current.primaryTerm,
      });
      this.expiresAt = doc.expires_at;
      return true;
    } catch (error) {
      if (error instanceof VersionConflictError) {
        this.version = undefined;
        return false;
      }
      throw error;
    }
  }

  /**
   * Renews every ttl/3 in the background. `onLost` is called once when a renewal finds the lease
   * taken over; a renewal that fails because the cluster is unreachable is retried at the next
   * interval (the lease simply runs out if the outage lasts longer than the TTL).
   */
  startAutoRenew(onLost: () => void, onError?: (error: unknown) => void): void {
    this.stopAutoRenew();
    const every = Math.max(50, Math.floor(this.options.ttlMs / 3));
    this.timer = setInterval(() => {
      this.renew().then(
        (ok) => {
          if (!ok) {
            this.stopAutoRenew();
            onLost();
          }
        },
        (error: unknown) => onError?.(error),
      );
    }, every);
    this.timer.unref();
  }

  stopAutoRenew(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Expires our lease now so a standby can take over immediately; a no-op when we do not hold it. */
  release(): Promise<void> {
    this.stopAutoRenew();
    return this.exclusive(() => this.releaseNow());
  }

  private async releaseNow(): Promise<void> {
    const version = this.version;
    this.version = undefined;
    if (!version) return;
    const existing = await this.engine.getState<LeaseDocument>(this.index, this.id);
    if (existing?.doc.holder !== this.options.holder) return;
    const now = this.now();
    const doc: LeaseDocument = {
      ...existing.doc,
      renewed_at: new Date(now).toISOString(),
      expires_at: now,
      expires_at_iso: new Date(now).toISOString(),
    };
    try {
      await this.engine.putState(this.index, this.id, doc, { kind: 'match', seqNo: existing.seqNo, primaryTerm: existing.primaryTerm });
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }
}
