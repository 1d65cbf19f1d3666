/**
 * The one place where the embedded engine versions are pinned.
 *
 * These are the newest 2.x / 8.x integration-test distributions on Maven Central that run on
 * JDK 17 (OpenSearch 3.x and Elasticsearch 9.x need JDK 21). Tests, CI, `vigil demo` and the
 * benchmarks all start engines through `launcher.ts`, which reads this table.
 */
export type EngineFlavour = 'opensearch' | 'elasticsearch';

export interface EmbeddedEngineSpec {
  readonly flavour: EngineFlavour;
  readonly version: string;
  /** Maven coordinates without the version: group:artifact */
  readonly artifact: string;
  /** Default loopback HTTP / transport ports; chosen away from 9200/9300 so a real local cluster is never touched. */
  readonly httpPort: number;
  readonly transportPort: number;
}

export const EMBEDDED_ENGINES: Readonly<Record<EngineFlavour, EmbeddedEngineSpec>> = {
  opensearch: {
    flavour: 'opensearch',
    version: '2.19.6',
    artifact: 'org.opensearch.distribution.integ-test-zip:opensearch',
    httpPort: 9250,
    transportPort: 9350,
  },
  elasticsearch: {
    flavour: 'elasticsearch',
    version: '8.19.21',
    artifact: 'org.elasticsearch.distribution.integ-test-zip:elasticsearch',
    httpPort: 9251,
    transportPort: 9351,
  },
};

/** OpenSearch plugin zips (org.opensearch.plugin) that may be installed into the embedded OpenSearch. */
export const OPENSEARCH_PLUGIN_VERSION = `${EMBEDDED_ENGINES.opensearch.version}.0`;
