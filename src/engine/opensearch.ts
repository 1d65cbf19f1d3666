/**
 * The Engine port over the OpenSearch client (3.x; talks to OpenSearch 2.x and 3.x).
 *
 * OpenSearch specifics: PIT is `POST /idx/_search/point_in_time` / `DELETE /_search/point_in_time`;
 * before 3.3 there is no `_shard_doc`, so paging breaks ties on `_index` + `_id`; lifecycle is
 * ISM (`PUT _plugins/_ism/policies/NAME`, updates need `if_seq_no`/`if_primary_term`), and
 * ISM / Alerting / Notifications are plugins, found with `GET _cat/plugins`.
 */
import { Client } from '@opensearch-project/opensearch';
import { z } from 'zod';
import type { ClusterConfig } from '../config/cluster.js';
import { EngineRequestError, type EngineCapabilities, type EngineInfo, type JsonObject, type LifecyclePolicyResult } from './engine.js';
import { resolveConnection } from './connection-options.js';
import { isMissingEndpoint, requestErrorFrom, toEngineError } from './errors.js';
import { RestEngine, transportParams, type RestRequest, type RestResponse } from './rest-engine.js';
import { seg } from './requests.js';
import { parseResponse } from './responses.js';

const pluginsSchema = z.array(z.looseObject({ component: z.string() }));
const ismPolicySchema = z.looseObject({ _seq_no: z.number(), _primary_term: z.number() });

/** Plugin component names as listed by `_cat/plugins`. */
const PLUGIN = {
  ism: 'opensearch-index-management',
  alerting: 'opensearch-alerting',
  notifications: 'opensearch-notifications',
} as const;

export class OpenSearchEngine extends RestEngine {
  readonly flavour = 'opensearch' as const;
  private readonly client: Client;

  constructor(cluster: ClusterConfig) {
    const connection = resolveConnection(cluster);
    super(connection);
    this.client = new Client({
      nodes: connection.nodes,
      auth: connection.basic ? { ...connection.basic } : undefined,
      // The OpenSearch client has no API-key option; the header is what API-key auth sends.
      headers: connection.apiKey ? { authorization: `ApiKey ${connection.apiKey}` } : undefined,
      ssl: connection.tls,
      requestTimeout: connection.requestTimeoutMs,
      maxRetries: connection.maxRetries,
      name: 'vigil',
    });
  }

  protected async send(request: RestRequest): Promise<RestResponse> {
    try {
      const result = await this.client.transport.request(transportParams(request), {
        ignore: request.ignore ? [...request.ignore] : undefined,
      });
      return { status: result.statusCode ?? 0, body: result.body, headers: (result.headers ?? {}) as RestResponse['headers'] };
    } catch (error) {
      throw toEngineError(error, { url: this.url, operation: request.operation });
    }
  }

  protected async openPit(index: string, keepAlive: string): Promise<string | undefined> {
    try {
      const response = await this.client.createPit({ index: [index], keep_alive: keepAlive });
      return response.body.pit_id;
    } catch (error) {
      const mapped = toEngineError(error, { url: this.url, operation: `open point in time on ${index}` });
      // OpenSearch answers 400 "invalid id" for a pattern that matches no index: nothing to stream.
      if (mapped instanceof EngineRequestError && mapped.status === 400 && (await this.count(index)) === 0) return undefined;
      throw mapped;
    }
  }

  protected async closePit(id: string): Promise<void> {
    try {
      await this.client.deletePit({ body: { pit_id: [id] } });
    } catch (error) {
      throw toEngineError(error, { url: this.url, operation: 'close point in time' });
    }
  }

  protected pitTiebreakers(info: EngineInfo): readonly string[] {
    // `_shard_doc` arrived in OpenSearch 3.3; before it, `_index` + `_id` make the sort total.
    return info.major > 3 || (info.major === 3 && info.minor >= 3) ? ['_shard_doc'] : ['_index', '_id'];
  }

  protected async detectCapabilities(): Promise<EngineCapabilities> {
    const response = await this.send({ method: 'GET', path: '/_cat/plugins', querystring: { format: 'json' }, operation: 'list plugins' });
    const components = new Set(parseResponse(pluginsSchema, response.body, 'list plugins').map((p) => p.component));
    return {
      ilm: false,
      ism: components.has(PLUGIN.ism),
      alerting: components.has(PLUGIN.alerting),
      notifications: components.has(PLUGIN.notifications),
    };
  }

  async putLifecyclePolicy(name: string, policy: JsonObject): Promise<LifecyclePolicyResult> {
    if (!(await this.info()).capabilities.ism) return 'unsupported';
    const operation = `put ISM policy ${name}`;
    const path = `/_plugins/_ism/policies/${seg(name)}`;
    const existing = await this.send({ method: 'GET', path, ignore: [400, 404, 405], operation });
    if (isMissingEndpoint(existing.status, existing.body)) return 'unsupported';
    // ISM refuses to overwrite a policy without its current version.
    const querystring =
      existing.status === 200
        ? (({ _seq_no, _primary_term }) => ({ if_seq_no: _seq_no, if_primary_term: _primary_term }))(
            parseResponse(ismPolicySchema, existing.body, operation),
          )
        : undefined;
    const response = await this.send({ method: 'PUT', path, querystring, body: policy, ignore: [400, 404, 405], operation });
    if (response.status < 300) return 'applied';
    if (isMissingEndpoint(response.status, response.body)) return 'unsupported';
    throw requestErrorFrom(response.status, response.body, operation);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
