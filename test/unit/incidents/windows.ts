/** Entity-window builders shared by the incident tests: an account and a source address, one hour wide. */
import type { EntityWindowInput } from '../../../src/incidents/index.js';

const H = 3_600_000;

/** A window of account `name` ending at `end`, naming `ips` in related.ip. */
export function user(
  name: string,
  fused: number,
  end: number,
  ips: string[] = [],
  job = 'auth-by-user',
  extra: Partial<EntityWindowInput> = {},
): EntityWindowInput {
  return {
    id: `${job}|${name}`,
    job,
    entityField: 'user.name',
    entityValue: name,
    start: end - H,
    end,
    related: { ip: ips, user: [name], hosts: [] },
    fused,
    ...extra,
  };
}

/** A window of source address `value` ending at `end`, naming `users` in related.user. */
export function ip(value: string, fused: number, end: number, users: string[] = []): EntityWindowInput {
  return {
    id: `auth-by-source-ip|${value}`,
    job: 'auth-by-source-ip',
    entityField: 'source.ip',
    entityValue: value,
    start: end - H,
    end,
    related: { ip: [value], user: users, hosts: [] },
    fused,
  };
}
