/**
 * The OpenSearch Dashboards integration (plugin/opensearch-dashboards) against the integration
 * template schema of dashboards-observability (vendored in test/fixtures/dashboards-observability,
 * provenance in its README), validated with ajv as `validateTemplate` does, plus its extra rule:
 * the integration's `type` names one of its components. An integration that fails is dropped
 * silently by OpenSearch Dashboards, so drift must fail here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../../../src/dashboards/elastic-package.js';

const ROOT = 'plugin/opensearch-dashboards/vigil';
const schema = JSON.parse(readFileSync('test/fixtures/dashboards-observability/integration-template.schema.json', 'utf8')) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);

interface Template {
  type: string;
  components: { name: string; version: string }[];
  assets: { name: string; version: string; extension: string }[];
  statics?: { logo?: { path: string }; gallery?: { path: string }[] };
}

/** validateTemplate: the schema, then "the integration type must be included as a component". */
function validateTemplate(data: unknown): string[] {
  if (!validate(data)) return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  const template = data as Template;
  return template.components.some((c) => c.name === template.type) ? [] : [`The integration type '${template.type}' must be included as a component`];
}

const config = JSON.parse(readFileSync(`${ROOT}/${PACKAGE_NAME}-${PACKAGE_VERSION}.json`, 'utf8')) as Template;

describe('OpenSearch Dashboards integration: catalog schema', () => {
  it('passes validateTemplate', () => {
    assert.deepEqual(validateTemplate(config), []);
  });

  it('every file the template names exists (components, assets, statics)', () => {
    for (const c of config.components) assert.ok(existsSync(`${ROOT}/schemas/${c.name}-${c.version}.mapping.json`), c.name);
    for (const a of config.assets) assert.ok(existsSync(`${ROOT}/assets/${a.name}-${a.version}.${a.extension}`), a.name);
    for (const s of [config.statics?.logo, ...(config.statics?.gallery ?? [])]) if (s) assert.ok(existsSync(`${ROOT}/static/${s.path}`), s.path);
  });

  it('the validator is not vacuous: the defects it was written for are caught', () => {
    const withTags = structuredClone(config);
    withTags.statics!.gallery![0] = { ...withTags.statics!.gallery![0], tags: ['dashboard'], 'savedObject-id': 'x' } as { path: string };
    assert.match(validateTemplate(withTags).join('\n'), /must NOT have additional properties/);
    assert.deepEqual(validateTemplate({ ...config, type: 'logs' }), ["The integration type 'logs' must be included as a component"]);
    assert.match(validateTemplate({ ...config, extra: 1 }).join('\n'), /additionalProperty":"extra"/);
  });
});
