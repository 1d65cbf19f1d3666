import { z } from 'zod';
import { durationSchema } from './job.js';

/**
 * The operations endpoints of `vigil run` (src/service/http.ts): Prometheus `/metrics`, liveness
 * `/healthz` and readiness `/readyz`. Loopback by default: the metrics name jobs and entities'
 * counts, so exposing them beyond the host (a container, a pod) is a deliberate `host: 0.0.0.0`.
 */
export const serviceSchema = z.strictObject({
  /** `false` serves nothing (e.g. `vigil run --once` from an external scheduler). */
  enabled: z.boolean().default(true),
  /** Interface to listen on; an IPv4/IPv6 address, not a host name, so the bind is unambiguous. */
  host: z.union([z.ipv4(), z.ipv6()]).default('127.0.0.1'),
  /** TCP port; 0 picks a free one (the chosen port is logged as "service endpoints listening"). */
  port: z.number().int().min(0).max(65_535).default(9477),
  /**
   * `/readyz` fails when a held partition's oldest due window has waited longer than this (the
   * `vigil_lag_seconds` metric): the runner is alive but falling behind.
   */
  max_lag: durationSchema.default('15m'),
  /**
   * A hot standby (this runner holds no partition lease, another one does) is reported unready by
   * default, so monitoring shows which replica works; `true` reports it ready.
   */
  ready_when_standby: z.boolean().default(false),
  /** How long `/readyz` waits for the cluster to answer before counting it unreachable. */
  engine_probe_timeout: durationSchema.default('3s'),
});

export type ServiceConfig = z.infer<typeof serviceSchema>;

export const SERVICE_DEFAULTS: ServiceConfig = serviceSchema.parse({});
