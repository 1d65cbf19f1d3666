/**
 * Tells Elasticsearch from OpenSearch and reads the version, from the answers to `GET /` and (for
 * the minimal Elasticsearch distribution, which has no `GET /`) `GET /_nodes/_local`.
 * Elasticsearch ≥ 7.14 marks every answer with `x-elastic-product: Elasticsearch`; OpenSearch
 * names itself in `version.distribution`.
 */
import type { EngineFlavour } from './engine.js';
import { nodesInfoSchema, rootInfoSchema } from './responses.js';

export interface ProbeAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Identity {
  /** Undefined when the answers do not say (e.g. a proxy strips the product header). */
  readonly flavour?: EngineFlavour;
  readonly version: string;
  readonly clusterName: string;
}

function elasticProductHeader(answer: ProbeAnswer): boolean {
  const value = answer.headers['x-elastic-product'];
  return (Array.isArray(value) ? value[0] : value) === 'Elasticsearch';
}

/** From a successful `GET /`; undefined when the body is not a root-info document. */
export function identifyFromRoot(answer: ProbeAnswer): Identity | undefined {
  if (answer.status !== 200) return undefined;
  const parsed = rootInfoSchema.safeParse(answer.body);
  if (!parsed.success) return undefined;
  const { number, distribution } = parsed.data.version;
  const flavour: EngineFlavour | undefined =
    distribution === 'opensearch' ? 'opensearch' : elasticProductHeader(answer) || distribution === undefined ? 'elasticsearch' : undefined;
  return { flavour, version: number, clusterName: parsed.data.cluster_name };
}

/** From `GET /_nodes/_local`: only Elasticsearch reports a `build_flavor` per node. */
export function identifyFromNodes(answer: ProbeAnswer): Identity | undefined {
  if (answer.status !== 200) return undefined;
  const parsed = nodesInfoSchema.safeParse(answer.body);
  if (!parsed.success) return undefined;
  const node = Object.values(parsed.data.nodes)[0];
  if (!node) return undefined;
  const flavour: EngineFlavour | undefined = elasticProductHeader(answer) || node.build_flavor !== undefined ? 'elasticsearch' : undefined;
  return { flavour, version: node.version, clusterName: parsed.data.cluster_name };
}

/** Supported engines: OpenSearch 2.x/3.x and Elasticsearch 8.x/9.x. */
export function isSupportedVersion(flavour: EngineFlavour, major: number): boolean {
  return flavour === 'opensearch' ? major === 2 || major === 3 : major === 8 || major === 9;
}
