/** Dashboard 2 — Entity investigation: one entity (picked in the controls) and why it scored. */
import type { Condition, DashboardSpec } from '../model.js';

const ANOMALIES: Condition = { field: 'event.dataset', equals: 'vigil.anomaly' };

const HOW_TO_KIBANA = [
  '**Pick an entity** in the *Entity* control above (or type `vigil.entity.value : "alice"` in the query bar).',
  '',
  'Every panel then shows that entity only: its score, the feature that drove each anomaly (actual vs typical), the models that fired and the IPs, hosts and users seen with it.',
  '',
  '**Raw events:** click the entity in *Raw events* at the bottom. Discover opens on your default data view with the entity as the query; narrow the time range to the window shown there.',
].join('\n');

const HOW_TO_OSD = HOW_TO_KIBANA.replace('in the *Entity* control above', 'in the *Entity* control').replace('Discover opens on your default data view', 'Discover opens on your default index pattern');

export const entityInvestigation: DashboardSpec = {
  key: 'entity-investigation',
  id: 'vigil-entity-investigation',
  title: '[Vigil] Entity investigation',
  description: "One entity's anomalies: score over time, features actual vs typical, models that fired, related IPs / hosts / users, and a link to its raw events.",
  timeFrom: 'now-7d',
  controls: [
    { key: 'entity', source: 'anomalies', field: 'vigil.entity.value', label: 'Entity' },
    { key: 'entity-field', source: 'anomalies', field: 'vigil.entity.field', label: 'Entity type' },
    { key: 'job', source: 'anomalies', field: 'vigil.job_id', label: 'Job' },
  ],
  panels: [
    { key: 'how-to', title: 'How to investigate', source: 'anomalies', where: [], grid: { x: 0, y: 0, w: 16, h: 8 }, viz: { type: 'markdown', kibana: HOW_TO_KIBANA, opensearch: HOW_TO_OSD } },
    { key: 'max-score', title: 'Highest score', source: 'anomalies', where: [ANOMALIES], grid: { x: 16, y: 0, w: 8, h: 8 }, viz: { type: 'metric', metric: { op: 'max', field: 'vigil.score', label: 'Highest score' } } },
    { key: 'alerts', title: 'Alerts', source: 'anomalies', where: [ANOMALIES, { field: 'vigil.is_alert', equals: true }], grid: { x: 24, y: 0, w: 8, h: 8 }, viz: { type: 'metric', metric: { op: 'count', label: 'Alerts' } } },
    { key: 'windows', title: 'Windows scored', source: 'anomalies', where: [ANOMALIES], grid: { x: 32, y: 0, w: 8, h: 8 }, viz: { type: 'metric', metric: { op: 'count', label: 'Windows' } } },
    { key: 'events', title: 'Events in those windows', source: 'anomalies', where: [ANOMALIES], grid: { x: 40, y: 0, w: 8, h: 8 }, viz: { type: 'metric', metric: { op: 'sum', field: 'vigil.event_count', label: 'Events' } } },
    {
      key: 'score-over-time',
      title: 'Score over time',
      source: 'anomalies',
      where: [ANOMALIES],
      grid: { x: 0, y: 8, w: 32, h: 14 },
      viz: {
        type: 'xy',
        series: 'line',
        x: { kind: 'date_histogram', field: '@timestamp', label: 'Time' },
        split: { kind: 'terms', field: 'vigil.job_id', label: 'Job', size: 5 },
        metrics: [{ op: 'max', field: 'vigil.score', label: 'Score' }],
      },
    },
    {
      key: 'models-fired',
      title: 'Models that fired',
      source: 'anomalies',
      where: [ANOMALIES, { field: 'vigil.models_fired', exists: true }],
      grid: { x: 32, y: 8, w: 16, h: 14 },
      viz: {
        type: 'xy',
        series: 'bar_horizontal',
        x: { kind: 'terms', field: 'vigil.models_fired', label: 'Model', size: 5 },
        metrics: [{ op: 'count', label: 'Windows' }],
      },
    },
    {
      key: 'feature-actual-typical',
      title: 'Top feature: actual vs typical',
      source: 'anomalies',
      where: [ANOMALIES, { field: 'vigil.top_feature_actual', exists: true }],
      grid: { x: 0, y: 22, w: 24, h: 14 },
      viz: {
        type: 'xy',
        series: 'line',
        x: { kind: 'date_histogram', field: '@timestamp', label: 'Time' },
        metrics: [
          { op: 'avg', field: 'vigil.top_feature_actual', label: 'Actual' },
          { op: 'avg', field: 'vigil.top_feature_typical', label: 'Typical' },
        ],
      },
    },
    {
      key: 'features',
      title: 'Features behind the anomalies',
      source: 'anomalies',
      where: [ANOMALIES, { field: 'vigil.top_feature', exists: true }],
      grid: { x: 24, y: 22, w: 24, h: 14 },
      viz: {
        type: 'table',
        rows: [{ kind: 'terms', field: 'vigil.top_feature', label: 'Feature', size: 10, orderBy: 0 }],
        metrics: [
          { op: 'count', label: 'Windows' },
          { op: 'avg', field: 'vigil.top_feature_actual', label: 'Actual (avg)' },
          { op: 'avg', field: 'vigil.top_feature_typical', label: 'Typical (avg)' },
          { op: 'max', field: 'vigil.score', label: 'Highest score' },
        ],
      },
    },
    {
      key: 'model-scores',
      title: 'Model scores over time',
      source: 'anomalies',
      where: [ANOMALIES],
      grid: { x: 0, y: 36, w: 32, h: 14 },
      viz: {
        type: 'xy',
        series: 'line',
        x: { kind: 'date_histogram', field: '@timestamp', label: 'Time' },
        metrics: [
          { op: 'max', field: 'vigil.models.iforest', label: 'Isolation forest' },
          { op: 'max', field: 'vigil.models.zscore', label: 'Z-score' },
          { op: 'max', field: 'vigil.models.rarity', label: 'Rarity' },
          { op: 'max', field: 'vigil.models.sequence', label: 'Sequence' },
          { op: 'max', field: 'vigil.models.beaconing', label: 'Beaconing' },
        ],
      },
    },
    {
      key: 'techniques',
      title: 'ATT&CK techniques',
      source: 'anomalies',
      where: [ANOMALIES, { field: 'threat.technique.name', exists: true }],
      grid: { x: 32, y: 36, w: 16, h: 14 },
      viz: {
        type: 'xy',
        series: 'bar_horizontal',
        x: { kind: 'terms', field: 'threat.technique.name', label: 'Technique', size: 8 },
        metrics: [{ op: 'count', label: 'Windows' }],
      },
    },
    {
      key: 'related-ips',
      title: 'Related IPs',
      source: 'anomalies',
      where: [ANOMALIES, { field: 'related.ip', exists: true }],
      grid: { x: 0, y: 50, w: 16, h: 12 },
      viz: { type: 'table', rows: [{ kind: 'terms', field: 'related.ip', label: 'IP', size: 20 }], metrics: [{ op: 'count', label: 'Windows' }] },
    },
    {
      key: 'related-hosts',
      title: 'Related hosts',
      source: 'anomalies',
      where: [ANOMALIES, { field: 'related.hosts', exists: true }],
      grid: { x: 16, y: 50, w: 16, h: 12 },
      viz: { type: 'table', rows: [{ kind: 'terms', field: 'related.hosts', label: 'Host', size: 20 }], metrics: [{ op: 'count', label: 'Windows' }] },
    },
    {
      key: 'related-users',
      title: 'Related users',
      source: 'anomalies',
      where: [ANOMALIES, { field: 'related.user', exists: true }],
      grid: { x: 32, y: 50, w: 16, h: 12 },
      viz: { type: 'table', rows: [{ kind: 'terms', field: 'related.user', label: 'User', size: 20 }], metrics: [{ op: 'count', label: 'Windows' }] },
    },
    {
      key: 'raw-events',
      title: 'Raw events (click an entity to open Discover)',
      source: 'anomalies',
      where: [ANOMALIES],
      grid: { x: 0, y: 62, w: 48, h: 14 },
      viz: {
        type: 'table',
        rows: [{ kind: 'terms', field: 'vigil.entity.value', label: 'Entity (opens Discover)', size: 20, orderBy: 0 }],
        metrics: [
          { op: 'max', field: 'vigil.score', label: 'Highest score' },
          { op: 'count', label: 'Windows' },
          { op: 'min', field: 'vigil.window.start', label: 'First window start' },
          { op: 'max', field: 'vigil.window.end', label: 'Last window end' },
          { op: 'last_value', field: 'event.reason', label: 'Latest narrative' },
        ],
        pageSize: 10,
      },
    },
  ],
};
