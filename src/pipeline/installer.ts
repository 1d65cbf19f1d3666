/**
 * `vigil install`: puts Vigil's index templates, component templates and lifecycle policies on the
 * cluster — idempotently (PUT overwrites with the same content) — and reports each step as
 * applied, unsupported (a lifecycle feature the cluster lacks) or skipped.
 *
 * The files in mappings/ name the default indices (vigil-anomalies, vigil-state, …); the installer
 * rewrites their index patterns, template names and policy patterns from the config's `output`
 * section, so several Vigil installations with different index names can share a cluster.
 */
import { markInstalled } from './preflight.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine, JsonObject, JsonValue } from '../engine/engine.js';
import type { VigilConfig } from '../config/schema.js';
import { applyKibanaDefinitions, installAlertingDefinitions, siemOptionsFrom } from '../alerting/siem-definitions.js';
import { installDashboards } from '../dashboards/install.js';
import { bundleFile } from '../dashboards/import.js';
import { durationMs } from '../config/duration.js';

export type InstallResult = 'applied' | 'unsupported' | 'skipped' | 'failed';

export interface InstallStep {
  readonly kind: 'component_template' | 'index_template' | 'lifecycle_policy' | 'dashboards' | 'alerting_definitions';
  readonly name: string;
  readonly result: InstallResult;
  readonly detail?: string;
}

export interface InstallOptions {
  /** Directory holding the template files (default: the package's mappings/). */
  readonly mappingsDir?: string;
  /** Kibana URL: import the dashboards there (src/dashboards). */
  readonly kibanaUrl?: string;
  /** OpenSearch Dashboards URL: import the dashboards there (src/dashboards). */
  readonly dashboardsUrl?: string;
  /** Skip the host SIEM's alerting definitions (Kibana rule / OpenSearch monitor). */
  readonly skipAlertingDefinitions?: boolean;
}

/** The package's mappings/ directory, found upwards from this module (works from src/ and from dist/src/). */
export function findMappingsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'mappings');
    if (existsSync(join(candidate, 'anomalies.index-template.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find the mappings/ directory of the Vigil package (expected mappings/anomalies.index-template.json)');
}

function readJson(dir: string, file: string): JsonObject {
  const path = join(dir, file);
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as JsonValue;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return stripComments(parsed);
  } catch (error) {
    throw new Error(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** `_comment` keys document the files; the engines would refuse them. */
function stripComments(node: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '_comment') continue;
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) ? stripComments(v) : v;
  }
  return out;
}

export const SETTINGS_COMPONENT = 'vigil-settings';

/** Index-template bodies, names and patterns for this config — pure, so it is unit-tested without a cluster. */
export function plannedTemplates(
  config: Pick<VigilConfig, 'output' | 'pipeline'> & Partial<Pick<VigilConfig, 'privacy' | 'feedback'>>,
  mappingsDir: string,
): {
  component: { name: string; body: JsonObject }[];
  index: { name: string; body: JsonObject }[];
} {
  const { output, pipeline } = config;
  const component = [{ name: SETTINGS_COMPONENT, body: readJson(mappingsDir, 'vigil-settings.component-template.json') }];
  const anomalies = readJson(mappingsDir, 'anomalies.index-template.json');
  // Exact names, and priorities that grow with the name: deployments whose names are prefixes of
  // each other (vigil-anom-u300, vigil-anom-u3000) never share a pattern at one priority, which the
  // engines refuse. The dashboards still read `<name>*`.
  const exact = (name: string, body: JsonObject): { name: string; body: JsonObject } => ({
    name,
    body: { ...body, index_patterns: [name], priority: specificPriority(body, name) },
  });
  const index: { name: string; body: JsonObject }[] = [
    exact(output.anomaly_index, anomalies),
    exact(output.state_index, readJson(mappingsDir, 'state.index-template.json')),
    exact(output.status_index, readJson(mappingsDir, 'status.index-template.json')),
  ];
  if (existsSync(join(mappingsDir, 'dead-letter.index-template.json'))) {
    index.push(exact(output.dead_letter_index, readJson(mappingsDir, 'dead-letter.index-template.json')));
  }
  if (config.feedback) {
    const feedback = config.feedback.index;
    index.push(exact(feedback, readJson(mappingsDir, 'feedback.index-template.json')));
  }
  if (config.privacy && config.privacy.pseudonymise.length > 0) {
    const vault = config.privacy.vault_index;
    index.push(exact(vault, readJson(mappingsDir, 'privacy-vault.index-template.json')));
  }
  if (pipeline.anomaly_index_period === 'month') {
    // Monthly indices carry the lifecycle policy (ILM needs it as an index setting; the engine
    // adapter drops the setting where ILM is absent, and OpenSearch attaches ISM via ism_template).
    const inner = (anomalies.template ?? {}) as JsonObject;
    const settings = (inner.settings ?? {}) as JsonObject;
    index.push({
      name: `${output.anomaly_index}-monthly`,
      body: {
        ...anomalies,
        index_patterns: [`${output.anomaly_index}-*`],
        priority: specificPriority({ priority: Number(anomalies.priority ?? 200) + 10 }, output.anomaly_index),
        template: { ...inner, settings: { ...settings, 'index.lifecycle.name': lifecyclePolicyName(output.anomaly_index) } },
      },
    });
  }
  return { component, index };
}

/**
 * The file's base priority (200 anomalies, 201 state, 202 status, 203 dead letter, 210 monthly)
 * plus 10 per character of the name: the longer (more specific) name wins where patterns overlap
 * (`x-*` of a monthly deployment `x` and another deployment `x-y`), and kinds never tie.
 */
export function specificPriority(body: JsonObject, name: string): number {
  return Number(body.priority ?? 200) + 10 * name.length;
}

export function lifecyclePolicyName(anomalyIndex: string): string {
  return `${anomalyIndex}-retention`;
}

/** The engine-native lifecycle policy for monthly anomaly indices, with the configured retention. */
export function plannedLifecyclePolicy(
  flavour: 'elasticsearch' | 'opensearch',
  config: Pick<VigilConfig, 'output' | 'pipeline'>,
  mappingsDir: string,
): JsonObject {
  const retentionDays = Math.max(1, Math.round(durationMs(config.pipeline.retention) / 86_400_000));
  const warmDays = 35;
  if (flavour === 'elasticsearch') {
    const body = readJson(mappingsDir, 'anomalies.ilm-policy.json');
    const policy = body.policy as JsonObject;
    const phases = { ...(policy.phases as JsonObject) };
    phases.delete = { min_age: `${retentionDays}d`, actions: { delete: {} } };
    if (retentionDays <= warmDays) delete phases.warm;
    return { policy: { ...policy, phases } };
  }
  const body = readJson(mappingsDir, 'anomalies.ism-policy.json');
  const policy = body.policy as JsonObject;
  let states = (policy.states as JsonObject[]).map((state): JsonObject => ({
    ...state,
    transitions: ((state.transitions as JsonObject[]) ?? []).map((t) =>
      t.state_name === 'delete' ? { ...t, conditions: { min_index_age: `${retentionDays}d` } } : t,
    ),
  }));
  if (retentionDays <= warmDays) {
    states = states
      .filter((s) => s.name !== 'warm')
      .map((s): JsonObject =>
        s.name === 'hot' ? { ...s, transitions: [{ state_name: 'delete', conditions: { min_index_age: `${retentionDays}d` } }] } : s,
      );
  }
  return {
    policy: {
      ...policy,
      states,
      ism_template: [
        {
          index_patterns: [`${config.output.anomaly_index}-*`],
          priority: specificPriority({ priority: 100 }, config.output.anomaly_index),
        },
      ],
    },
  };
}

export async function install(engine: Engine, config: VigilConfig, options: InstallOptions = {}): Promise<InstallStep[]> {
  const dir = options.mappingsDir ?? findMappingsDir();
  const steps: InstallStep[] = [];
  const planned = plannedTemplates(config, dir);
  // Component templates first: index templates that compose them are refused otherwise.
  for (const { name, body } of planned.component) {
    await engine.putComponentTemplate(name, body);
    steps.push({ kind: 'component_template', name, result: 'applied' });
  }
  for (const { name, body } of planned.index) {
    await engine.putIndexTemplate(name, body);
    steps.push({ kind: 'index_template', name, result: 'applied', detail: `patterns ${JSON.stringify(body.index_patterns)}` });
  }

  // What backfill / run check before they start (preflight.ts).
  await markInstalled(engine, config);

  // The policy only ever matches monthly indices (`<anomaly_index>-*`), so installing it is
  // harmless with a single index and ready when anomaly_index_period is switched to month.
  const policyName = lifecyclePolicyName(config.output.anomaly_index);
  const lifecycle = engine.flavour === 'elasticsearch' ? 'ILM' : 'ISM';
  const result = await engine.putLifecyclePolicy(policyName, plannedLifecyclePolicy(engine.flavour, config, dir));
  steps.push({
    kind: 'lifecycle_policy',
    name: policyName,
    result,
    detail:
      result === 'unsupported'
        ? `${lifecycle} is not available on this cluster${config.pipeline.anomaly_index_period === 'month' ? '; monthly anomaly indices are kept until deleted by hand' : ''}`
        : config.pipeline.anomaly_index_period === 'month'
          ? `${lifecycle}: monthly anomaly indices deleted after ${config.pipeline.retention}`
          : `${lifecycle} policy ready; it applies once pipeline.anomaly_index_period is "month"`,
  });

  steps.push(...(await installDashboardsStep(config, options)));
  if (!options.skipAlertingDefinitions) steps.push(...(await installAlertingStep(engine, config, options)));
  return steps;
}

// Dashboards (issue 7, src/dashboards): imports the bundle through the saved-objects API of
// Kibana or OpenSearch Dashboards and reports per-object results.
async function installDashboardsStep(config: VigilConfig, options: InstallOptions): Promise<InstallStep[]> {
  const auth = config.cluster.auth;
  const report = await installDashboards({
    kibanaUrl: options.kibanaUrl,
    dashboardsUrl: options.dashboardsUrl,
    ...(auth ? { auth: 'api_key' in auth ? { apiKey: auth.api_key } : { username: auth.username, password: auth.password } } : {}),
    ...(config.cluster.tls.ca_file ? { caFile: config.cluster.tls.ca_file } : {}),
    verifyTls: config.cluster.tls.verify,
  });
  if (report.targets.length === 0) {
    return [
      {
        kind: 'dashboards',
        name: 'dashboards',
        result: 'skipped',
        detail: `no --kibana / --dashboards URL; import ${bundleFile('kibana')} or ${bundleFile('opensearch-dashboards')} (see docs)`,
      },
    ];
  }
  return report.targets.map((t) => ({
    kind: 'dashboards' as const,
    name: `${t.platform} ${t.url}`,
    result: t.success && t.errors.length === 0 ? ('applied' as const) : ('failed' as const),
    detail: `${t.successCount}/${t.objects} saved objects imported${
      t.errors.length
        ? `; failed: ${t.errors
            .slice(0, 5)
            .map((e) => `${e.type} ${e.id}: ${e.error}`)
            .join('; ')}`
        : ''
    }`,
  }));
}

// The host SIEM's alerting definitions (issue 6, src/alerting/siem-definitions.ts): the
// OpenSearch Notifications channel + Alerting monitor on the cluster when it has the plugins, the
// Kibana connector + .es-query rule through Kibana when --kibana is given.
async function installAlertingStep(engine: Engine, config: VigilConfig, options: InstallOptions): Promise<InstallStep[]> {
  const steps = await installAlertingDefinitions({ engine, config });
  if (options.kibanaUrl) {
    const auth = config.cluster.auth;
    const kibanaSteps = await applyKibanaDefinitions(
      {
        url: options.kibanaUrl,
        ...(auth ? { auth: 'api_key' in auth ? { apiKey: auth.api_key } : { username: auth.username, password: auth.password } } : {}),
      },
      siemOptionsFrom(config),
    );
    // The cluster-side answer for Elasticsearch only says "use Kibana": replace it with Kibana's.
    steps.splice(0, steps.length, ...steps.filter((st) => st.target !== 'kibana'), ...kibanaSteps);
  }
  return steps.map((st) => ({
    kind: 'alerting_definitions' as const,
    name: `${st.object.replace(/_/g, ' ')} "${st.name}"`,
    result: st.result === 'skipped' ? ('skipped' as const) : ('applied' as const),
    detail: st.result === 'skipped' ? st.detail : `${st.result}${st.detail ? ` — ${st.detail}` : ''}`,
  }));
}
