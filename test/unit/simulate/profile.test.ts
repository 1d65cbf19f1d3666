import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PROFILE, variedProfile } from '../../../src/simulate/profile.js';
import { buildWorld } from '../../../src/simulate/world.js';

const START = Date.parse('2026-03-02T00:00:00Z');
const validIpv4 = (ip: string): boolean => ip.split('.').length === 4 && ip.split('.').every((o) => /^\d+$/.test(o) && Number(o) <= 255);

describe('world profiles', () => {
  it('a large estate (3,000 users, 1,200 hosts) has only valid IPv4 addresses, all distinct per host', () => {
    const world = buildWorld({ seed: 3, startMs: START, days: 14, users: 3000, hosts: 1200 });
    const ips = [...world.hosts.map((h) => h.ip), ...world.people.flatMap((p) => [p.officeIp, p.homeIp])];
    assert.deepEqual(
      ips.filter((ip) => !validIpv4(ip)),
      [],
    );
    assert.equal(new Set(world.hosts.map((h) => h.ip)).size, world.hosts.length);
  });

  it('the default world keeps the historical profile; varied profiles differ by seed and stay valid', () => {
    assert.equal(buildWorld({ seed: 1, startMs: START, days: 7, users: 50, hosts: 20 }).profile, DEFAULT_PROFILE);
    const profiles = [1, 2, 3, 4, 5, 6].map((s) => variedProfile(s));
    assert.ok(
      new Set(
        profiles.map((p) => `${p.backup.weekday}/${p.backup.hour}|${p.scan.weekday}/${p.scan.hour}|${p.sites.map((s) => s.code).join()}`),
      ).size >= 5,
    );
    for (const p of profiles) {
      assert.ok(Math.abs(p.sites.reduce((s, x) => s + x.share, 0) - 1) < 1e-9);
      assert.ok(Math.abs(p.roles.reduce((s, [, w]) => s + w, 0) - 1) < 1e-9);
      assert.equal(p.pollerMinutes, 10);
      const world = buildWorld({ seed: 9, startMs: START, days: 14, users: 200, hosts: 80, profile: p });
      assert.ok(world.people.every((x) => p.sites.includes(x.site)));
      assert.equal(world.services.filter((s) => s.kind === 'legacy').length, p.staleAccounts);
    }
  });
});
