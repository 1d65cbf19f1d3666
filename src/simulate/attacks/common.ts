/**
 * What every attack scenario shares: its context (world, seeded stream, time range, intensity and
 * stealth), the shape of what it returns, and small helpers. Each scenario lives in its own file
 * and produces ordinary ECS events through the same builders as the benign world, so nothing but
 * behaviour tells them apart.
 */
import type { SimEvent } from '../events.js';
import { publicIp, type Person, type World } from '../world.js';
import type { Rng } from '../rng.js';

export type ScenarioName =
  | 'brute_force'
  | 'password_spray'
  | 'rare_country_login'
  | 'lateral_movement'
  | 'privileged_action'
  | 'rare_process'
  | 'beaconing'
  | 'data_exfiltration'
  | 'off_hours_admin';

export interface AttackContext {
  readonly world: World;
  readonly rng: Rng;
  /** The attack starts within [earliestMs, latestMs]. */
  readonly earliestMs: number;
  readonly latestMs: number;
  /** Scales volumes (attempts, hosts, bytes); 1 = the documented defaults. */
  readonly intensity: number;
  /** 0 = loud, 1 = as quiet as the scenario can be (slower, fewer, blending with benign habits). */
  readonly stealth: number;
}

export interface LabelledEntity {
  readonly field: 'user.name' | 'source.ip' | 'host.name';
  readonly value: string;
}

export interface AttackResult {
  readonly events: SimEvent[];
  /** Entities the attack is about; one label line each, all sharing the attack's time span. */
  readonly entities: readonly LabelledEntity[];
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly technique: string;
  readonly description: string;
  generate(ctx: AttackContext): AttackResult;
}

/** Linear interpolation between the loud (s = 0) and the quiet (s = 1) value. */
export function lerp(loud: number, quiet: number, stealth: number): number {
  return loud + (quiet - loud) * stealth;
}

/** Countries attackers' infrastructure sits in; stealthy attackers rent proxies in the victim's country instead. */
const HOSTILE_COUNTRIES = ['RU', 'CN', 'NG', 'IR', 'KP', 'VN', 'RO', 'UA', 'BR', 'TR', 'ID', 'PK'];

export function attackerIp(ctx: AttackContext, homeCountry: string): { ip: string; country: string } {
  const country = ctx.rng.chance(ctx.stealth * 0.8) ? homeCountry : ctx.rng.pick(HOSTILE_COUNTRIES);
  return { ip: publicIp(ctx.rng, country), country };
}

export function hostileCountry(ctx: AttackContext, avoid: readonly string[]): string {
  const options = HOSTILE_COUNTRIES.filter((c) => !avoid.includes(c));
  return ctx.rng.pick(options.length ? options : HOSTILE_COUNTRIES);
}

export function startIn(ctx: AttackContext, durationMs: number): number {
  const latest = Math.max(ctx.earliestMs, ctx.latestMs - durationMs);
  return Math.floor(ctx.rng.uniform(ctx.earliestMs, latest));
}

/** Regular steps over [start, start + duration) with ±jitter (share of a step). */
export function spread(ctx: AttackContext, start: number, durationMs: number, n: number, jitter = 0.4): number[] {
  const step = durationMs / Math.max(n, 1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.floor(start + step * (i + 0.5 + ctx.rng.uniform(-jitter, jitter))));
  return out.sort((a, b) => a - b);
}

export function humans(world: World, roles: readonly Person['role'][]): Person[] {
  const list = world.people.filter((p) => roles.includes(p.role) && p.startDay === 0);
  return list.length ? list : [...world.people];
}

export function scaled(base: number, ctx: AttackContext, min = 1): number {
  return Math.max(min, Math.round(base * ctx.intensity));
}
