/**
 * Builds the right Engine for a cluster. With `flavour: auto` the cluster is asked first: the
 * probe goes through the OpenSearch client because it sends plain requests (the Elasticsearch
 * client refuses answers without its product header), then the adapter is chosen by
 * `version.distribution` / `x-elastic-product` (see identify.ts).
 */
import type { ClusterConfig } from '../config/cluster.js';
import { EngineRequestError, type Engine } from './engine.js';
import { ElasticsearchEngine } from './elasticsearch.js';
import { OpenSearchEngine } from './opensearch.js';

export async function connectEngine(cluster: ClusterConfig): Promise<Engine> {
  if (cluster.flavour === 'elasticsearch') return new ElasticsearchEngine(cluster);
  if (cluster.flavour === 'opensearch') return new OpenSearchEngine(cluster);

  const probe = new OpenSearchEngine(cluster);
  let keepProbe = false;
  try {
    const identity = await probe.identify();
    if (identity.flavour === 'opensearch') {
      keepProbe = true;
      return probe;
    }
    if (identity.flavour === 'elasticsearch') return new ElasticsearchEngine(cluster);
    throw new EngineRequestError(
      0,
      'unknown_flavour',
      `the cluster (version ${identity.version}) did not say whether it is Elasticsearch or OpenSearch; set cluster.flavour`,
      'identify the cluster',
    );
  } finally {
    if (!keepProbe) await probe.close();
  }
}
