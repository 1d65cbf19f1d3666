/**
 * The simulated enterprise: sites, hosts, people, service accounts and the plans that make their
 * behaviour realistic (working hours per site, travel, remote work, new hires, on-call rota, patch
 * day, weekly vulnerability scan, Monday backup). Pure data derived from the seed; the hourly
 * behaviour lives in benign.ts.
 */
import { DEFAULT_PROFILE, DEFAULT_SITES, type Role, type Site, type WorldProfile } from './profile.js';

export type { Role, Site } from './profile.js';
import { Rng } from './rng.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** The historical world's sites (the default profile's). */
export const SITES: readonly Site[] = DEFAULT_SITES;

export type HostKind = 'workstation' | 'dc' | 'file' | 'mail' | 'vpn' | 'backup' | 'scanner' | 'jump' | 'app' | 'db' | 'dev' | 'web';

export interface Host {
  readonly name: string;
  readonly ip: string;
  readonly kind: HostKind;
  readonly site: Site;
}

export interface Person {
  readonly index: number;
  readonly name: string;
  readonly role: Role;
  readonly site: Site;
  readonly department: string;
  /** The (VDI) workstation the person works on; several people share one. */
  readonly workstation: Host;
  /** The thin client / desk IP inside the office (or the site's gateway). */
  readonly officeIp: string;
  /** Home broadband IP used for VPN logons. */
  readonly homeIp: string;
  /** First day with activity: > 0 for new hires (no history before). */
  readonly startDay: number;
  /** Typical local start and end of the working day, hours. */
  readonly workStart: number;
  readonly workEnd: number;
  /** Probability of working from home on a given workday. */
  readonly remoteShare: number;
  /** Servers the person uses in a normal day. */
  readonly servers: readonly Host[];
  /** Programs the person normally runs. */
  readonly apps: readonly string[];
  /** Business trip: days [from, to) logging in through VPN from a hotel abroad. */
  readonly trip?: { readonly from: number; readonly to: number; readonly country: string; readonly ip: string };
  /** Cloud-sync heavy user (large benign uploads). */
  readonly heavyUploader: boolean;
  /** Admins: the servers their team runs (they rarely touch others). Empty for everyone else. */
  readonly portfolio: readonly Host[];
}

export interface ServiceAccount {
  readonly name: string;
  readonly kind: 'backup' | 'monitor' | 'sql' | 'web' | 'legacy' | 'scan' | 'deploy' | 'app';
  /** Host the account runs from. */
  readonly home: Host;
  /** Hosts it logs on to. */
  readonly targets: readonly Host[];
}

export interface ExternalService {
  readonly ip: string;
  readonly country: string;
  readonly port: number;
  readonly protocol: string;
}

export interface World {
  readonly seed: number;
  readonly startMs: number;
  readonly days: number;
  readonly hosts: readonly Host[];
  readonly servers: readonly Host[];
  readonly workstations: readonly Host[];
  readonly people: readonly Person[];
  readonly services: readonly ServiceAccount[];
  readonly byKind: ReadonlyMap<HostKind, readonly Host[]>;
  /** SaaS and update endpoints every host talks to. */
  readonly saas: readonly ExternalService[];
  /** Endpoint agent telemetry destination: every host reports to it periodically (benign beaconing). */
  readonly telemetry: ExternalService;
  /** Admin on call per ISO week index. */
  readonly onCall: readonly Person[];
  /** Day index of patch night (or -1). */
  readonly patchDay: number;
  /** Sites, role mix, schedules and noisy services of this world. */
  readonly profile: WorldProfile;
}

export interface WorldOptions {
  readonly seed: number;
  readonly startMs: number;
  readonly days: number;
  readonly users: number;
  readonly hosts: number;
  /** Default: the historical world (DEFAULT_PROFILE). */
  readonly profile?: WorldProfile;
}

const FIRST = [
  'james',
  'mary',
  'john',
  'patricia',
  'robert',
  'jennifer',
  'michael',
  'linda',
  'william',
  'elizabeth',
  'david',
  'barbara',
  'richard',
  'susan',
  'joseph',
  'jessica',
  'thomas',
  'sarah',
  'charles',
  'karen',
  'priya',
  'arjun',
  'oliver',
  'amelia',
  'lukas',
  'hannah',
  'felix',
  'emma',
  'rahul',
  'ananya',
  'george',
  'isla',
  'noah',
  'mia',
  'leon',
  'sofia',
  'ravi',
  'deepa',
  'jack',
  'grace',
];
const LAST = [
  'smith',
  'johnson',
  'williams',
  'brown',
  'jones',
  'garcia',
  'miller',
  'davis',
  'wilson',
  'taylor',
  'anderson',
  'thomas',
  'moore',
  'martin',
  'jackson',
  'white',
  'harris',
  'clark',
  'lewis',
  'walker',
  'patel',
  'sharma',
  'iyer',
  'mueller',
  'schmidt',
  'schneider',
  'fischer',
  'weber',
  'evans',
  'roberts',
  'hughes',
  'wright',
  'green',
  'hall',
  'reddy',
  'nair',
  'becker',
  'hoffmann',
  'cooper',
  'ward',
];
const DEPARTMENTS = ['finance', 'sales', 'marketing', 'hr', 'legal', 'operations', 'support', 'procurement'];

export const OFFICE_APPS = [
  'outlook.exe',
  'chrome.exe',
  'msedge.exe',
  'excel.exe',
  'winword.exe',
  'teams.exe',
  'explorer.exe',
  'onedrive.exe',
  'acrord32.exe',
  'powerpnt.exe',
  'zoom.exe',
  'notepad.exe',
  'slack.exe',
  'sapgui.exe',
];
export const DEV_APPS = [
  'code.exe',
  'git.exe',
  'node.exe',
  'python.exe',
  'docker.exe',
  'ssh.exe',
  'chrome.exe',
  'teams.exe',
  'outlook.exe',
  'wsl.exe',
  'java.exe',
  'dotnet.exe',
  'powershell.exe',
  'cmd.exe',
  'npm.cmd',
  'go.exe',
];
export const ADMIN_APPS = [
  'mmc.exe',
  'powershell.exe',
  'cmd.exe',
  'mstsc.exe',
  'outlook.exe',
  'chrome.exe',
  'teams.exe',
  'putty.exe',
  'dsa.msc',
  'gpmc.msc',
  'winscp.exe',
  'wireshark.exe',
];
/** Developers try new tools now and then: a benign source of first-seen processes. */
export const DEV_TOOL_POOL = [
  'terraform.exe',
  'kubectl.exe',
  'helm.exe',
  'jq.exe',
  'curl.exe',
  'wget.exe',
  'rustc.exe',
  'cargo.exe',
  'gradle.bat',
  'mvn.cmd',
  'az.cmd',
  'aws.exe',
  'gcloud.cmd',
  'postman.exe',
  'dbeaver.exe',
  'ngrok.exe',
  'nmap.exe',
  'procmon.exe',
  'windbg.exe',
  'sqlcmd.exe',
];

export const SERVER_PROCESSES: Readonly<Record<HostKind, readonly string[]>> = {
  workstation: [],
  dc: ['lsass.exe', 'dns.exe', 'ntfrs.exe', 'dfsrs.exe', 'svchost.exe', 'wmiprvse.exe'],
  file: ['svchost.exe', 'srmsvc.exe', 'wmiprvse.exe', 'dfsrs.exe'],
  mail: ['msexchangetransport.exe', 'w3wp.exe', 'svchost.exe', 'noderunner.exe'],
  vpn: ['openvpn', 'sshd', 'cron', 'rsyslogd'],
  backup: ['veeam.backup.service.exe', 'veeamagent.exe', 'svchost.exe'],
  scanner: ['nessusd', 'nasl', 'cron', 'sshd'],
  jump: ['rdpclip.exe', 'mstsc.exe', 'svchost.exe', 'powershell.exe'],
  app: ['java', 'w3wp.exe', 'svchost.exe', 'tomcat9.exe', 'python'],
  db: ['sqlservr.exe', 'sqlagent.exe', 'svchost.exe', 'sqlwriter.exe'],
  dev: ['bash', 'git', 'python3', 'node', 'gcc', 'make', 'dockerd', 'sshd', 'vim', 'cron'],
  web: ['nginx', 'node', 'java', 'sshd', 'cron'],
};

/** Countries employees travel to (benign country changes). */
const TRAVEL_COUNTRIES = ['FR', 'ES', 'IT', 'NL', 'JP', 'SG', 'CA', 'AU', 'AE', 'MX', 'BR', 'CH'];

function ip4(a: number, b: number, c: number, d: number): string {
  return `${a}.${b}.${c}.${d}`;
}

/** A plausible public IP in an ISP range of the given country (not the TEST-NET ranges attackers use). */
export function publicIp(rng: Rng, country: string): string {
  const prefixes: Record<string, readonly number[]> = {
    US: [24, 50, 67, 68, 71, 73, 76, 98, 99, 107],
    GB: [2, 31, 51, 81, 86, 90, 109],
    DE: [46, 77, 79, 84, 87, 91, 93],
    IN: [49, 59, 106, 117, 122, 157],
  };
  const firsts = prefixes[country] ?? [37, 41, 62, 78, 80, 83, 85, 88, 94, 95, 176, 178, 188, 190, 200, 201];
  return ip4(rng.pick(firsts), rng.int(1, 254), rng.int(0, 255), rng.int(1, 254));
}

function hostsPlan(total: number): [HostKind, number][] {
  const n = Math.max(total, 16);
  const fixed: [HostKind, number][] = [
    ['dc', 2],
    ['file', 2],
    ['mail', 1],
    ['vpn', 1],
    ['backup', 1],
    ['scanner', 1],
    ['jump', 1],
  ];
  const rest = n - fixed.reduce((s, [, c]) => s + c, 0);
  const app = Math.max(1, Math.round(rest * 0.1));
  const db = Math.max(1, Math.round(rest * 0.05));
  const dev = Math.max(1, Math.round(rest * 0.06));
  const web = Math.max(1, Math.round(rest * 0.05));
  return [...fixed, ['app', app], ['db', db], ['dev', dev], ['web', web], ['workstation', rest - app - db - dev - web]];
}

function buildHosts(seed: number, total: number, sites: readonly Site[]): Host[] {
  const hosts: Host[] = [];
  let serverIndex = 0;
  for (const [kind, count] of hostsPlan(total)) {
    for (let i = 1; i <= count; i++) {
      const rng = Rng.derive(seed, 'host', kind, i);
      if (kind === 'workstation') {
        const site = rng.weighted(sites.map((s) => [s, s.share] as const));
        hosts.push({
          name: `ws-${site.code}-${String(i).padStart(4, '0')}`,
          ip: ip4(10, 20 + sites.indexOf(site), Math.floor(i / 250), (i % 250) + 2),
          kind,
          site,
        });
      } else {
        serverIndex++;
        const name = `${kind === 'vpn' ? 'vpn-gw' : kind === 'backup' ? 'bkp' : kind === 'scanner' ? 'scan' : kind}${String(i).padStart(2, '0')}`;
        // 240 servers per /24 from .10: the last octet stays ≤ 249 however many servers there are.
        hosts.push({ name, ip: ip4(10, 0, Math.floor(serverIndex / 240), (serverIndex % 240) + 10), kind, site: sites[0] });
      }
    }
  }
  return hosts;
}

function uniqueName(rng: Rng, taken: Set<string>): string {
  for (;;) {
    const base = `${rng.pick(FIRST)[0]}${rng.pick(LAST)}`;
    if (!taken.has(base)) {
      taken.add(base);
      return base;
    }
    for (let k = 2; k < 100; k++) {
      const name = `${base}${k}`;
      if (!taken.has(name)) {
        taken.add(name);
        return name;
      }
    }
  }
}

export function buildWorld(options: WorldOptions): World {
  const { seed, startMs, days } = options;
  const profile = options.profile ?? DEFAULT_PROFILE;
  const sites = profile.sites;
  const hosts = buildHosts(seed, options.hosts, sites);
  const byKind = new Map<HostKind, Host[]>();
  for (const h of hosts) byKind.set(h.kind, [...(byKind.get(h.kind) ?? []), h]);
  const of = (k: HostKind): Host[] => byKind.get(k) ?? [];
  const servers = hosts.filter((h) => h.kind !== 'workstation');
  const workstations = of('workstation');

  // Service accounts: a fixed core plus one app account per ~50 users.
  const serviceCount = Math.max(8, Math.round(options.users * 0.05));
  const services: ServiceAccount[] = [
    { name: 'svc-backup', kind: 'backup', home: of('backup')[0], targets: servers.filter((h) => h.kind !== 'backup' && h.kind !== 'vpn') },
    {
      name: 'svc-monitor',
      kind: 'monitor',
      home: of('app')[0],
      targets: servers.filter((h) => ['dc', 'file', 'mail', 'db', 'web'].includes(h.kind)),
    },
    { name: 'svc-sql', kind: 'sql', home: of('app')[0], targets: of('db') },
    { name: 'svc-web', kind: 'web', home: of('web')[0], targets: [...of('app'), ...of('db')] },
    { name: 'svc-legacy-erp', kind: 'legacy', home: of('app')[of('app').length - 1], targets: [of('file')[0]] },
    { name: 'svc-scan', kind: 'scan', home: of('scanner')[0], targets: hosts.filter((h) => h.kind !== 'scanner') },
    { name: 'svc-deploy', kind: 'deploy', home: of('dev')[0], targets: [...of('web'), ...of('app')] },
  ];
  // More stale accounts failing around the clock in some worlds.
  for (let k = 1; k < profile.staleAccounts; k++) {
    const rng = Rng.derive(seed, 'stale', k);
    services.push({
      name: `svc-old${k}`,
      kind: 'legacy',
      home: rng.pick(of('app')),
      targets: [rng.pick([...of('file'), ...of('db'), ...of('app')])],
    });
  }
  for (let i = services.length; i < serviceCount; i++) {
    const rng = Rng.derive(seed, 'svc', i);
    const home = rng.pick(of('app'));
    services.push({
      name: `svc-app${String(i).padStart(2, '0')}`,
      kind: 'app',
      home,
      targets: rng.sample([...of('db'), ...of('file'), ...of('app')], rng.int(1, 3)),
    });
  }

  const humans = Math.max(options.users - serviceCount, 8);
  const taken = new Set<string>();
  const people: Person[] = [];
  const wsBySite = new Map<string, Host[]>();
  for (const w of workstations) wsBySite.set(w.site.code, [...(wsBySite.get(w.site.code) ?? []), w]);
  const userServers = [...of('file'), ...of('mail'), ...of('app')];
  const servers0 = servers;
  for (let i = 0; i < humans; i++) {
    const rng = Rng.derive(seed, 'person', i);
    const role: Role = rng.weighted<Role>(profile.roles);
    // Make sure every small world still has admins and developers.
    const fixedRole: Role = i === 0 ? 'admin' : i === 1 ? 'developer' : i === 2 ? 'helpdesk' : i === 3 ? 'admin' : role;
    const site = rng.weighted(sites.map((s) => [s, s.share] as const));
    const siteWs = wsBySite.get(site.code) ?? workstations;
    const workstation = siteWs.length ? rng.pick(siteWs) : rng.pick(workstations);
    const siteIndex = sites.indexOf(site);
    const officeIp = site.gatewayIp ?? ip4(10, 40 + siteIndex, Math.floor(i / 250), (i % 250) + 2);
    const newHire = i >= 4 && rng.chance(0.03) && days > 4;
    const servers = [...rng.sample(userServers, rng.int(2, 4))];
    if (fixedRole === 'developer') servers.push(...rng.sample(of('dev'), rng.int(1, Math.min(3, of('dev').length))));
    const apps =
      fixedRole === 'developer'
        ? rng.sample(DEV_APPS, rng.int(8, 12))
        : fixedRole === 'admin'
          ? rng.sample(ADMIN_APPS, rng.int(7, 10))
          : rng.sample(OFFICE_APPS, rng.int(5, 9));
    let trip: Person['trip'];
    if (fixedRole !== 'helpdesk' && rng.chance(0.06) && days >= 5) {
      const from = rng.int(1, days - 3);
      const country = rng.pick(TRAVEL_COUNTRIES);
      trip = { from, to: Math.min(days, from + rng.int(2, 4)), country, ip: publicIp(rng, country) };
    }
    const lateBird = fixedRole === 'developer' ? rng.uniform(0.5, 2) : 0;
    // Admin teams: Windows infrastructure, application / database, Linux / web. Each admin looks
    // after most of their team's servers and now and then one outside it.
    const teams: HostKind[][] = [
      ['dc', 'file', 'mail', 'jump', 'backup'],
      ['app', 'db'],
      ['web', 'dev', 'vpn', 'scanner'],
    ];
    const team = teams[i % teams.length];
    const teamServers = servers0.filter((h) => team.includes(h.kind));
    const portfolio = fixedRole === 'admin' ? rng.sample(teamServers, Math.max(2, Math.ceil(teamServers.length * 0.7))) : [];
    people.push({
      index: i,
      name: uniqueName(rng, taken),
      role: fixedRole,
      site,
      department:
        fixedRole === 'developer'
          ? 'engineering'
          : fixedRole === 'admin'
            ? 'it'
            : fixedRole === 'helpdesk'
              ? 'it-support'
              : rng.pick(DEPARTMENTS),
      workstation,
      officeIp,
      homeIp: publicIp(rng, site.country),
      startDay: newHire ? rng.int(3, days - 2) : 0,
      workStart: rng.normal(8.3 + lateBird, 0.5),
      workEnd: rng.normal(17.3 + lateBird, 0.6),
      remoteShare: rng.weighted([
        [0.05, 0.4],
        [0.3, 0.35],
        [0.7, 0.2],
        [1, 0.05],
      ]),
      servers,
      apps,
      trip,
      heavyUploader: rng.chance(0.05),
      portfolio,
    });
  }

  const worldRng = Rng.derive(seed, 'world');
  const admins = people.filter((p) => p.role === 'admin');
  const onCall: Person[] = [];
  for (let w = 0; w < Math.ceil(days / 7) + 1; w++) onCall.push(admins[w % admins.length]);
  const saas: ExternalService[] = [];
  for (let i = 0; i < 40; i++) {
    const country = worldRng.weighted([
      ['US', 0.7],
      ['IE', 0.1],
      ['DE', 0.1],
      ['NL', 0.1],
    ]);
    saas.push({
      ip: ip4(
        worldRng.pick([13, 20, 23, 34, 35, 40, 52, 104, 142, 151, 172]),
        worldRng.int(0, 255),
        worldRng.int(0, 255),
        worldRng.int(1, 254),
      ),
      country,
      port: 443,
      protocol: 'https',
    });
  }
  // Patch night: the first Tuesday after warm-up when there is one.
  let patchDay = -1;
  for (let d = 3; d < days; d++)
    if (new Date(startMs + d * DAY_MS).getUTCDay() === 2) {
      patchDay = d;
      break;
    }
  return {
    seed,
    startMs,
    days,
    hosts,
    servers,
    workstations,
    people,
    services,
    byKind,
    saas,
    telemetry: { ip: '52.160.40.12', country: 'US', port: 443, protocol: 'https' },
    onCall,
    patchDay,
    profile,
  };
}

/** Local day index, local hour (fractional) and weekday for a UTC instant at a site. */
export function localTime(world: World, ts: number, site: Site): { day: number; hour: number; weekday: number } {
  const local = ts + site.utcOffset * HOUR_MS;
  const day = Math.floor((local - world.startMs) / DAY_MS);
  const hour = ((local - world.startMs) % DAY_MS) / HOUR_MS;
  return { day, hour: hour < 0 ? hour + 24 : hour, weekday: new Date(local).getUTCDay() };
}
