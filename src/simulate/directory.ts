/**
 * The simulated enterprise's directory: what an HR or identity-directory export (or an enrichment
 * lookup file) tells about each account and machine — department, role, site and the site's
 * country. Events do not carry these (ECS has no user.department); the pipeline and the
 * evaluation join them on the entity value (`fairness.lookup`, src/eval/fairness.ts). Derived
 * from the world alone, so writing it changes nothing in the simulated events.
 */
import type { World } from './world.js';

/** One directory row: the entity (field and value) and its attributes. */
export interface DirectoryEntry {
  readonly field: 'user.name' | 'host.name';
  readonly value: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export function directoryOf(world: World): DirectoryEntry[] {
  const rows: DirectoryEntry[] = [];
  for (const p of world.people) {
    rows.push({
      field: 'user.name',
      value: p.name,
      attributes: { department: p.department, role: p.role, site: p.site.code, country: p.site.country },
    });
  }
  for (const s of world.services) {
    rows.push({
      field: 'user.name',
      value: s.name,
      attributes: { department: 'service-accounts', role: 'service', site: s.home.site.code, country: s.home.site.country },
    });
  }
  for (const h of world.hosts)
    rows.push({
      field: 'host.name',
      value: h.name,
      attributes: { department: h.kind === 'workstation' ? 'workstations' : 'servers', site: h.site.code, country: h.site.country },
    });
  return rows;
}

/** NDJSON, one row a line (the format `fairness.lookup` reads). */
export function formatDirectory(rows: readonly DirectoryEntry[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}
