/**
 * ECS event builders for the simulator. Each builder fixes the key order, so the same inputs
 * always serialise to the same bytes. Field choices follow what Winlogbeat / Elastic Defend /
 * Packetbeat put in ECS: the job presets read these fields, and so would any real deployment.
 */
import type { JsonObject } from '../engine/engine.js';

/** One generated event: its time (epoch ms) for ordering, and the ECS document. */
export interface SimEvent {
  readonly ts: number;
  readonly doc: JsonObject;
}

export type AuthAction =
  | 'logon-interactive'
  | 'logon-remote-interactive'
  | 'logon-network'
  | 'logon-service'
  | 'vpn-logon'
  | 'ssh-logon'
  | 'logon-special-privileges';

export interface AuthInput {
  readonly ts: number;
  readonly user: string;
  readonly sourceIp: string;
  readonly country: string;
  readonly host: string;
  readonly action: AuthAction;
  readonly outcome: 'success' | 'failure';
}

const WINDOWS_LOGON_TYPE: Record<AuthAction, string | undefined> = {
  'logon-interactive': 'Interactive',
  'logon-remote-interactive': 'RemoteInteractive',
  'logon-network': 'Network',
  'logon-service': 'Service',
  'logon-special-privileges': undefined,
  'vpn-logon': undefined,
  'ssh-logon': undefined,
};

function iso(ts: number): string {
  return new Date(ts).toISOString();
}

export function authEvent(a: AuthInput): SimEvent {
  const code = a.action === 'logon-special-privileges' ? '4672' : a.outcome === 'success' ? '4624' : '4625';
  const logonType = WINDOWS_LOGON_TYPE[a.action];
  const doc: JsonObject = {
    '@timestamp': iso(a.ts),
    event: {
      kind: 'event',
      category: ['authentication'],
      type: a.action === 'logon-special-privileges' ? ['start', 'admin'] : ['start'],
      action: a.action,
      outcome: a.outcome,
      code,
    },
    user: { name: a.user },
    source: { ip: a.sourceIp, geo: { country_iso_code: a.country } },
    host: { name: a.host },
    related: { user: [a.user], ip: [a.sourceIp], hosts: [a.host] },
  };
  if (logonType) doc.winlog = { logon: { type: logonType } };
  return { ts: a.ts, doc };
}

export interface ProcessInput {
  readonly ts: number;
  readonly host: string;
  readonly user: string;
  readonly name: string;
  readonly parent: string;
  readonly commandLine?: string;
}

export function processEvent(p: ProcessInput): SimEvent {
  const process: JsonObject = { name: p.name, parent: { name: p.parent } };
  if (p.commandLine) process.command_line = p.commandLine;
  return {
    ts: p.ts,
    doc: {
      '@timestamp': iso(p.ts),
      event: { kind: 'event', category: ['process'], type: ['start'], action: 'process-started' },
      host: { name: p.host },
      user: { name: p.user },
      process,
      related: { user: [p.user], hosts: [p.host] },
    },
  };
}

export interface NetworkInput {
  readonly ts: number;
  readonly host: string;
  readonly sourceIp: string;
  readonly destinationIp: string;
  readonly destinationPort: number;
  readonly sourceBytes: number;
  readonly destinationBytes: number;
  readonly protocol: string;
  /** Country of an external destination; absent for internal ones. */
  readonly destinationCountry?: string;
}

export function networkEvent(n: NetworkInput): SimEvent {
  const destination: JsonObject = { ip: n.destinationIp, port: n.destinationPort, bytes: Math.round(n.destinationBytes) };
  if (n.destinationCountry) destination.geo = { country_iso_code: n.destinationCountry };
  return {
    ts: n.ts,
    doc: {
      '@timestamp': iso(n.ts),
      event: { kind: 'event', category: ['network'], type: ['connection'], action: 'network-flow' },
      host: { name: n.host },
      source: { ip: n.sourceIp, bytes: Math.round(n.sourceBytes) },
      destination,
      network: { transport: 'tcp', protocol: n.protocol, bytes: Math.round(n.sourceBytes + n.destinationBytes) },
      related: { ip: [n.sourceIp, n.destinationIp], hosts: [n.host] },
    },
  };
}

export interface FileInput {
  readonly ts: number;
  readonly user: string;
  readonly host: string;
  readonly path: string;
  readonly bytes: number;
  readonly action: 'file-read' | 'file-write';
}

/** ECS file.* from a Windows share path: \\\\fs01\\dept\\dir\\name.ext. */
function fileFields(path: string, bytes: number): JsonObject {
  const cut = path.lastIndexOf('\\');
  const name = path.slice(cut + 1);
  const dot = name.lastIndexOf('.');
  return { path, directory: path.slice(0, cut), name, ...(dot > 0 ? { extension: name.slice(dot + 1) } : {}), size: Math.round(bytes) };
}

export function fileEvent(f: FileInput): SimEvent {
  return {
    ts: f.ts,
    doc: {
      '@timestamp': iso(f.ts),
      event: { kind: 'event', category: ['file'], type: [f.action === 'file-read' ? 'access' : 'change'], action: f.action },
      user: { name: f.user },
      host: { name: f.host },
      file: fileFields(f.path, f.bytes),
      related: { user: [f.user], hosts: [f.host] },
    },
  };
}

export type IamAction = 'added-member-to-group' | 'user-account-created' | 'password-reset' | 'group-policy-modified' | 'service-installed';

export interface IamInput {
  readonly ts: number;
  readonly user: string;
  readonly host: string;
  readonly sourceIp: string;
  readonly action: IamAction;
  readonly target: string;
}

/** Account and group management (Windows 4720/4728/4724/…): the privileged actions. */
export function iamEvent(i: IamInput): SimEvent {
  return {
    ts: i.ts,
    doc: {
      '@timestamp': iso(i.ts),
      event: { kind: 'event', category: ['iam'], type: ['change', 'admin'], action: i.action, outcome: 'success' },
      user: { name: i.user, target: { name: i.target } },
      host: { name: i.host },
      source: { ip: i.sourceIp },
      related: { user: [i.user, i.target], ip: [i.sourceIp], hosts: [i.host] },
    },
  };
}
