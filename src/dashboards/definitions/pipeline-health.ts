/** Dashboard 3 — Pipeline health: is Vigil keeping up, losing documents or failing to deliver alerts? */
import type { Condition, DashboardSpec } from '../model.js';

const STATUS: Condition = { field: 'vigil.status.job_id', exists: true };
const DEAD_LETTER: Condition = { field: 'event.dataset', equals: 'vigil.dead_letter' };
const TIME = { kind: 'date_histogram', field: '@timestamp', label: 'Time' } as const;
const BY_JOB = { kind: 'terms', field: 'vigil.status.job_id', label: 'Job', size: 10 } as const;
/** The dead-letter index is empty while every alert reaches its receiver: say so instead of showing a blank panel. */
const DEAD_LETTER_EMPTY = 'Empty means good news: no alert was dead-lettered in this period, every one reached its receiver.';
const DEAD_LETTER_NOTE = [
  `**Dead-lettered alerts** — ${DEAD_LETTER_EMPTY}`,
  'Rows appear when a receiver refused an alert or retries ran out; fix the receiver, then `vigil alerts replay --config <file>`.',
].join(' ');

export const pipelineHealth: DashboardSpec = {
  key: 'pipeline-health',
  id: 'vigil-pipeline-health',
  title: '[Vigil] Pipeline health',
  description: 'Windows processed, lag behind real time, events per window, documents rejected, and alerts delivered, retried and dead-lettered.',
  timeFrom: 'now-24h',
  controls: [{ key: 'job', source: 'status', field: 'vigil.status.job_id', label: 'Job' }],
  panels: [
    { key: 'windows', title: 'Windows processed', source: 'status', where: [STATUS], grid: { x: 0, y: 0, w: 8, h: 7 }, viz: { type: 'metric', metric: { op: 'count', label: 'Windows' } } },
    { key: 'max-lag', title: 'Lag behind real time (max, s)', source: 'status', where: [STATUS], grid: { x: 8, y: 0, w: 8, h: 7 }, viz: { type: 'metric', metric: { op: 'max', field: 'vigil.status.lag_seconds', label: 'Max lag (s)' } } },
    { key: 'events', title: 'Events processed', source: 'status', where: [STATUS], grid: { x: 16, y: 0, w: 8, h: 7 }, viz: { type: 'metric', metric: { op: 'sum', field: 'vigil.status.events', label: 'Events' } } },
    { key: 'rejected', title: 'Documents rejected', source: 'status', where: [STATUS], grid: { x: 24, y: 0, w: 8, h: 7 }, viz: { type: 'metric', metric: { op: 'sum', field: 'vigil.status.documents_rejected', label: 'Rejected' } } },
    { key: 'delivered', title: 'Alerts delivered', source: 'status', where: [STATUS], grid: { x: 32, y: 0, w: 8, h: 7 }, viz: { type: 'metric', metric: { op: 'sum', field: 'vigil.status.alerts_delivered', label: 'Delivered' } } },
    { key: 'dead-lettered', title: 'Alerts dead-lettered', source: 'status', where: [STATUS], grid: { x: 40, y: 0, w: 8, h: 7 }, viz: { type: 'metric', metric: { op: 'sum', field: 'vigil.status.alerts_dead_lettered', label: 'Dead-lettered' } } },
    {
      key: 'windows-over-time',
      title: 'Windows processed by job',
      source: 'status',
      where: [STATUS],
      grid: { x: 0, y: 7, w: 24, h: 13 },
      viz: { type: 'xy', series: 'bar_stacked', x: TIME, split: BY_JOB, metrics: [{ op: 'count', label: 'Windows' }] },
    },
    {
      key: 'lag',
      title: 'Lag behind real time (s)',
      source: 'status',
      where: [STATUS],
      grid: { x: 24, y: 7, w: 24, h: 13 },
      viz: {
        type: 'xy',
        series: 'line',
        x: TIME,
        metrics: [
          { op: 'max', field: 'vigil.status.lag_seconds', label: 'Max lag (s)' },
          { op: 'avg', field: 'vigil.status.lag_seconds', label: 'Average lag (s)' },
        ],
      },
    },
    {
      key: 'events-per-window',
      title: 'Events per window',
      source: 'status',
      where: [STATUS],
      grid: { x: 0, y: 20, w: 24, h: 13 },
      viz: {
        type: 'xy',
        series: 'line',
        x: TIME,
        metrics: [
          { op: 'avg', field: 'vigil.status.events', label: 'Average events' },
          { op: 'max', field: 'vigil.status.events', label: 'Max events' },
        ],
      },
    },
    {
      key: 'rejected-over-time',
      title: 'Documents rejected by job',
      source: 'status',
      where: [STATUS],
      grid: { x: 24, y: 20, w: 24, h: 13 },
      viz: { type: 'xy', series: 'bar_stacked', x: TIME, split: BY_JOB, metrics: [{ op: 'sum', field: 'vigil.status.documents_rejected', label: 'Rejected' }] },
    },
    {
      key: 'delivery',
      title: 'Alert delivery',
      source: 'status',
      where: [STATUS],
      grid: { x: 0, y: 33, w: 32, h: 13 },
      viz: {
        type: 'xy',
        series: 'bar_stacked',
        x: TIME,
        metrics: [
          { op: 'sum', field: 'vigil.status.alerts_delivered', label: 'Delivered' },
          { op: 'sum', field: 'vigil.status.alerts_retried', label: 'Retried' },
          { op: 'sum', field: 'vigil.status.alerts_dead_lettered', label: 'Dead-lettered' },
        ],
      },
    },
    {
      key: 'duration',
      title: 'Window processing time (ms)',
      source: 'status',
      where: [STATUS],
      grid: { x: 32, y: 33, w: 16, h: 13 },
      viz: {
        type: 'xy',
        series: 'line',
        x: TIME,
        metrics: [
          { op: 'avg', field: 'vigil.status.duration_ms', label: 'Average (ms)' },
          { op: 'max', field: 'vigil.status.duration_ms', label: 'Max (ms)' },
        ],
      },
    },
    {
      key: 'jobs',
      title: 'Jobs',
      source: 'status',
      where: [STATUS],
      grid: { x: 0, y: 46, w: 24, h: 13 },
      viz: {
        type: 'table',
        rows: [{ kind: 'terms', field: 'vigil.status.job_id', label: 'Job', size: 20, orderBy: 0 }],
        metrics: [
          { op: 'count', label: 'Windows' },
          { op: 'max', field: 'vigil.status.window_end', label: 'Last window end' },
          { op: 'sum', field: 'vigil.status.events', label: 'Events' },
          { op: 'sum', field: 'vigil.status.anomalies_written', label: 'Anomalies written' },
          { op: 'sum', field: 'vigil.status.alerts', label: 'Alerts' },
          { op: 'max', field: 'vigil.status.lag_seconds', label: 'Max lag (s)' },
        ],
      },
    },
    {
      key: 'dead-letter',
      title: 'Dead-lettered alerts',
      source: 'deadLetter',
      emptyText: DEAD_LETTER_EMPTY,
      where: [DEAD_LETTER, { field: 'vigil.dead_letter.kind', equals: 'alert' }],
      grid: { x: 24, y: 46, w: 24, h: 13 },
      viz: {
        type: 'table',
        rows: [
          { kind: 'terms', field: 'vigil.dead_letter.connector', label: 'Connector', size: 10, orderBy: 0 },
          { kind: 'terms', field: 'vigil.dead_letter.reason', label: 'Reason', size: 3, orderBy: 0 },
        ],
        metrics: [
          { op: 'count', label: 'Notifications' },
          { op: 'max', field: '@timestamp', label: 'Last parked' },
          { op: 'last_value', field: 'vigil.dead_letter.status', label: 'State' },
          { op: 'last_value', field: 'vigil.dead_letter.last_error', label: 'Last error' },
        ],
      },
    },
    {
      key: 'dead-letter-note',
      title: 'About dead-lettered alerts',
      source: 'deadLetter',
      where: [],
      grid: { x: 24, y: 59, w: 24, h: 4 },
      viz: { type: 'markdown', kibana: DEAD_LETTER_NOTE, opensearch: DEAD_LETTER_NOTE },
    },
  ],
};
