/**
 * Alerting definitions for the host SIEM, on Vigil's anomaly index:
 *
 * - Kibana: a `.webhook` connector and an `.es-query` rule (score range, excludeHitsFromPreviousRun)
 *   — applied through Kibana's HTTP API with a Kibana URL (`applyKibanaDefinitions`);
 * - OpenSearch: a Notifications `webhook` channel and a `query_level_monitor` whose Painless
 *   trigger fires on `ctx.results[0].hits.total.value` — created in the cluster by
 *   `installAlertingDefinitions` when the Alerting / Notifications plugins are there.
 *
 * The same bodies are shipped as files under plugin/alerting/ (built with the defaults) for
 * people who prefer to paste them into Dev Tools. Ids and names are fixed, so re-running the
 * install updates instead of duplicating.
 */
import axios from 'axios';
import { hostAllowed, type AlertingConfig, type SiemAlertingConfig } from '../config/alerting.js';
import type { Engine, JsonObject } from '../engine/engine.js';
import { durationMs } from '../config/duration.js';

export interface SiemDefinitionOptions {
  /** Anomaly index (pattern prefix), e.g. "vigil-anomalies": the rule / monitor read `<index>*`. */
  readonly anomalyIndex: string;
  readonly minScore: number;
  readonly intervalMinutes: number;
  readonly lookbackMinutes: number;
  readonly webhookUrl?: string;
  readonly name: string;
}

export const SIEM_IDS = {
  kibanaConnector: 'vigil-anomalies-webhook',
  kibanaRule: 'vigil-anomalies-rule',
  notificationsChannel: 'vigil-anomalies-webhook',
} as const;

/** Kibana's action group for the Elasticsearch query rule type. */
const ES_QUERY_ACTION_GROUP = 'query matched';

export function siemOptionsFrom(config: {
  output: { anomaly_index: string };
  alerting: Pick<AlertingConfig, 'siem'>;
}): SiemDefinitionOptions {
  return siemOptions(config.output.anomaly_index, config.alerting.siem);
}

export function siemOptions(anomalyIndex: string, siem: SiemAlertingConfig): SiemDefinitionOptions {
  return {
    anomalyIndex,
    minScore: siem.min_score,
    intervalMinutes: Math.max(1, Math.round(durationMs(siem.interval) / 60_000)),
    lookbackMinutes: Math.max(1, Math.round(durationMs(siem.lookback) / 60_000)),
    webhookUrl: siem.webhook_url,
    name: siem.name,
  };
}

/** The filter both SIEMs apply: alert-level anomalies at or above the score. */
function anomalyFilter(o: SiemDefinitionOptions): JsonObject[] {
  return [{ range: { 'vigil.score': { gte: o.minScore } } }, { term: { 'vigil.is_alert': true } }];
}

// ---- OpenSearch ----------------------------------------------------------------------------------

/** `POST _plugins/_notifications/configs` body; null without a webhook URL. */
export function openSearchChannel(o: SiemDefinitionOptions): JsonObject | null {
  if (!o.webhookUrl) return null;
  return {
    config_id: SIEM_IDS.notificationsChannel,
    config: {
      name: `${o.name} webhook`,
      description: 'Vigil anomaly notifications from the OpenSearch Alerting monitor (created by vigil install)',
      config_type: 'webhook',
      is_enabled: true,
      webhook: { url: o.webhookUrl, method: 'POST', header_params: { 'Content-Type': 'application/json' } },
    },
  };
}

/** Mustache message: JSON with the count and the top anomalies (OpenSearch's mustache escapes values for JSON). */
const MONITOR_MESSAGE = [
  '{"source":"vigil-opensearch-monitor","monitor":"{{ctx.monitor.name}}","trigger":"{{ctx.trigger.name}}",',
  '"period_end":"{{ctx.periodEnd}}","count":{{ctx.results.0.hits.total.value}},"anomalies":[',
  '{{#ctx.results.0.hits.hits}}{"id":"{{_id}}","job":"{{_source.vigil.job_id}}","entity_field":"{{_source.vigil.entity.field}}",',
  '"entity":"{{_source.vigil.entity.value}}","score":{{_source.vigil.score}},"severity":"{{_source.vigil.severity}}",',
  '"reason":"{{_source.event.reason}}","window_end":"{{_source.vigil.window.end}}"},{{/ctx.results.0.hits.hits}}{}]}',
].join('');

/** The monitor's search input: anomalies whose window ended within the look-back, best first. */
export function openSearchMonitorQuery(o: SiemDefinitionOptions): JsonObject {
  return {
    size: 20,
    sort: [{ 'vigil.score': { order: 'desc' } }],
    query: {
      bool: {
        filter: [
          { range: { '@timestamp': { gt: `{{period_end}}||-${o.lookbackMinutes}m`, lte: '{{period_end}}', format: 'epoch_millis' } } },
          ...anomalyFilter(o),
        ],
      },
    },
  };
}

export const MONITOR_CONDITION = 'ctx.results[0].hits.total.value > 0';

/** `POST _plugins/_alerting/monitors` body. The action is attached only when a channel exists. */
export function openSearchMonitor(o: SiemDefinitionOptions, withAction = Boolean(o.webhookUrl)): JsonObject {
  const actions: JsonObject[] = withAction
    ? [
        {
          name: `${o.name}: notify`,
          destination_id: SIEM_IDS.notificationsChannel,
          subject_template: { source: `${o.name}: {{ctx.results.0.hits.total.value}} anomalies`, lang: 'mustache' },
          message_template: { source: MONITOR_MESSAGE, lang: 'mustache' },
          throttle_enabled: true,
          throttle: { value: o.intervalMinutes, unit: 'MINUTES' },
        },
      ]
    : [];
  return {
    type: 'monitor',
    monitor_type: 'query_level_monitor',
    name: o.name,
    enabled: true,
    schedule: { period: { interval: o.intervalMinutes, unit: 'MINUTES' } },
    inputs: [{ search: { indices: [`${o.anomalyIndex}*`], query: openSearchMonitorQuery(o) } }],
    triggers: [
      {
        name: `${o.name}: score ≥ ${o.minScore}`,
        severity: '1',
        condition: { script: { source: MONITOR_CONDITION, lang: 'painless' } },
        actions,
      },
    ],
  };
}

// ---- Kibana --------------------------------------------------------------------------------------

/** `POST /api/actions/connector/{id}` body; null without a webhook URL. */
export function kibanaConnector(o: SiemDefinitionOptions): JsonObject | null {
  if (!o.webhookUrl) return null;
  return {
    name: `${o.name} webhook`,
    connector_type_id: '.webhook',
    config: { url: o.webhookUrl, method: 'post', headers: { 'Content-Type': 'application/json' }, hasAuth: false },
    secrets: {},
  };
}

/** Webhook body: objects in Kibana's mustache context render as JSON, triple braces keep them unescaped. */
const RULE_MESSAGE =
  '{"source":"vigil-kibana-rule","rule":"{{rule.name}}","rule_id":"{{rule.id}}","date":"{{context.date}}","count":{{context.value}},' +
  '"title":"{{context.title}}","link":"{{context.link}}","anomalies":{{{context.hits}}}}';

/** `POST /api/alerting/rule/{id}` body. */
export function kibanaRule(o: SiemDefinitionOptions, withAction = Boolean(o.webhookUrl)): JsonObject {
  return {
    name: o.name,
    rule_type_id: '.es-query',
    consumer: 'stackAlerts',
    tags: ['vigil'],
    schedule: { interval: `${o.intervalMinutes}m` },
    params: {
      searchType: 'esQuery',
      index: [`${o.anomalyIndex}*`],
      timeField: '@timestamp',
      esQuery: JSON.stringify({ query: { bool: { filter: anomalyFilter(o) } } }),
      size: 20,
      thresholdComparator: '>',
      threshold: [0],
      timeWindowSize: o.lookbackMinutes,
      timeWindowUnit: 'm',
      // Each anomaly fires once even though consecutive runs' look-back windows overlap.
      excludeHitsFromPreviousRun: true,
      aggType: 'count',
      groupBy: 'all',
    },
    actions: withAction
      ? [
          {
            id: SIEM_IDS.kibanaConnector,
            group: ES_QUERY_ACTION_GROUP,
            params: { body: RULE_MESSAGE },
            frequency: { summary: false, notify_when: 'onActiveAlert', throttle: null },
          },
        ]
      : [],
  };
}

/** Files shipped under plugin/alerting/ (built with the default options). */
export function siemDefinitionFiles(o: SiemDefinitionOptions): Record<string, JsonObject> {
  const files: Record<string, JsonObject> = {
    'kibana/vigil-anomalies.rule.json': kibanaRule(o),
    'opensearch/vigil-anomalies.monitor.json': openSearchMonitor(o),
  };
  const connector = kibanaConnector(o);
  const channel = openSearchChannel(o);
  if (connector) files['kibana/vigil-anomalies.connector.json'] = connector;
  if (channel) files['opensearch/vigil-anomalies.channel.json'] = channel;
  return files;
}

// ---- installing ----------------------------------------------------------------------------------

export type PluginRequest = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: JsonObject,
) => Promise<{ status: number; body: unknown }>;

export interface SiemInstallStep {
  readonly target: 'opensearch' | 'kibana';
  readonly object: 'notifications_channel' | 'alerting_monitor' | 'kibana_connector' | 'kibana_rule';
  readonly name: string;
  readonly result: 'created' | 'updated' | 'skipped';
  readonly detail?: string;
}

export interface InstallSiemOptions {
  /** Explicit options, or taken from `config` (output.anomaly_index + alerting.siem). */
  readonly definitions?: SiemDefinitionOptions;
  readonly config?: { output: { anomaly_index: string }; alerting: Pick<AlertingConfig, 'siem' | 'allowed_hosts'> };
  /** Raw plugin API access; defaults to engine.pluginRequest. */
  readonly request?: PluginRequest;
}

class SiemApiError extends Error {
  constructor(what: string, status: number, body: unknown) {
    super(`${what} failed with HTTP ${status}: ${JSON.stringify(body ?? null).slice(0, 300)}`);
    this.name = 'SiemApiError';
  }
}

/**
 * Creates (or updates) the OpenSearch Notifications channel and Alerting monitor when the
 * cluster has those plugins (`info().capabilities`); reports each object as created, updated or
 * skipped with the reason. Elasticsearch clusters are skipped: their rules live in Kibana
 * (`applyKibanaDefinitions`).
 *
 * Also accepts `({ engine, config })`, the shape `vigil install` calls it with.
 */
export async function installAlertingDefinitions(
  engineOrArgs: Engine | ({ engine: Engine } & InstallSiemOptions),
  maybeOptions: InstallSiemOptions = {},
): Promise<SiemInstallStep[]> {
  const { engine, options } =
    'engine' in engineOrArgs ? { engine: engineOrArgs.engine, options: engineOrArgs } : { engine: engineOrArgs, options: maybeOptions };
  const definitions = options.definitions ?? (options.config ? siemOptionsFrom(options.config) : undefined);
  if (!definitions) throw new Error('installAlertingDefinitions needs `definitions` or `config`');
  if (
    definitions.webhookUrl &&
    options.config &&
    options.config.alerting.allowed_hosts.length > 0 &&
    !hostAllowed(definitions.webhookUrl, options.config.alerting.allowed_hosts)
  ) {
    throw new Error(`alerting.siem.webhook_url host is not in alerting.allowed_hosts`);
  }
  const info = await engine.info();
  const channelName = `${definitions.name} webhook`;
  if (info.flavour === 'elasticsearch') {
    const detail =
      'Elasticsearch: the .webhook connector and .es-query rule are created through Kibana (vigil install --kibana URL), not the cluster';
    return [
      { target: 'kibana', object: 'kibana_connector', name: channelName, result: 'skipped', detail },
      { target: 'kibana', object: 'kibana_rule', name: definitions.name, result: 'skipped', detail },
    ];
  }
  const request = options.request ?? engine.pluginRequest?.bind(engine);
  const steps: SiemInstallStep[] = [];
  const missing = (plugin: string) => `the OpenSearch ${plugin} plugin is not installed on this cluster (${info.version})`;

  let channelReady = false;
  const channel = openSearchChannel(definitions);
  if (!channel)
    steps.push({
      target: 'opensearch',
      object: 'notifications_channel',
      name: channelName,
      result: 'skipped',
      detail: 'alerting.siem.webhook_url is not set: the monitor raises alerts without notifying',
    });
  else if (!info.capabilities.notifications)
    steps.push({
      target: 'opensearch',
      object: 'notifications_channel',
      name: channelName,
      result: 'skipped',
      detail: missing('Notifications'),
    });
  else if (!request)
    steps.push({
      target: 'opensearch',
      object: 'notifications_channel',
      name: channelName,
      result: 'skipped',
      detail: 'the engine adapter offers no plugin API access (Engine.pluginRequest)',
    });
  else {
    steps.push({ target: 'opensearch', object: 'notifications_channel', name: channelName, result: await upsertChannel(request, channel) });
    channelReady = true;
  }

  if (!info.capabilities.alerting)
    steps.push({
      target: 'opensearch',
      object: 'alerting_monitor',
      name: definitions.name,
      result: 'skipped',
      detail: missing('Alerting'),
    });
  else if (!request)
    steps.push({
      target: 'opensearch',
      object: 'alerting_monitor',
      name: definitions.name,
      result: 'skipped',
      detail: 'the engine adapter offers no plugin API access (Engine.pluginRequest)',
    });
  else
    steps.push({
      target: 'opensearch',
      object: 'alerting_monitor',
      name: definitions.name,
      result: await upsertMonitor(request, openSearchMonitor(definitions, channelReady), definitions.name),
    });
  return steps;
}

async function upsertChannel(request: PluginRequest, channel: JsonObject): Promise<'created' | 'updated'> {
  const path = `/_plugins/_notifications/configs/${SIEM_IDS.notificationsChannel}`;
  const existing = await request('GET', path);
  if (existing.status === 200) {
    const updated = await request('PUT', path, { config: channel.config as JsonObject });
    if (updated.status >= 300) throw new SiemApiError('updating the Notifications channel', updated.status, updated.body);
    return 'updated';
  }
  const created = await request('POST', '/_plugins/_notifications/configs', channel);
  if (created.status >= 300) throw new SiemApiError('creating the Notifications channel', created.status, created.body);
  return 'created';
}

async function upsertMonitor(request: PluginRequest, monitor: JsonObject, name: string): Promise<'created' | 'updated'> {
  const found = await request('POST', '/_plugins/_alerting/monitors/_search', {
    size: 1,
    query: { bool: { filter: [{ match_phrase: { 'monitor.name': name } }] } },
  });
  const hit = found.status === 200 ? firstHitId(found.body) : undefined;
  if (hit) {
    const updated = await request('PUT', `/_plugins/_alerting/monitors/${encodeURIComponent(hit)}`, monitor);
    if (updated.status >= 300) throw new SiemApiError('updating the Alerting monitor', updated.status, updated.body);
    return 'updated';
  }
  const created = await request('POST', '/_plugins/_alerting/monitors', monitor);
  if (created.status >= 300) throw new SiemApiError('creating the Alerting monitor', created.status, created.body);
  return 'created';
}

function firstHitId(body: unknown): string | undefined {
  const hits = (body as { hits?: { hits?: { _id?: unknown }[] } } | null)?.hits?.hits;
  const id = hits?.[0]?._id;
  return typeof id === 'string' ? id : undefined;
}

// ---- Kibana (HTTP API) ---------------------------------------------------------------------------

export interface KibanaTarget {
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string } | { readonly apiKey: string };
  /** Kibana space (default space when unset). */
  readonly space?: string;
  readonly timeoutMs?: number;
}

/** Creates or updates the Kibana connector (when a webhook URL is set) and the .es-query rule. */
export async function applyKibanaDefinitions(target: KibanaTarget, definitions: SiemDefinitionOptions): Promise<SiemInstallStep[]> {
  const base = `${target.url.replace(/\/+$/, '')}${target.space ? `/s/${encodeURIComponent(target.space)}` : ''}`;
  const headers: Record<string, string> = { 'kbn-xsrf': 'true', 'content-type': 'application/json' };
  if (target.auth && 'apiKey' in target.auth) headers.authorization = `ApiKey ${target.auth.apiKey}`;
  else if (target.auth)
    headers.authorization = `Basic ${Buffer.from(`${target.auth.username}:${target.auth.password}`).toString('base64')}`;
  const call = async (method: 'GET' | 'POST' | 'PUT', path: string, data?: JsonObject) => {
    const res = await axios.request({
      method,
      url: `${base}${path}`,
      data,
      headers,
      timeout: target.timeoutMs ?? 30_000,
      validateStatus: () => true,
      maxRedirects: 0,
    });
    return { status: res.status, body: res.data as unknown };
  };
  const steps: SiemInstallStep[] = [];
  const connector = kibanaConnector(definitions);
  if (!connector) {
    steps.push({
      target: 'kibana',
      object: 'kibana_connector',
      name: `${definitions.name} webhook`,
      result: 'skipped',
      detail: 'alerting.siem.webhook_url is not set: the rule raises alerts in Kibana without notifying',
    });
  } else {
    const path = `/api/actions/connector/${SIEM_IDS.kibanaConnector}`;
    const existing = await call('GET', path);
    const { connector_type_id: _type, ...update } = connector;
    const res = existing.status === 200 ? await call('PUT', path, update) : await call('POST', path, connector);
    if (res.status >= 300)
      throw new SiemApiError(`${existing.status === 200 ? 'updating' : 'creating'} the Kibana connector`, res.status, res.body);
    steps.push({
      target: 'kibana',
      object: 'kibana_connector',
      name: String(connector.name),
      result: existing.status === 200 ? 'updated' : 'created',
    });
  }
  const rule = kibanaRule(definitions, Boolean(connector));
  const path = `/api/alerting/rule/${SIEM_IDS.kibanaRule}`;
  const existing = await call('GET', path);
  const { rule_type_id: _rt, consumer: _c, ...ruleUpdate } = rule;
  const res = existing.status === 200 ? await call('PUT', path, ruleUpdate) : await call('POST', path, rule);
  if (res.status >= 300)
    throw new SiemApiError(`${existing.status === 200 ? 'updating' : 'creating'} the Kibana rule`, res.status, res.body);
  steps.push({ target: 'kibana', object: 'kibana_rule', name: definitions.name, result: existing.status === 200 ? 'updated' : 'created' });
  return steps;
}
