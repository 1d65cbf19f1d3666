/**
 * T1078.003 An account that has never administered anything performs privileged actions: a
 * logon with special privileges on a domain controller, adding itself or a crony to an admin group,
 * creating a backdoor account. Loud = several changes at night; quiet = one group change during the
 * working day from the person's own desk (the helpdesk does password resets all day long).
 */
import { authEvent, iamEvent, processEvent, type IamAction, type SimEvent } from '../events.js';
import { HOUR_MS } from '../world.js';
import { humans, lerp, scaled, startIn, type Scenario } from './common.js';

export const privilegedAction: Scenario = {
  name: 'privileged_action',
  technique: 'T1078.003',
  description: 'first privileged actions of a non-admin account',
  generate(ctx) {
    const { world, rng, stealth } = ctx;
    const actor = rng.pick(humans(world, ['office', 'developer']));
    const dc = rng.pick(world.byKind.get('dc') ?? world.servers);
    const actions = scaled(lerp(5, 1, stealth), ctx, 1);
    const duration = lerp(0.3, 1.5, stealth) * HOUR_MS;
    const start = startIn(ctx, duration);
    const sourceIp = actor.workstation.ip;
    const events: SimEvent[] = [];
    let t = start;
    events.push(
      authEvent({
        ts: t,
        user: actor.name,
        sourceIp,
        country: actor.site.country,
        host: dc.name,
        action: rng.chance(0.5) ? 'logon-remote-interactive' : 'logon-network',
        outcome: 'success',
      }),
    );
    events.push(
      authEvent({
        ts: t + 4,
        user: actor.name,
        sourceIp,
        country: actor.site.country,
        host: dc.name,
        action: 'logon-special-privileges',
        outcome: 'success',
      }),
    );
    const backdoor = `${rng.pick(['svc', 'adm', 'sys'])}-${rng.pick(['update', 'sync', 'helper', 'agent'])}${rng.int(1, 9)}`;
    const kinds: IamAction[] = [
      'added-member-to-group',
      'user-account-created',
      'added-member-to-group',
      'group-policy-modified',
      'service-installed',
    ];
    for (let i = 0; i < actions; i++) {
      t += Math.floor(rng.uniform(30_000, duration / actions));
      const action = kinds[i % kinds.length];
      events.push(
        iamEvent({
          ts: t,
          user: actor.name,
          host: dc.name,
          sourceIp,
          action,
          target: action === 'user-account-created' || i > 1 ? backdoor : actor.name,
        }),
      );
    }
    if (rng.chance(1 - stealth))
      events.push(
        processEvent({
          ts: t + 20_000,
          host: dc.name,
          user: actor.name,
          name: 'net.exe',
          parent: 'cmd.exe',
          commandLine: `net group "Domain Admins" ${actor.name} /add /domain`,
        }),
      );
    return { events, entities: [{ field: 'user.name', value: actor.name }] };
  },
};
