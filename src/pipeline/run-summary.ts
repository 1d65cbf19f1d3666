/**
 * Totals of a run or backfill across windows, jobs and partitions — what the command prints at
 * the end (and `--json` emits): windows, events, documents, alerts, refusals, and the per-field
 * tally of events with missing or mistyped fields.
 */
import { FieldIssues, share, type FieldIssueSummary } from '../features/field-issues.js';
import type { DeliveryCounts, WindowOutcome } from './job-runner.js';
import type { SlicePassReport } from './slice-pass.js';

export interface RunSummaryJson {
  windows_warmup: number;
  windows_scored: number;
  events: number;
  entity_windows: number;
  anomalies_written: number;
  alerts: number;
  /** Incidents that alerted (one alert each) and alert updates sent for incidents alerted before. */
  incidents_alerted: number;
  incident_updates: number;
  documents_rejected: number;
  documents_retried: number;
  alerts_delivered: number;
  alerts_retried: number;
  alerts_dead_lettered: number;
  alerts_suppressed: number;
  /** Alerts still in the durable outbox at the end (resent by the next run). */
  alerts_pending: number;
  max_score: number;
  /** Per job: events skipped because no entity field (nor fallback) held a value — never dropped silently. */
  events_skipped_no_entity: Record<string, number>;
  /** Events ignored for their time: dated after now + future_skew, or outside the requested range. */
  events_bad_time: { future: number; out_of_range: number };
  /** Documents of cold (evicted) entities past `pipeline.cold_entity_retention` swept from the state index. */
  cold_documents_swept: number;
  field_issues: FieldIssueSummary;
}

export class RunSummary {
  windowsWarmup = 0;
  windowsScored = 0;
  events = 0;
  entityWindows = 0;
  anomaliesWritten = 0;
  alerts = 0;
  incidentsAlerted = 0;
  incidentUpdates = 0;
  rejected = 0;
  retried = 0;
  alertsDelivered = 0;
  alertsRetried = 0;
  alertsDeadLettered = 0;
  alertsSuppressed = 0;
  alertsPending = 0;
  maxScore = 0;
  readonly fieldIssues = new FieldIssues();
  /** Per job: [events skipped for a missing entity, events counted] (the share is printed). */
  readonly skipped = new Map<string, { skipped: number; events: number }>();
  badTimeFuture = 0;
  badTimeOutOfRange = 0;
  coldSwept = 0;

  /** Events ignored for their time (never silently: printed and in --json). */
  countBadTime(future: number, outOfRange: number): void {
    this.badTimeFuture += future;
    this.badTimeOutOfRange += outOfRange;
  }

  /** Adds one window's outcome; `job` keys the skip counts (the job id). */
  add(o: WindowOutcome, job = 'job'): void {
    this.countSkipped(job, o.skippedNoEntity, o.events);
    if (o.phase === 'warmup') this.windowsWarmup++;
    else {
      this.windowsScored++;
      this.entityWindows += o.entities;
    }
    this.events += o.events;
    this.coldSwept += o.coldSwept ?? 0;
    this.anomaliesWritten += o.anomaliesWritten;
    this.alerts += o.alerts;
    this.rejected += o.rejected;
    this.retried += o.retried;
    this.addDelivery(o.delivery);
    this.maxScore = Math.max(this.maxScore, o.maxScore);
    this.fieldIssues.merge(o.fieldIssues);
  }

  /** What the slice pass wrote for one (job, partition) window (its scoring was counted by `add`). */
  addWrites(o: WindowOutcome): void {
    this.anomaliesWritten += o.anomaliesWritten;
    this.alerts += o.alerts;
    this.rejected += o.rejected;
    this.retried += o.retried;
    // The slice pass's status records carry the outbox's counts since the previous slice.
    this.addDelivery(o.delivery);
    this.maxScore = Math.max(this.maxScore, o.maxScore);
  }

  addIncidents(r: Pick<SlicePassReport, 'incidents' | 'updates'>): void {
    this.incidentsAlerted += r.incidents;
    this.incidentUpdates += r.updates;
  }

  /** The end-of-run drain: what was delivered since the last window, and what is left pending. */
  addDelivery(d: DeliveryCounts): void {
    this.alertsDelivered += d.delivered;
    this.alertsRetried += d.retried;
    this.alertsDeadLettered += d.deadLettered;
    this.alertsSuppressed += d.suppressed;
    this.alertsPending = d.pending;
  }

  /** Adds another summary (e.g. of the next job) into this one. */
  merge(other: RunSummary): this {
    this.windowsWarmup += other.windowsWarmup;
    this.windowsScored += other.windowsScored;
    this.events += other.events;
    this.entityWindows += other.entityWindows;
    this.anomaliesWritten += other.anomaliesWritten;
    this.alerts += other.alerts;
    this.incidentsAlerted += other.incidentsAlerted;
    this.incidentUpdates += other.incidentUpdates;
    this.rejected += other.rejected;
    this.retried += other.retried;
    this.alertsDelivered += other.alertsDelivered;
    this.alertsRetried += other.alertsRetried;
    this.alertsDeadLettered += other.alertsDeadLettered;
    this.alertsSuppressed += other.alertsSuppressed;
    this.alertsPending += other.alertsPending;
    this.maxScore = Math.max(this.maxScore, other.maxScore);
    this.fieldIssues.merge(other.fieldIssues);
    for (const [job, c] of other.skipped) this.countSkipped(job, c.skipped, c.events);
    this.countBadTime(other.badTimeFuture, other.badTimeOutOfRange);
    this.coldSwept += other.coldSwept;
    return this;
  }

  private countSkipped(job: string, skipped: number, events: number): void {
    const c = this.skipped.get(job) ?? { skipped: 0, events: 0 };
    this.skipped.set(job, { skipped: c.skipped + skipped, events: c.events + events });
  }

  toJSON(): RunSummaryJson {
    return {
      windows_warmup: this.windowsWarmup,
      windows_scored: this.windowsScored,
      events: this.events,
      entity_windows: this.entityWindows,
      anomalies_written: this.anomaliesWritten,
      alerts: this.alerts,
      incidents_alerted: this.incidentsAlerted,
      incident_updates: this.incidentUpdates,
      documents_rejected: this.rejected,
      documents_retried: this.retried,
      alerts_delivered: this.alertsDelivered,
      alerts_retried: this.alertsRetried,
      alerts_dead_lettered: this.alertsDeadLettered,
      alerts_suppressed: this.alertsSuppressed,
      alerts_pending: this.alertsPending,
      max_score: Math.round(this.maxScore * 100) / 100,
      events_skipped_no_entity: Object.fromEntries([...this.skipped].filter(([, c]) => c.skipped > 0).map(([job, c]) => [job, c.skipped])),
      events_bad_time: { future: this.badTimeFuture, out_of_range: this.badTimeOutOfRange },
      cold_documents_swept: this.coldSwept,
      field_issues: this.fieldIssues.toJSON(),
    };
  }

  /** Human-readable lines for the end of a command. */
  format(): string {
    const j = this.toJSON();
    const lines = [
      `windows: ${j.windows_scored} scored, ${j.windows_warmup} warm-up`,
      `events: ${j.events}   entity-windows scored: ${j.entity_windows}`,
      `anomaly documents written: ${j.anomalies_written}   alert documents: ${j.alerts}   max score: ${j.max_score}`,
      `incidents alerted: ${j.incidents_alerted}   incident updates: ${j.incident_updates}`,
    ];
    if (j.documents_rejected || j.documents_retried)
      lines.push(`documents retried: ${j.documents_retried}   refused and dead-lettered: ${j.documents_rejected}`);
    if (j.alerts_delivered || j.alerts_retried || j.alerts_dead_lettered || j.alerts_suppressed || j.alerts_pending) {
      const counts = [`delivered: ${j.alerts_delivered}`, `retried: ${j.alerts_retried}`, `dead-lettered: ${j.alerts_dead_lettered}`];
      lines.push(`alerts ${[...counts, `suppressed: ${j.alerts_suppressed}`, `pending: ${j.alerts_pending}`].join('   ')}`);
    }
    if (j.alerts_pending)
      lines.push(`${j.alerts_pending} alert(s) still pending in the outbox: the next run (or \`vigil run\`) resends them`);
    for (const [job, c] of this.skipped) {
      if (c.skipped > 0)
        lines.push(
          `events skipped, no entity value: ${c.skipped} in job ${job} (${share(c.skipped, c.skipped + c.events)} of its events; add a fallback entity field)`,
        );
    }
    if (this.badTimeFuture || this.badTimeOutOfRange) {
      lines.push(
        `events ignored for their time: ${this.badTimeFuture} dated in the future (beyond now + future_skew), ${this.badTimeOutOfRange} outside the range`,
      );
    }
    if (j.cold_documents_swept)
      lines.push(`cold-entity documents swept (idle past pipeline.cold_entity_retention): ${j.cold_documents_swept}`);
    const issues = Object.entries(j.field_issues);
    if (issues.length) {
      lines.push('events with missing or mistyped fields (kept, field treated as absent):');
      for (const [field, c] of issues)
        lines.push(`  ${field}: ${c.missing} missing, ${c.mistyped} mistyped${c.example ? ` (e.g. ${c.example})` : ''}`);
    }
    return lines.join('\n');
  }
}
