import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SegmentLookup } from '../../../src/anomaly/segment.js';
import { directoryOf } from '../../../src/simulate/directory.js';
import { simulate } from '../../../src/simulate/simulate.js';
import { buildWorld } from '../../../src/simulate/world.js';
import { MemorySink, smallOptions } from './helpers.js';

const hash = (lines: string[]): string => createHash('sha256').update(lines.join('\n')).digest('hex');

describe('simulated directory (fairness attributes)', () => {
  it('lists every person, service account and host with department, site and country', () => {
    const o = smallOptions();
    const world = buildWorld({ seed: o.seed, startMs: o.startMs, days: o.days, users: o.users, hosts: o.hosts });
    const rows = directoryOf(world);
    assert.equal(rows.length, world.people.length + world.services.length + world.hosts.length);
    const alice = rows.find((r) => r.value === world.people[1].name);
    assert.deepEqual(alice?.attributes, {
      department: 'engineering',
      role: 'developer',
      site: world.people[1].site.code,
      country: world.people[1].site.country,
    });
    assert.ok(rows.filter((r) => r.field === 'user.name').every((r) => r.attributes.department && r.attributes.country));
  });

  it('writing it leaves the events byte-identical, and the file reads back as a fairness.lookup', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-s14e-dir-'));
    try {
      const plain = new MemorySink();
      await simulate({ options: smallOptions(), sinks: [plain] });
      const withDir = new MemorySink();
      const summary = await simulate({ options: smallOptions(), sinks: [withDir], directoryPath: join(dir, 'directory.ndjson') });
      assert.equal(hash(withDir.lines), hash(plain.lines));
      const lookup = SegmentLookup.parse(await readFile(join(dir, 'directory.ndjson'), 'utf8'));
      assert.equal(lookup.size, summary.people + summary.serviceAccounts + summary.hosts);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
