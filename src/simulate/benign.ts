/**
 * Benign behaviour, one UTC hour at a time: people working to their site's clock (diurnal and weekly
 * cycles, lunch, remote days over VPN, trips abroad, weekend and on-call work, new hires), hosts'
 * own background (service processes, agent telemetry every 30 min — benign periodic traffic),
 * and the known-noisy service accounts a SOC lives with: the Monday-morning full backup, the weekly
 * vulnerability scan, a legacy service account failing on a stale password around the clock, CI
 * deployments, monitoring, patch night. Each (actor, hour) draws from its own seeded stream.
 */
import { authEvent, fileEvent, iamEvent, networkEvent, processEvent, type SimEvent } from './events.js';
import { Rng } from './rng.js';
import { DAY_MS, DEV_TOOL_POOL, HOUR_MS, SERVER_PROCESSES, localTime, type Host, type Person, type World } from './world.js';

export type Emit = (event: SimEvent) => void;

/** The external uptime-monitoring service the poller reports to (varied worlds). */
const UPTIME_MONITOR = { ip: '34.120.77.9', country: 'US' };

type Location = 'office' | 'home' | 'travel';

interface DayPlan {
  readonly present: boolean;
  readonly location: Location;
  /** Local hours. */
  readonly start: number;
  readonly end: number;
  /** Source IP of logons to the workstation. */
  readonly deskIp: string;
  /** On-call night session (local hours), admins only. */
  readonly night?: { readonly start: number; readonly end: number };
  /** A new tool a developer tries today (benign first-seen process). */
  readonly newTool?: string;
  /** A large benign upload (cloud sync, video) at this local hour. */
  readonly bigUploadHour?: number;
}

/** Plans per world (a process may simulate several worlds, e.g. tests), keyed by person and day. */
const planCache = new WeakMap<World, Map<string, DayPlan>>();

/** The person's plan for a local day; cached because every hour of the day asks for it. */
export function dayPlan(world: World, p: Person, day: number): DayPlan {
  let plans = planCache.get(world);
  if (!plans) planCache.set(world, (plans = new Map<string, DayPlan>()));
  const key = `${p.index}|${day}`;
  const cached = plans.get(key);
  if (cached) return cached;
  if (plans.size > 20_000) plans.clear();
  const plan = makePlan(world, p, day);
  plans.set(key, plan);
  return plan;
}

function makePlan(world: World, p: Person, day: number): DayPlan {
  const rng = Rng.derive(world.seed, 'plan', p.index, day);
  const weekday = new Date(world.startMs + day * DAY_MS).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const onTrip = p.trip !== undefined && day >= p.trip.from && day < p.trip.to;
  const weekNo = Math.floor(day / 7);
  const isOnCall = p.role === 'admin' && world.onCall[weekNo]?.index === p.index;
  const night = isOnCall && rng.chance(0.25) ? { start: rng.uniform(0.5, 3), end: 0 } : undefined;
  const nightPlan = night ? { start: night.start, end: night.start + rng.uniform(0.4, 1.6) } : undefined;
  const base = { deskIp: p.officeIp, night: nightPlan };
  if (day < p.startDay || day < 0 || day >= world.days) return { present: false, location: 'office', start: 0, end: 0, ...base };
  const weekendWork = p.role === 'developer' ? 0.12 : p.role === 'admin' ? 0.08 : 0.03;
  if (weekend && !rng.chance(weekendWork)) return { present: false, location: 'home', start: 0, end: 0, ...base };
  if (!weekend && rng.chance(0.04)) return { present: false, location: 'office', start: 0, end: 0, ...base }; // leave / sick
  const location: Location = onTrip ? 'travel' : weekend || rng.chance(p.remoteShare) ? 'home' : 'office';
  let start = p.workStart + rng.normal(0, 0.45);
  let end = p.workEnd + rng.normal(0, 0.6);
  if (weekend) {
    start = rng.uniform(10, 15);
    end = start + rng.uniform(1, 4);
  }
  if (onTrip) {
    // Working from another time zone: the day drifts against the home clock.
    const drift = rng.uniform(-4, 5);
    start += drift;
    end += drift;
  }
  if (p.role === 'developer' && !weekend && rng.chance(0.1)) end += rng.uniform(1.5, 4); // evening push
  const deskIp = location === 'office' ? p.officeIp : `10.8.${(p.index * 7 + day) % 250}.${(p.index % 240) + 10}`;
  const newTool = p.role === 'developer' && rng.chance(0.12) ? rng.pick(DEV_TOOL_POOL) : undefined;
  const bigUploadHour = p.heavyUploader && rng.chance(0.3) ? rng.uniform(start, Math.max(start + 0.5, end)) : undefined;
  return { present: true, location, start, end: Math.max(end, start + 0.5), deskIp, night: nightPlan, newTool, bigUploadHour };
}

/** Zipf-like choice: people use a few programs a lot and the rest rarely. */
function zipfPick<T>(rng: Rng, items: readonly T[]): T {
  const weights = items.map((item, i) => [item, 1 / (i + 1)] as const);
  return rng.weighted(weights);
}

function externalFlow(world: World, rng: Rng, ts: number, host: Host, sourceBytesMedian: number): SimEvent {
  const svc = zipfPick(rng, world.saas);
  return networkEvent({
    ts,
    host: host.name,
    sourceIp: host.ip,
    destinationIp: svc.ip,
    destinationPort: svc.port,
    sourceBytes: rng.logNormal(sourceBytesMedian, 1.1),
    destinationBytes: rng.logNormal(sourceBytesMedian * 6, 1.3),
    protocol: svc.protocol,
    destinationCountry: svc.country,
  });
}

function internalFlow(rng: Rng, ts: number, from: Host, to: Host, port: number, protocol: string, bytes: number): SimEvent {
  return networkEvent({
    ts,
    host: from.name,
    sourceIp: from.ip,
    destinationIp: to.ip,
    destinationPort: port,
    sourceBytes: bytes,
    destinationBytes: rng.logNormal(Math.max(bytes / 4, 2_000), 1),
    protocol,
  });
}

/**
 * Agentless backup (as Veeam or Commvault back up VMs): the backup proxy opens the connection and
 * pulls the data, so the flow's source is the proxy and the volume is in destination.bytes.
 */
function backupPull(rng: Rng, ts: number, proxy: Host, server: Host, bytes: number): SimEvent {
  return networkEvent({
    ts,
    host: proxy.name,
    sourceIp: proxy.ip,
    destinationIp: server.ip,
    destinationPort: 10_006,
    sourceBytes: rng.logNormal(Math.max(bytes / 500, 2_000), 0.5),
    destinationBytes: bytes,
    protocol: 'veeam',
  });
}

function sharePath(rng: Rng, fs: Host, department: string): string {
  const folders = ['reports', 'projects', 'contracts', 'templates', 'archive', 'team', 'budget'];
  const ext = rng.pick(['xlsx', 'docx', 'pdf', 'pptx', 'csv', 'msg']);
  return `\\\\${fs.name}\\${department}\\${rng.pick(folders)}\\${rng.pick(folders)}-${rng.int(1, 400)}.${ext}`;
}

/** Person's activity inside [from, to) (UTC ms) while the session is on. */
function personActivity(
  world: World,
  p: Person,
  day: number,
  plan: DayPlan,
  rng: Rng,
  from: number,
  to: number,
  sessionStart: number | null,
  emit: Emit,
): void {
  const span = (to - from) / HOUR_MS;
  const at = (): number => Math.floor(rng.uniform(from, to));
  const country = plan.location === 'travel' && p.trip ? p.trip.country : p.site.country;
  const ws = p.workstation;
  const files = world.byKind.get('file') ?? [];

  if (sessionStart !== null) {
    let t = sessionStart;
    if (plan.location !== 'office') {
      const publicIp = plan.location === 'travel' && p.trip ? p.trip.ip : p.homeIp;
      if (rng.chance(0.05))
        emit(
          authEvent({
            ts: t,
            user: p.name,
            sourceIp: publicIp,
            country,
            host: vpnHost(world).name,
            action: 'vpn-logon',
            outcome: 'failure',
          }),
        );
      t += rng.int(5_000, 60_000);
      emit(
        authEvent({ ts: t, user: p.name, sourceIp: publicIp, country, host: vpnHost(world).name, action: 'vpn-logon', outcome: 'success' }),
      );
    }
    // Typos at the first logon of the day; more on the first day of a new hire.
    const typos = p.startDay > 0 && day === p.startDay ? rng.int(1, 5) : rng.chance(0.09) ? (rng.chance(0.2) ? rng.int(2, 4) : 1) : 0;
    for (let i = 0; i < typos; i++) {
      t += rng.int(3_000, 25_000);
      emit(
        authEvent({
          ts: t,
          user: p.name,
          sourceIp: plan.deskIp,
          country: p.site.country,
          host: ws.name,
          action: plan.location === 'office' ? 'logon-interactive' : 'logon-remote-interactive',
          outcome: 'failure',
        }),
      );
    }
    t += rng.int(3_000, 20_000);
    emit(
      authEvent({
        ts: t,
        user: p.name,
        sourceIp: plan.deskIp,
        country: p.site.country,
        host: ws.name,
        action: plan.location === 'office' ? 'logon-interactive' : 'logon-remote-interactive',
        outcome: 'success',
      }),
    );
  }

  // Network logons to the servers the person uses (mail, shares, apps), from the workstation.
  for (let i = rng.poisson(1.3 * span); i > 0; i--) {
    const server = zipfPick(rng, p.servers);
    const action = server.kind === 'dev' ? 'ssh-logon' : 'logon-network';
    emit(
      authEvent({
        ts: at(),
        user: p.name,
        sourceIp: ws.ip,
        country: p.site.country,
        host: server.name,
        action,
        outcome: rng.chance(0.01) ? 'failure' : 'success',
      }),
    );
  }
  // Re-authentication after lunch (screen unlock), with the odd typo.
  const lunchLocal = localTime(world, from, p.site).hour;
  if (lunchLocal >= 12 && lunchLocal < 13 && rng.chance(0.6)) {
    const t = at();
    if (rng.chance(0.06))
      emit(
        authEvent({
          ts: t,
          user: p.name,
          sourceIp: plan.deskIp,
          country: p.site.country,
          host: ws.name,
          action: 'logon-interactive',
          outcome: 'failure',
        }),
      );
    emit(
      authEvent({
        ts: t + 8_000,
        user: p.name,
        sourceIp: plan.deskIp,
        country: p.site.country,
        host: ws.name,
        action: 'logon-interactive',
        outcome: 'success',
      }),
    );
  }
  // VPN reconnects when remote.
  if (plan.location !== 'office' && rng.chance(0.15 * span)) {
    const publicIp = plan.location === 'travel' && p.trip ? p.trip.ip : p.homeIp;
    emit(
      authEvent({
        ts: at(),
        user: p.name,
        sourceIp: publicIp,
        country,
        host: vpnHost(world).name,
        action: 'vpn-logon',
        outcome: 'success',
      }),
    );
  }

  // Programs on the workstation.
  const procRate = p.role === 'developer' ? 5 : p.role === 'admin' ? 3.5 : 3;
  for (let i = rng.poisson(procRate * span); i > 0; i--) {
    emit(processEvent({ ts: at(), host: ws.name, user: p.name, name: zipfPick(rng, p.apps), parent: 'explorer.exe' }));
  }
  if (plan.newTool && rng.chance(0.35))
    emit(processEvent({ ts: at(), host: ws.name, user: p.name, name: plan.newTool, parent: 'powershell.exe' }));

  // Network flows from the workstation: SaaS and internal servers.
  for (let i = rng.poisson(3.5 * span); i > 0; i--) {
    if (rng.chance(0.7)) emit(externalFlow(world, rng, at(), ws, p.role === 'developer' ? 40_000 : 15_000));
    else {
      const server = zipfPick(rng, p.servers);
      emit(
        internalFlow(
          rng,
          at(),
          ws,
          server,
          server.kind === 'file' ? 445 : server.kind === 'dev' ? 22 : 443,
          server.kind === 'file' ? 'smb' : server.kind === 'dev' ? 'ssh' : 'https',
          rng.logNormal(30_000, 1.2),
        ),
      );
    }
  }
  if (plan.bigUploadHour !== undefined) {
    const local = localTime(world, from, p.site).hour;
    if (Math.floor(plan.bigUploadHour) === Math.floor(local)) {
      const n = rng.int(3, 12);
      const total = rng.logNormal(500_000_000, 0.7);
      const svc = world.saas[rng.int(0, 3)];
      for (let i = 0; i < n; i++)
        emit(
          networkEvent({
            ts: at(),
            host: ws.name,
            sourceIp: ws.ip,
            destinationIp: svc.ip,
            destinationPort: 443,
            sourceBytes: total / n,
            destinationBytes: rng.logNormal(80_000, 0.8),
            protocol: 'https',
            destinationCountry: svc.country,
          }),
        );
    }
  }

  // Files on the department share.
  if (files.length) {
    for (let i = rng.poisson((p.role === 'office' ? 2.5 : 1.5) * span); i > 0; i--) {
      const fs = files[p.index % files.length];
      emit(
        fileEvent({
          ts: at(),
          user: p.name,
          host: fs.name,
          path: sharePath(rng, fs, p.department),
          bytes: rng.logNormal(250_000, 1.4),
          action: rng.chance(0.75) ? 'file-read' : 'file-write',
        }),
      );
    }
  }

  if (p.role === 'developer') developerWork(world, p, rng, at, span, emit);
  if (p.role === 'admin') adminWork(world, p, rng, at, span, plan.deskIp, emit);
  if (p.role === 'helpdesk') {
    const dc = (world.byKind.get('dc') ?? [])[0];
    for (let i = rng.poisson(0.9 * span); i > 0; i--) {
      const target = rng.pick(world.people).name;
      emit(
        iamEvent({
          ts: at(),
          user: p.name,
          host: dc.name,
          sourceIp: ws.ip,
          action: rng.chance(0.85) ? 'password-reset' : 'added-member-to-group',
          target,
        }),
      );
    }
  }
}

function vpnHost(world: World): Host {
  return (world.byKind.get('vpn') ?? world.servers)[0];
}

function developerWork(world: World, p: Person, rng: Rng, at: () => number, span: number, emit: Emit): void {
  const devs = p.servers.filter((s) => s.kind === 'dev');
  for (const dev of devs) {
    for (let i = rng.poisson((2.5 * span) / devs.length); i > 0; i--) {
      emit(processEvent({ ts: at(), host: dev.name, user: p.name, name: zipfPick(rng, SERVER_PROCESSES.dev), parent: 'bash' }));
    }
  }
  if (rng.chance(0.2 * span)) {
    // git push / artifact upload.
    emit(
      networkEvent({
        ts: at(),
        host: p.workstation.name,
        sourceIp: p.workstation.ip,
        destinationIp: world.saas[1].ip,
        destinationPort: 443,
        sourceBytes: rng.logNormal(20_000_000, 1.2),
        destinationBytes: rng.logNormal(200_000, 1),
        protocol: 'https',
        destinationCountry: world.saas[1].country,
      }),
    );
  }
}

function adminWork(world: World, p: Person, rng: Rng, at: () => number, span: number, deskIp: string, emit: Emit): void {
  const jump = (world.byKind.get('jump') ?? world.servers)[0];
  const dc = (world.byKind.get('dc') ?? world.servers)[0];
  const portfolio = p.portfolio.length ? p.portfolio : world.servers;
  for (let i = rng.poisson(2.2 * span); i > 0; i--) {
    const server = rng.chance(0.95) ? zipfPick(rng, portfolio) : rng.pick(world.servers);
    const t = at();
    const fromIp = rng.chance(0.6) ? jump.ip : p.workstation.ip;
    emit(
      authEvent({
        ts: t,
        user: p.name,
        sourceIp: fromIp,
        country: p.site.country,
        host: server.name,
        action: rng.chance(0.5) ? 'logon-remote-interactive' : 'logon-network',
        outcome: rng.chance(0.03) ? 'failure' : 'success',
      }),
    );
    emit(
      authEvent({
        ts: t + 5,
        user: p.name,
        sourceIp: fromIp,
        country: p.site.country,
        host: server.name,
        action: 'logon-special-privileges',
        outcome: 'success',
      }),
    );
    if (rng.chance(0.5))
      emit(
        processEvent({
          ts: t + rng.int(10_000, 300_000),
          host: server.name,
          user: p.name,
          name: zipfPick(rng, ['powershell.exe', 'mmc.exe', 'cmd.exe', 'eventvwr.exe', 'taskmgr.exe', 'sc.exe']),
          parent: 'explorer.exe',
        }),
      );
  }
  // Account and group changes belong to the infrastructure team (the one running the DCs).
  if (dc.kind === 'dc' && !portfolio.some((h) => h.kind === 'dc')) return;
  for (let i = rng.poisson(0.25 * span); i > 0; i--) {
    emit(
      iamEvent({
        ts: at(),
        user: p.name,
        host: dc.name,
        sourceIp: deskIp,
        action: rng.pick(['added-member-to-group', 'user-account-created', 'password-reset', 'group-policy-modified']),
        target: rng.pick(world.people).name,
      }),
    );
  }
}

/** On-call night: a short session on a few servers, sometimes a fix needing privileges. */
function onCallNight(world: World, p: Person, rng: Rng, from: number, to: number, emit: Emit): void {
  const at = (): number => Math.floor(rng.uniform(from, to));
  const publicIp = p.homeIp;
  const t0 = from + 60_000;
  emit(
    authEvent({
      ts: t0,
      user: p.name,
      sourceIp: publicIp,
      country: p.site.country,
      host: vpnHost(world).name,
      action: 'vpn-logon',
      outcome: 'success',
    }),
  );
  for (const server of rng.sample(p.portfolio.length ? p.portfolio : world.servers, rng.int(1, 4))) {
    const t = at();
    emit(
      authEvent({
        ts: t,
        user: p.name,
        sourceIp: p.workstation.ip,
        country: p.site.country,
        host: server.name,
        action: 'logon-remote-interactive',
        outcome: 'success',
      }),
    );
    emit(
      authEvent({
        ts: t + 5,
        user: p.name,
        sourceIp: p.workstation.ip,
        country: p.site.country,
        host: server.name,
        action: 'logon-special-privileges',
        outcome: 'success',
      }),
    );
    emit(
      processEvent({
        ts: t + 60_000,
        host: server.name,
        user: p.name,
        name: rng.pick(['powershell.exe', 'services.msc', 'eventvwr.exe']),
        parent: 'explorer.exe',
      }),
    );
  }
}

/** Every host's own background: service processes and endpoint telemetry every 30 minutes. */
function hostBackground(world: World, host: Host, hour: number, emit: Emit): void {
  const rng = Rng.derive(world.seed, 'hostbg', host.name, hour);
  const from = world.startMs + hour * HOUR_MS;
  const phase = (host.ip.split('.').reduce((s, x) => s * 31 + Number(x), 7) % 1800) * 1000;
  for (let k = 0; k < 2; k++) {
    const ts = from + phase + k * 1_800_000 + Math.round(rng.normal(0, 4_000));
    if (ts >= from && ts < from + HOUR_MS) {
      emit(
        networkEvent({
          ts,
          host: host.name,
          sourceIp: host.ip,
          destinationIp: world.telemetry.ip,
          destinationPort: 443,
          sourceBytes: rng.logNormal(6_000, 0.3),
          destinationBytes: rng.logNormal(1_500, 0.3),
          protocol: 'https',
          destinationCountry: world.telemetry.country,
        }),
      );
    }
  }
  const system =
    host.kind === 'workstation'
      ? ['svchost.exe', 'msmpeng.exe', 'searchindexer.exe', 'taskhostw.exe', 'backgroundtaskhost.exe']
      : SERVER_PROCESSES[host.kind];
  for (let i = rng.poisson(host.kind === 'workstation' ? 1 : 2.5); i > 0; i--) {
    emit(
      processEvent({
        ts: Math.floor(rng.uniform(from, from + HOUR_MS)),
        host: host.name,
        user: 'SYSTEM',
        name: zipfPick(rng, system),
        parent: 'services.exe',
      }),
    );
  }
  if (host.kind !== 'workstation') {
    for (let i = rng.poisson(1.5); i > 0; i--) emit(externalFlow(world, rng, Math.floor(rng.uniform(from, from + HOUR_MS)), host, 8_000));
  }
}

function serviceAccounts(world: World, hour: number, emit: Emit): void {
  const from = world.startMs + hour * HOUR_MS;
  const nyc = localTime(world, from, world.people[0]?.site ?? { code: 'nyc', country: 'US', utcOffset: -5, share: 1 });
  for (const svc of world.services) {
    const rng = Rng.derive(world.seed, 'svc-hour', svc.name, hour);
    const at = (): number => Math.floor(rng.uniform(from, from + HOUR_MS));
    const logon = (host: Host, ts: number, outcome: 'success' | 'failure' = 'success'): void =>
      emit(authEvent({ ts, user: svc.name, sourceIp: svc.home.ip, country: 'US', host: host.name, action: 'logon-network', outcome }));
    switch (svc.kind) {
      case 'backup': {
        const full = world.profile.backup;
        const h = Math.floor(nyc.hour);
        if (nyc.weekday === full.weekday && h >= full.hour && h < full.hour + full.hours) {
          // Weekly full backup: every server, gigabytes each, thousands of file reads.
          const share = svc.targets.filter((_, i) => i % full.hours === h - full.hour);
          for (const host of share) {
            const t = at();
            logon(host, t);
            for (let i = 0; i < 4; i++)
              emit(backupPull(rng, t + i * 600_000 + rng.int(0, 60_000), svc.home, host, rng.logNormal(2_500_000_000, 0.8) / 4));
          }
          for (const fs of world.byKind.get('file') ?? []) {
            for (let i = rng.poisson(600); i > 0; i--)
              emit(
                fileEvent({
                  ts: at(),
                  user: svc.name,
                  host: fs.name,
                  path: `\\\\${fs.name}\\${rng.pick(['finance', 'sales', 'hr', 'legal', 'engineering', 'it'])}\\archive\\f-${rng.int(1, 90_000)}.dat`,
                  bytes: rng.logNormal(2_000_000, 1.5),
                  action: 'file-read',
                }),
              );
          }
        } else if (h === world.profile.incrementalHour) {
          // Nightly incremental: every server, each in its own slot, a volume typical of that server.
          for (const host of svc.targets) {
            const slot = (host.ip.split('.').reduce((a, x) => a * 7 + Number(x), 3) % 50) * 60_000;
            const t = from + slot + rng.int(0, 120_000);
            const median = 50_000_000 * (1 + ((host.name.length * 13 + host.ip.length) % 7));
            logon(host, t);
            emit(backupPull(rng, t + 30_000, svc.home, host, rng.logNormal(median, 0.35)));
          }
          for (const fs of world.byKind.get('file') ?? []) {
            for (let i = rng.poisson(40); i > 0; i--)
              emit(
                fileEvent({
                  ts: at(),
                  user: svc.name,
                  host: fs.name,
                  path: `\\\\${fs.name}\\archive\\inc-${rng.int(1, 90_000)}.dat`,
                  bytes: rng.logNormal(1_000_000, 1.2),
                  action: 'file-read',
                }),
              );
          }
        }
        break;
      }
      case 'monitor': {
        const every = world.profile.monitorMinutes * 60_000;
        for (let q = 0; q * every < HOUR_MS; q++) for (const host of svc.targets) logon(host, from + q * every + rng.int(0, 20_000));
        // External uptime poller: a fixed-period check from the monitoring host (benign beaconing).
        const poll = world.profile.pollerMinutes * 60_000;
        for (let q = 0; poll > 0 && q * poll < HOUR_MS; q++) {
          emit(
            networkEvent({
              ts: from + q * poll + rng.int(0, 3_000),
              host: svc.home.name,
              sourceIp: svc.home.ip,
              destinationIp: UPTIME_MONITOR.ip,
              destinationPort: 443,
              sourceBytes: rng.logNormal(900, 0.1),
              destinationBytes: rng.logNormal(2_400, 0.1),
              protocol: 'https',
              destinationCountry: UPTIME_MONITOR.country,
            }),
          );
        }
        break;
      }
      case 'sql':
      case 'web':
      case 'app':
        for (let i = rng.poisson(svc.kind === 'app' ? 2 : 6); i > 0; i--) {
          const host = rng.pick(svc.targets);
          const t = at();
          logon(host, t);
          emit(
            internalFlow(
              rng,
              t + 200,
              svc.home,
              host,
              svc.kind === 'sql' ? 1433 : 8443,
              svc.kind === 'sql' ? 'tds' : 'https',
              rng.logNormal(50_000, 1),
            ),
          );
        }
        break;
      case 'legacy':
        // Password rotated months ago, the job was never updated: a failure every ten minutes.
        for (let q = 0; q < 6; q++) logon(svc.targets[0], from + q * 600_000 + rng.int(0, 30_000), 'failure');
        break;
      case 'scan': {
        // Weekly authenticated vulnerability scan, four hours from the profile's UTC weekday and hour (default Wednesday 22:00).
        const d = new Date(from);
        const hourOfWeek = d.getUTCDay() * 24 + d.getUTCHours();
        const slot = (hourOfWeek - (world.profile.scan.weekday * 24 + world.profile.scan.hour) + 168) % 168;
        if (slot >= 4) break;
        const hosts = svc.targets.filter((_, i) => i % 4 === slot);
        for (const host of hosts) {
          const t = at();
          for (let i = 0; i < 12; i++)
            emit(
              networkEvent({
                ts: t + i * 700,
                host: svc.home.name,
                sourceIp: svc.home.ip,
                destinationIp: host.ip,
                destinationPort: rng.pick([22, 23, 80, 135, 139, 443, 445, 1433, 3389, 5985, 8080, 8443]),
                sourceBytes: rng.int(60, 400),
                destinationBytes: rng.int(0, 2_000),
                protocol: 'tcp',
              }),
            );
          const fails = rng.chance(0.3);
          logon(host, t + 9_000, fails ? 'failure' : 'success');
          if (fails) logon(host, t + 9_500, 'failure');
        }
        break;
      }
      case 'deploy': {
        if (nyc.weekday === 0 || nyc.weekday === 6 || nyc.hour < 9 || nyc.hour >= 18 || !rng.chance(0.35)) break;
        const t0 = at();
        for (const host of rng.sample(svc.targets, rng.int(3, Math.max(3, svc.targets.length)))) {
          const t = t0 + rng.int(0, 600_000);
          logon(host, t);
          emit(
            processEvent({
              ts: t + 2_000,
              host: host.name,
              user: svc.name,
              name: host.kind === 'web' ? 'node' : 'java',
              parent: 'deploy.sh',
            }),
          );
          emit(internalFlow(rng, t + 1_000, svc.home, host, 22, 'ssh', rng.logNormal(40_000_000, 0.6)));
        }
        break;
      }
    }
  }
}

/** Patch night: admins log on to every server and the installers run everywhere (first-seen processes on all servers). */
function patchNight(world: World, hour: number, emit: Emit): void {
  if (world.patchDay < 0) return;
  const from = world.startMs + hour * HOUR_MS;
  const admins = world.people.filter((p) => p.role === 'admin' && p.site.code === 'nyc');
  const crew = admins.length ? admins : world.people.filter((p) => p.role === 'admin');
  if (!crew.length) return;
  const local = localTime(world, from, crew[0].site);
  if (local.day !== world.patchDay || local.hour < 19 || local.hour >= 23) return;
  const slot = Math.floor(local.hour) - 19;
  const rng = Rng.derive(world.seed, 'patch', hour);
  const servers = world.servers.filter((_, i) => i % 4 === slot);
  for (const server of servers) {
    const owners = crew.filter((a) => a.portfolio.some((h) => h.name === server.name));
    const admin = owners.length ? owners[server.name.length % owners.length] : crew[server.name.length % crew.length];
    const t = Math.floor(rng.uniform(from, from + HOUR_MS - 600_000));
    emit(
      authEvent({
        ts: t,
        user: admin.name,
        sourceIp: (world.byKind.get('jump') ?? world.servers)[0].ip,
        country: admin.site.country,
        host: server.name,
        action: 'logon-remote-interactive',
        outcome: 'success',
      }),
    );
    emit(
      authEvent({
        ts: t + 5,
        user: admin.name,
        sourceIp: (world.byKind.get('jump') ?? world.servers)[0].ip,
        country: admin.site.country,
        host: server.name,
        action: 'logon-special-privileges',
        outcome: 'success',
      }),
    );
    for (const [i, name] of ['wusa.exe', 'msiexec.exe', 'tiworker.exe', 'trustedinstaller.exe'].entries()) {
      emit(processEvent({ ts: t + 30_000 + i * 20_000, host: server.name, user: 'SYSTEM', name, parent: 'services.exe' }));
    }
  }
}

/** Every benign event of one UTC hour (hour index from the start). */
export function benignHour(world: World, hour: number, emit: Emit): void {
  const from = world.startMs + hour * HOUR_MS;
  const to = from + HOUR_MS;
  for (const p of world.people) {
    const local = localTime(world, from, p.site);
    const rng = Rng.derive(world.seed, 'p-hour', p.index, hour);
    // The hour may straddle two local days (half-hour offsets): look at both.
    for (const day of [local.day - 1, local.day]) {
      const plan = dayPlan(world, p, day);
      const dayStart = world.startMs + day * DAY_MS - p.site.utcOffset * HOUR_MS;
      if (plan.present) {
        const s = dayStart + plan.start * HOUR_MS;
        const e = dayStart + plan.end * HOUR_MS;
        const a = Math.max(s, from);
        const b = Math.min(e, to);
        if (b > a) personActivity(world, p, day, plan, rng, a, b, s >= from && s < to ? Math.floor(s) : null, emit);
      }
      if (plan.night) {
        const s = dayStart + plan.night.start * HOUR_MS;
        const e = dayStart + plan.night.end * HOUR_MS;
        if (s >= from && s < to) onCallNight(world, p, rng, s, Math.max(e, s + 600_000), emit);
      }
    }
  }
  for (const host of world.hosts) hostBackground(world, host, hour, emit);
  serviceAccounts(world, hour, emit);
  patchNight(world, hour, emit);
  softwareRollout(world, hour, emit);
}

/** A vendor update rolled out to every workstation on one day: a benign new process on many hosts. */
function softwareRollout(world: World, hour: number, emit: Emit): void {
  const day = 5;
  if (world.days <= day) return;
  const from = world.startMs + hour * HOUR_MS;
  const h = (from - world.startMs - day * DAY_MS) / HOUR_MS;
  if (h < 14 || h >= 18) return;
  const rng = Rng.derive(world.seed, 'rollout', hour);
  for (const ws of world.workstations.filter((_, i) => i % 4 === h - 14)) {
    const t = Math.floor(rng.uniform(from, from + HOUR_MS));
    emit(processEvent({ ts: t, host: ws.name, user: 'SYSTEM', name: 'zoominstallerfull.exe', parent: 'ccmexec.exe' }));
    emit(processEvent({ ts: t + 40_000, host: ws.name, user: 'SYSTEM', name: 'msiexec.exe', parent: 'zoominstallerfull.exe' }));
  }
}
