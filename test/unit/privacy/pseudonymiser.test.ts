import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import type { JsonObject } from '../../../src/engine/engine.js';
import { baselineFromRecord, type WindowRequest } from '../../../src/features/executor.js';
import { MemoryExecutor } from '../../../src/features/memory-executor.js';
import { parseFeatureSpecs } from '../../../src/config/feature-spec.js';
import { PseudonymisingExecutor, readRelatedFields } from '../../../src/privacy/executor.js';
import { classOf, Pseudonymiser, tokensIn, type VaultRecord } from '../../../src/privacy/pseudonymiser.js';

const KEY = 'k'.repeat(16) + '0123456789abcdef';
const T0 = Date.UTC(2024, 2, 4);
const HOUR = 3_600_000;

describe('pseudonymiser', () => {
  test('same value and class → same token; fields of one class agree; other key → other token', () => {
    const p = new Pseudonymiser(KEY, ['user.name', 'source.ip']);
    assert.equal(p.value('user.name', 'alice'), p.value('related.user', 'alice'));
    assert.equal(p.value('source.ip', '10.0.0.1'), p.value('related.ip', '10.0.0.1'));
    assert.equal(p.value('destination.ip', '10.0.0.1'), p.value('source.ip', '10.0.0.1'));
    assert.notEqual(p.value('user.name', 'alice'), p.value('user.name', 'bob'));
    assert.match(p.value('user.name', 'alice'), /^u-[0-9a-f]{20}$/);
    const other = new Pseudonymiser('z'.repeat(40), ['user.name']);
    assert.notEqual(other.value('user.name', 'alice'), p.value('user.name', 'alice'));
  });

  test('IP tokens are valid unique-local IPv6 addresses in one canonical form', () => {
    const p = new Pseudonymiser(KEY, ['source.ip']);
    for (const ip of ['10.0.0.1', '::1', '192.168.1.254', '8.8.8.8']) {
      const t = p.value('source.ip', ip);
      assert.equal(isIP(t), 6, t);
      assert.match(t, /^fd[0-9a-f]{2}(:[0-9a-f]{1,4}){7}$/);
      assert.deepEqual(tokensIn(`seen from ${t}.`), [t]);
    }
  });

  test('fields not configured (and empty values) pass unchanged', () => {
    const p = new Pseudonymiser(KEY, ['user.name']);
    assert.equal(p.value('host.name', 'ws-1'), 'ws-1');
    assert.equal(p.value('process.name', 'cmd.exe'), 'cmd.exe');
    assert.equal(p.value('user.name', ''), '');
    assert.equal(classOf('host.hostname'), 'host');
    assert.equal(classOf('client.ip'), 'ip');
  });

  test('a short key is refused with the fix', () => {
    assert.throws(() => new Pseudonymiser('short', ['user.name']), /privacy\.key: at least 32 characters/);
  });

  test('every minted token is drained once, sealed, and opens only with the same key', () => {
    const p = new Pseudonymiser(KEY, ['user.name']);
    const t = p.value('user.name', 'Ævar <!channel>');
    p.value('user.name', 'Ævar <!channel>');
    const minted = p.drainMinted();
    assert.equal(minted.length, 1);
    assert.equal(minted[0].token, t);
    assert.ok(!Buffer.from(minted[0].sealed, 'base64').toString('latin1').includes('channel'));
    assert.equal(p.unseal(minted[0].sealed), 'Ævar <!channel>');
    assert.deepEqual(p.drainMinted(), []);
    assert.throws(() => new Pseudonymiser('y'.repeat(32), ['user.name']).unseal(minted[0].sealed), /does not open with this privacy\.key/);
  });
});

describe('pseudonymising executor', () => {
  const events: JsonObject[] = [
    {
      '@timestamp': new Date(T0).toISOString(),
      user: { name: 'alice' },
      source: { ip: '10.0.0.1' },
      host: { name: 'ws-1' },
      event: { outcome: 'failure' },
    },
    {
      '@timestamp': new Date(T0 + 1).toISOString(),
      user: { name: 'alice' },
      source: { ip: '10.0.0.2' },
      host: { name: 'ws-1' },
      event: { outcome: 'success' },
    },
    {
      '@timestamp': new Date(T0 + 2).toISOString(),
      user: { name: 'bob' },
      source: { ip: '10.0.0.1' },
      host: { name: 'ws-2' },
      event: { outcome: 'success' },
    },
  ];
  const request: WindowRequest = {
    index: 'x',
    timeField: '@timestamp',
    entityFields: ['user.name'],
    start: T0,
    end: T0 + HOUR,
    features: parseFeatureSpecs([
      { kind: 'count', name: 'n' },
      { kind: 'first_seen', name: 'new_ips', field: 'source.ip' },
    ]),
    categoricalFields: ['source.ip'],
  };

  test('identities leave as tokens, numbers unchanged, links kept, vault filled first', async () => {
    const p = new Pseudonymiser(KEY, ['user.name', 'source.ip', 'host.name']);
    const vault: VaultRecord[] = [];
    const exec = new PseudonymisingExecutor(new MemoryExecutor(events), p, { store: async (r) => void vault.push(...r) });
    const { windows } = await exec.computeWindow(request);
    const plain = await new MemoryExecutor(events).computeWindow(request);
    assert.equal(windows.length, 2);
    const text = JSON.stringify(windows);
    for (const raw of ['alice', 'bob', '10.0.0.1', '10.0.0.2', 'ws-1', 'ws-2']) assert.ok(!text.includes(raw), `${raw} leaked`);
    const alice = windows.find((w) => w.entity.value === p.value('user.name', 'alice'));
    assert.ok(alice);
    assert.deepEqual(alice.features, plain.windows.find((w) => w.entity.value === 'alice')?.features);
    // bob and alice both came from 10.0.0.1: the link survives as one shared token.
    const bob = windows.find((w) => w.entity.value === p.value('user.name', 'bob'));
    assert.ok(bob?.related.ip.includes(p.value('source.ip', '10.0.0.1')) && alice.related.ip.includes(p.value('source.ip', '10.0.0.1')));
    assert.deepEqual(alice.related.hosts, [p.value('host.name', 'ws-1')]);
    const tokens = new Set(vault.map((r) => r.token));
    for (const w of windows) for (const t of tokensIn(JSON.stringify(w))) assert.ok(tokens.has(t), `${t} not in the vault`);
  });

  test('first-seen baselines kept in tokens still recognise known values', async () => {
    const p = new Pseudonymiser(KEY, ['user.name', 'source.ip']);
    const baseline = baselineFromRecord({ [p.value('user.name', 'alice')]: { 'source.ip': [p.value('source.ip', '10.0.0.1')] } });
    const exec = new PseudonymisingExecutor(new MemoryExecutor(events), p, { store: async () => undefined });
    const { windows } = await exec.computeWindow({ ...request, baseline });
    const alice = windows.find((w) => w.entity.value === p.value('user.name', 'alice'));
    assert.equal(alice?.features.new_ips, 1);
    assert.deepEqual(alice?.firstSeen.new_ips, [p.value('source.ip', '10.0.0.2')]);
  });

  test('a vault failure fails the window and the tokens are minted again next time', async () => {
    const p = new Pseudonymiser(KEY, ['user.name']);
    let fail = true;
    const stored: VaultRecord[] = [];
    const exec = new PseudonymisingExecutor(new MemoryExecutor(events), p, {
      store: async (r) => {
        if (fail) throw new Error('vault down');
        stored.push(...r);
      },
    });
    await assert.rejects(exec.computeWindow(request), /vault down/);
    fail = false;
    await exec.computeWindow(request);
    assert.equal(stored.length, 2);
  });

  test('minimise narrows related.* to the fields the job reads', () => {
    assert.deepEqual(readRelatedFields(request), { ip: ['source.ip'], user: ['user.name'], hosts: [] });
  });
});
