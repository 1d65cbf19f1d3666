/**
 * The three indices the dashboards read, with the index patterns Vigil's default configuration
 * writes (output.anomaly_index / status_index / dead_letter_index, read through `<name>*` so
 * monthly anomaly indices are covered too).
 */
import type { DataSource, SourceId } from './model.js';

/**
 * Drilldown from an entity to the raw events: the entity value as a quoted free-text query in
 * Discover. Free text searches every field leniently (an IP entity does not break keyword fields
 * and vice versa) and Discover opens on the user's default data view, i.e. their security events.
 */
const KIBANA_DISCOVER = "/app/discover#/?_a=(query:(language:kuery,query:'%22{{value}}%22'))";
const OSD_DISCOVER = "/app/data-explorer/discover#?_q=(query:(language:kuery,query:'%22{{value}}%22'))";

export const SOURCES: Readonly<Record<SourceId, DataSource>> = {
  anomalies: {
    id: 'anomalies',
    savedObjectId: 'vigil-anomalies',
    title: 'vigil-anomalies*',
    name: 'Vigil anomalies',
    timeField: '@timestamp',
    template: 'anomalies.index-template.json',
    urlFields: { 'vigil.entity.value': { kibana: KIBANA_DISCOVER, opensearch: OSD_DISCOVER, label: '{{value}}' } },
  },
  status: {
    id: 'status',
    savedObjectId: 'vigil-status',
    title: 'vigil-status*',
    name: 'Vigil pipeline status',
    timeField: '@timestamp',
    template: 'status.index-template.json',
  },
  deadLetter: {
    id: 'deadLetter',
    savedObjectId: 'vigil-dead-letter',
    title: 'vigil-dead-letter*',
    name: 'Vigil dead-lettered alerts',
    timeField: '@timestamp',
    template: 'dead-letter.index-template.json',
  },
};
