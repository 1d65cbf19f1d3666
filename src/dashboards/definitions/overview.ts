/** Dashboard 1 — Overview: what Vigil found, how bad, where, and the latest alerts with their narrative. */
import type { Condition, DashboardSpec } from '../model.js';

const ANOMALIES: Condition = { field: 'event.dataset', equals: 'vigil.anomaly' };
const ALERTS: Condition = { field: 'vigil.is_alert', equals: true };
const SEGMENTED: Condition = { field: 'vigil.segment.value', exists: true };
const NO_SEGMENTS = 'Empty unless fairness: { by, lookup } is configured: anomaly documents then carry vigil.segment (docs/evaluation.md, fairness).';

export const overview: DashboardSpec = {
  key: 'overview',
  id: 'vigil-overview',
  title: '[Vigil] Overview',
  description: 'Anomalies found by Vigil: over time by severity, riskiest entities, score distribution, ATT&CK tactics, jobs, the latest alerts with their narrative, and the alert rate by segment (fairness).',
  timeFrom: 'now-24h',
  controls: [],
  panels: [
    { key: 'alerts', title: 'Alerts', source: 'anomalies', where: [ANOMALIES, ALERTS], grid: { x: 0, y: 0, w: 12, h: 7 }, viz: { type: 'metric', metric: { op: 'count', label: 'Alerts' } } },
    { key: 'entities', title: 'Entities with anomalies', source: 'anomalies', where: [ANOMALIES], grid: { x: 12, y: 0, w: 12, h: 7 }, viz: { type: 'metric', metric: { op: 'unique_count', field: 'vigil.entity.value', label: 'Entities' } } },
    { key: 'max-score', title: 'Highest score', source: 'anomalies', where: [ANOMALIES], grid: { x: 24, y: 0, w: 12, h: 7 }, viz: { type: 'metric', metric: { op: 'max', field: 'vigil.score', label: 'Highest score' } } },
    { key: 'jobs', title: 'Jobs reporting', source: 'anomalies', where: [ANOMALIES], grid: { x: 36, y: 0, w: 12, h: 7 }, viz: { type: 'metric', metric: { op: 'unique_count', field: 'vigil.job_id', label: 'Jobs' } } },
    {
      key: 'over-time',
      title: 'Anomalies over time by severity',
      source: 'anomalies',
      where: [ANOMALIES],
      grid: { x: 0, y: 7, w: 32, h: 14 },
      viz: {
        type: 'xy',
        series: 'bar_stacked',
        x: { kind: 'date_histogram', field: '@timestamp', label: 'Time' },
        split: { kind: 'terms', field: 'vigil.severity', label: 'Severity', size: 4 },
        metrics: [{ op: 'count', label: 'Anomalies' }],
      },
    },
    {
      key: 'score-distribution',
      title: 'Score distribution',
      source: 'anomalies',
      where: [ANOMALIES],
      grid: { x: 32, y: 7, w: 16, h: 14 },
      viz: {
        type: 'xy',
        series: 'bar_stacked',
        x: { kind: 'histogram', field: 'vigil.score', label: 'Score', interval: 10, min: 0, max: 100 },
        metrics: [{ op: 'count', label: 'Entity-windows' }],
      },
    },
    {
      key: 'top-entities',
      title: 'Top entities by risk',
      source: 'anomalies',
      where: [ANOMALIES],
      grid: { x: 0, y: 21, w: 16, h: 15 },
      viz: {
        type: 'xy',
        series: 'bar_horizontal',
        x: { kind: 'terms', field: 'vigil.entity.value', label: 'Entity', size: 10 },
        metrics: [{ op: 'max', field: 'vigil.score', label: 'Highest score' }],
      },
    },
    {
      key: 'attack',
      title: 'Anomalies by ATT&CK tactic and technique',
      source: 'anomalies',
      where: [ANOMALIES, { field: 'threat.tactic.name', exists: true }],
      grid: { x: 16, y: 21, w: 16, h: 15 },
      viz: {
        type: 'xy',
        series: 'bar_horizontal',
        x: { kind: 'terms', field: 'threat.tactic.name', label: 'Tactic', size: 10 },
        split: { kind: 'terms', field: 'threat.technique.id', label: 'Technique', size: 5 },
        metrics: [{ op: 'count', label: 'Anomalies' }],
      },
    },
    {
      key: 'by-job',
      title: 'Anomalies by job',
      source: 'anomalies',
      where: [ANOMALIES],
      grid: { x: 32, y: 21, w: 16, h: 15 },
      viz: {
        type: 'xy',
        series: 'bar_horizontal',
        x: { kind: 'terms', field: 'vigil.job_id', label: 'Job', size: 10 },
        split: { kind: 'terms', field: 'vigil.severity', label: 'Severity', size: 4 },
        metrics: [{ op: 'count', label: 'Anomalies' }],
      },
    },
    {
      key: 'latest-alerts',
      title: 'Latest alerts',
      source: 'anomalies',
      where: [ANOMALIES, ALERTS],
      grid: { x: 0, y: 36, w: 48, h: 16 },
      viz: {
        type: 'table',
        rows: [{ kind: 'terms', field: 'event.reason', label: 'Alert', size: 50, orderBy: 0 }],
        metrics: [
          { op: 'max', field: '@timestamp', label: 'Last seen' },
          { op: 'last_value', field: 'vigil.entity.value', label: 'Entity' },
          { op: 'max', field: 'vigil.score', label: 'Score' },
          { op: 'last_value', field: 'vigil.severity', label: 'Severity' },
          { op: 'last_value', field: 'vigil.explanation', label: 'Explanation' },
        ],
        pageSize: 10,
      },
    },
    {
      key: 'alert-rate-by-segment',
      title: 'Alert rate by segment (fairness)',
      source: 'anomalies',
      where: [ANOMALIES, SEGMENTED],
      grid: { x: 0, y: 52, w: 24, h: 14 },
      emptyText: NO_SEGMENTS,
      viz: {
        type: 'xy',
        series: 'bar_horizontal',
        x: { kind: 'terms', field: 'vigil.segment.value', label: 'Segment', size: 20 },
        metrics: [{ op: 'avg', field: 'vigil.segment.alerted', label: 'Alert rate (share of entity-windows)' }],
      },
    },
    {
      key: 'segments',
      title: 'Alerts and entities by segment (fairness)',
      source: 'anomalies',
      where: [ANOMALIES, SEGMENTED],
      grid: { x: 24, y: 52, w: 24, h: 14 },
      emptyText: NO_SEGMENTS,
      viz: {
        type: 'table',
        rows: [{ kind: 'terms', field: 'vigil.segment.value', label: 'Segment', size: 50, orderBy: 2 }],
        metrics: [
          { op: 'unique_count', field: 'vigil.entity.value', label: 'Entities' },
          { op: 'sum', field: 'vigil.segment.alerted', label: 'Alerts' },
          { op: 'avg', field: 'vigil.segment.alerted', label: 'Alert rate' },
        ],
        pageSize: 20,
      },
    },
  ],
};
