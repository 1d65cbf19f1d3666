import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../../../src/config/load.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'config');
const fixture = (name: string) => join(fixtures, name);

/** The problems of a configuration that must fail. */
async function problemsOf(load: () => unknown): Promise<readonly string[]> {
  try {
    await load();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('the configuration was accepted');
}

const minimal = (jobExtra = '', clusterExtra = '') => `cluster:
  urls: [http://127.0.0.1:9200]
${clusterExtra}jobs:
  - id: auth
    index: logs-*
${jobExtra}`;

describe('loadConfig', () => {
  it('loads the complete YAML example with defaults filled in and env secrets resolved', async () => {
    process.env.VIGIL_TEST_PASSWORD = 'pw-from-env';
    process.env.VIGIL_TEST_WEBHOOK_SECRET = 'whsec';
    try {
      const config = await loadConfig(fixture('valid.yaml'));
      assert.deepEqual(config.cluster.urls, ['https://search-1.example:9200', 'https://search-2.example:9200']);
      assert.deepEqual(config.cluster.auth, { username: 'vigil', password: 'pw-from-env' });
      assert.equal(config.cluster.flavour, 'auto');
      assert.equal(config.cluster.tls.ca_file, '/etc/vigil/ca.pem');
      assert.equal(config.cluster.request_timeout_ms, 10000);
      assert.equal(config.cluster.max_retries, 2);
      const job = config.jobs[0];
      assert.equal(job.id, 'auth-by-user');
      assert.equal(job.slide, '15m');
      assert.equal(job.features?.length, 3);
      assert.deepEqual(job.threshold, { target_fpr: 0.005 });
      assert.equal(job.partitions, 1);
      assert.equal(job.models.iforest.enabled, true);
      assert.equal(config.schedule.cron, '*/10 * * * *');
      assert.equal(config.output.dead_letter_index, 'vigil-dead-letter');
      assert.equal(config.alerting.connectors[0].secret, 'whsec');
      assert.equal(config.alerting.connectors[0].format, 'generic');
    } finally {
      delete process.env.VIGIL_TEST_PASSWORD;
      delete process.env.VIGIL_TEST_WEBHOOK_SECRET;
    }
  });

  it('loads JSON, with an API key from the environment', async () => {
    process.env.VIGIL_TEST_API_KEY = 'a2V5';
    try {
      const config = await loadConfig(fixture('valid.json'));
      assert.deepEqual(config.cluster.auth, { api_key: 'a2V5' });
      assert.equal(config.jobs[0].preset, 'process_by_host');
      assert.equal(config.jobs[0].window, '1h');
      assert.equal(config.cluster.tls.verify, true);
    } finally {
      delete process.env.VIGIL_TEST_API_KEY;
    }
  });

  it('names the path, the expectation and the type for a wrong type', async () => {
    assert.deepEqual(await problemsOf(() => loadConfig(fixture('wrong-type.yaml'))), [
      'cluster.request_timeout_ms: expected a number, got string "fast"',
    ]);
  });

  it('reports unknown fields, suggesting the near miss', async () => {
    assert.deepEqual(await problemsOf(() => loadConfig(fixture('unknown-field.yaml'))), [
      'jobs[0].colour: unknown field "colour" (remove it or check its spelling)',
      'jobs[0].time_feild: unknown field "time_feild" (did you mean "time_field"?)',
    ]);
  });

  it('reports missing required fields with what they are', async () => {
    assert.deepEqual(await problemsOf(() => loadConfig(fixture('missing-required.yaml'))), [
      'cluster.urls: required (a list of cluster URLs)',
      'jobs[0].index: required (the source index pattern, e.g. logs-*)',
    ]);
  });

  it('explains a bad duration with examples and the value given', async () => {
    assert.deepEqual(await problemsOf(() => loadConfig(fixture('bad-duration.yaml'))), [
      'jobs[0].window: expected a duration such as 30s, 15m, 1h or 1d, got "soon"',
    ]);
  });

  it('names an unset environment variable and where it is used', async () => {
    delete process.env.VIGIL_TEST_UNSET_PASSWORD;
    const problems = await problemsOf(() => loadConfig(fixture('env-missing.yaml')));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^cluster\.auth\.password: environment variable VIGIL_TEST_UNSET_PASSWORD is not set/);
  });

  it('puts every problem into the error message, one per line, under the file name', async () => {
    try {
      await loadConfig(fixture('unknown-field.yaml'));
      assert.fail('accepted');
    } catch (error) {
      const lines = (error as Error).message.split('\n');
      assert.equal(lines[0], `invalid configuration in ${fixture('unknown-field.yaml')}:`);
      assert.equal(lines.length, 3);
      assert.match(lines[1], /^ {2}- jobs\[0\]\.colour: unknown field/);
    }
  });

  it('says when the file cannot be read', async () => {
    assert.deepEqual(await problemsOf(() => loadConfig(fixture('does-not-exist.yaml'))), ['cannot read the file (no such file)']);
  });
});

describe('parseConfig', () => {
  it('substitutes ${VAR} inside strings and ${VAR:-default} when unset; $${VAR} stays literal', () => {
    const config = parseConfig(
      `cluster:
  urls: ["http://\${HOST}:9200"]
jobs:
  - id: auth
    index: "logs-\${SUFFIX:-auth}-*"
    time_field: "$\${NOT_A_VAR}"
`,
      'inline.yaml',
      { HOST: 'search.internal' },
    );
    assert.deepEqual(config.cluster.urls, ['http://search.internal:9200']);
    assert.equal(config.jobs[0].index, 'logs-auth-*');
    assert.equal(config.jobs[0].time_field, '${NOT_A_VAR}');
  });

  it('lists several problems at once, each with its own path', async () => {
    const problems = await problemsOf(() =>
      parseConfig(
        `cluster:
  urls: []
  tls: { verify: "yes" }
  auth: {}
jobs:
  - id: "A B"
    index: ""
    entity_fields: [a, b, c]
    threshold: { target_fpr: 2 }
    features: [{ kind: bogus, name: x }, { kind: sum, name: total }]
alerting: { connectors: [{ name: x, url: "ftp://x", format: email }] }
`,
        'many.yaml',
        {},
      ),
    );
    assert.deepEqual(problems, [
      'cluster.urls: expected at least one cluster URL, e.g. https://search.example:9200, got []',
      'cluster.auth: expected one of {username, password} or {api_key}, got {}',
      'cluster.tls.verify: expected true or false, got string "yes"',
      'jobs[0].id: expected lower-case letters, digits, - and _, got "A B"',
      'jobs[0].index: expected a non-empty string, got ""',
      'jobs[0].entity_fields: expected at most 2 items, got ["a","b","c"]',
      'jobs[0].features[0].kind: expected one of "count", "ratio", "distinct_count", "entropy", "sum", "max", "mean", "off_hours_share", "burst", "first_seen", "hour_of_day", got "bogus"',
      'jobs[0].features[1].field: required (the event field the feature reads)',
      'jobs[0].threshold.target_fpr: expected a number < 1, got 2',
      'alerting.connectors[0].format: expected one of "generic", "thehive", "splunk-soar", "xsoar", "shuffle", "slack", got "email"',
      'alerting.connectors[0].url: expected an http(s) URL such as https://search.example:9200, got "ftp://x"',
    ]);
  });

  it('picks the closest alternative of a union (basic auth missing its password)', async () => {
    const problems = await problemsOf(() => parseConfig(minimal('', '  auth: { username: vigil }\n'), 'auth.yaml', {}));
    assert.deepEqual(problems, ['cluster.auth.password: required (a password, e.g. ${VIGIL_PASSWORD})']);
  });

  it('requires at least one job and the cluster section', async () => {
    assert.deepEqual(await problemsOf(() => parseConfig('jobs: []\n', 'empty-jobs.yaml', {})), [
      'cluster: required (the cluster Vigil reads events from and writes results to, with at least `urls`)',
      'jobs: expected at least one job, got []',
    ]);
  });

  it('rejects a document that is not a mapping, an empty file, bad YAML and bad JSON', async () => {
    assert.deepEqual(await problemsOf(() => parseConfig('hello', 'scalar.yaml', {})), [
      '(top level): expected a mapping of keys to values, got string "hello"',
    ]);
    assert.deepEqual(await problemsOf(() => parseConfig('', 'empty.yaml', {})), [
      'the file is empty: it needs at least `cluster` and `jobs`',
    ]);
    const yamlProblems = await problemsOf(() => parseConfig('a: 1\na: 2\n', 'dup.yaml', {}));
    assert.match(yamlProblems[0], /^not valid YAML: Map keys must be unique at line 2, column 1/);
    const jsonProblems = await problemsOf(() => parseConfig('{"cluster": ', 'broken.json', {}));
    assert.match(jsonProblems[0], /^not valid JSON: /);
  });

  it('accepts JSON text under a .json name and YAML flow syntax otherwise', () => {
    const json = parseConfig('{"cluster":{"urls":["http://h:9200"]},"jobs":[{"id":"a","index":"x"}]}', 'c.json', {});
    const yaml = parseConfig('{cluster: {urls: ["http://h:9200"]}, jobs: [{id: a, index: x}]}', 'c.yaml', {});
    assert.deepEqual(json, yaml);
  });
});
