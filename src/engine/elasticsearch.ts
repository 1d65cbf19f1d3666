/**
 * The Engine port over the official Elasticsearch client (8.19; talks to Elasticsearch 8.x and 9.x).
 *
 * Elasticsearch specifics: PIT is `POST /idx/_pit` / `DELETE /_pit` with the `_shard_doc`
 * tiebreaker; lifecycle is ILM (`PUT _ilm/policy/NAME`), absent from the minimal distribution;
 * the minimal distribution also has no `GET /` (identity falls back to `_nodes/_local`).
 */
import { Client } from '@elastic/elasticsearch';
import { z } from 'zod';
import type { ClusterConfig } from '../config/cluster.js';
import type { EngineCapabilities, EngineInfo, JsonObject, LifecyclePolicyResult } from './engine.js';
import { resolveConnection, retryBackoffSeconds } from './connection-options.js';
import { isMissingEndpoint, requestErrorFrom, toEngineError } from './errors.js';
import { RestEngine, transportParams, type RestRequest, type RestResponse } from './rest-engine.js';
import { seg } from './requests.js';
import { parseResponse } from './responses.js';

/** Index privileges to verify, e.g. `{ names: ['logs-*'], privileges: ['read'] }`. */
export interface IndexPrivilegeCheck {
  readonly names: readonly string[];
  readonly privileges: readonly string[];
}

export type PrivilegeReport =
  /** Security is off (or not Elasticsearch security): nothing to check beyond trying the requests. */
  | { readonly security: false }
  | { readonly security: true; readonly user: string; readonly missing: readonly { readonly index: string; readonly privilege: string }[] };

const authenticateSchema = z.looseObject({ username: z.string() });
const hasPrivilegesSchema = z.looseObject({
  index: z.record(z.string(), z.record(z.string(), z.boolean())).default({}),
});

export class ElasticsearchEngine extends RestEngine {
  readonly flavour = 'elasticsearch' as const;
  private readonly client: Client;
  /** The client's default backoff waits 1–4 s between retries; a dead node should fail within a second. */
  private readonly backoff = (_min: number, _max: number, attempt: number): number => retryBackoffSeconds(attempt);

  constructor(cluster: ClusterConfig) {
    const connection = resolveConnection(cluster);
    super(connection);
    this.client = new Client({
      nodes: connection.nodes,
      auth: connection.apiKey ? { apiKey: connection.apiKey } : connection.basic,
      tls: connection.tls,
      requestTimeout: connection.requestTimeoutMs,
      maxRetries: connection.maxRetries,
      name: 'vigil',
    });
  }

  protected async send(request: RestRequest): Promise<RestResponse> {
    try {
      const result = await this.client.transport.request(transportParams(request), {
        meta: true,
        ignore: request.ignore ? [...request.ignore] : undefined,
        retryBackoff: this.backoff,
      });
      return { status: result.statusCode ?? 0, body: result.body, headers: result.headers ?? {} };
    } catch (error) {
      throw toEngineError(error, { url: this.url, operation: request.operation });
    }
  }

  protected async openPit(index: string, keepAlive: string): Promise<string | undefined> {
    try {
      // A pattern matching nothing still gets a (empty) PIT on Elasticsearch.
      const response = await this.client.openPointInTime({ index, keep_alive: keepAlive }, { retryBackoff: this.backoff });
      return response.id;
    } catch (error) {
      throw toEngineError(error, { url: this.url, operation: `open point in time on ${index}` });
    }
  }

  protected async closePit(id: string): Promise<void> {
    try {
      await this.client.closePointInTime({ id }, { retryBackoff: this.backoff });
    } catch (error) {
      throw toEngineError(error, { url: this.url, operation: 'close point in time' });
    }
  }

  protected pitTiebreakers(_info: EngineInfo): readonly string[] {
    return ['_shard_doc'];
  }

  protected async detectCapabilities(): Promise<EngineCapabilities> {
    // Without the ILM module, `GET _ilm/status` has no handler (400/404/405).
    const ilm = await this.send({ method: 'GET', path: '/_ilm/status', ignore: [400, 403, 404, 405], operation: 'probe ILM' });
    return { ilm: ilm.status === 200, ism: false, alerting: false, notifications: false };
  }

  async putLifecyclePolicy(name: string, policy: JsonObject): Promise<LifecyclePolicyResult> {
    if (!(await this.info()).capabilities.ilm) return 'unsupported';
    const response = await this.send({
      method: 'PUT',
      path: `/_ilm/policy/${seg(name)}`,
      body: policy,
      ignore: [400, 404, 405],
      operation: `put ILM policy ${name}`,
    });
    if (response.status < 300) return 'applied';
    if (isMissingEndpoint(response.status, response.body)) return 'unsupported';
    throw requestErrorFrom(response.status, response.body, `put ILM policy ${name}`);
  }

  /**
   * Which of the requested index privileges the connected user lacks (`_has_privileges`); used by
   * `vigil doctor`. Reports `security: false` when Elasticsearch security is off.
   */
  async indexPrivileges(checks: readonly IndexPrivilegeCheck[]): Promise<PrivilegeReport> {
    const who = await this.send({
      method: 'GET',
      path: '/_security/_authenticate',
      ignore: [400, 404, 405, 500],
      operation: 'authenticate',
    });
    if (who.status !== 200) return { security: false };
    const user = parseResponse(authenticateSchema, who.body, 'authenticate').username;
    const body: JsonObject = { index: checks.map((c) => ({ names: [...c.names], privileges: [...c.privileges] })) };
    const answer = await this.send({ method: 'POST', path: '/_security/user/_has_privileges', body, operation: 'check privileges' });
    const granted = parseResponse(hasPrivilegesSchema, answer.body, 'check privileges').index;
    const missing = Object.entries(granted).flatMap(([index, privileges]) =>
      Object.entries(privileges)
        .filter(([, ok]) => !ok)
        .map(([privilege]) => ({ index, privilege })),
    );
    return { security: true, user, missing };
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
