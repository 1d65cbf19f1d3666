/**
 * Per-entity risk accumulated over time (risk-based alerting, as Splunk RBA and Elastic's entity
 * risk scoring do it, on Vigil's standard-normal scale).
 *
 * An entity (a user, a host, an IP — the same value seen by any job) collects the evidence of each
 * job that scored it in the last `horizonMs`; each piece decays with a half-life. Its risk is
 *
 *   risk = max( strongest decayed propagated score of any job,
 *               Stouffer over the jobs' decayed own scores (top three, positive ones): Σ z / √k )
 *
 * so one job's single loud window counts as it is, and several jobs' independent, moderate
 * evidence about the same entity adds up (a failed-login burst, then a new process, then a large
 * upload from the same account). Propagated scores (which already carry other jobs' risk through
 * the relational pass) never enter the sum, so nothing is counted twice; a job's repeated windows
 * of one episode keep its strongest, decayed — overlapping windows are not independent evidence.
 */
interface Evidence {
  /** Slice end at which it was seen. */
  t: number;
  /** Own (after recurrence) and propagated scores. */
  own: number;
  prop: number;
}

export interface RiskState {
  /** entity key → job → evidence */
  readonly entities: Record<string, Record<string, Evidence>>;
}

export interface RiskParams {
  readonly halfLifeMs: number;
  readonly horizonMs: number;
}

const STOUFFER_TOP = 3;

export class EntityRisk {
  private readonly entities: Map<string, Map<string, Evidence>>;

  constructor(
    private readonly params: RiskParams,
    state?: RiskState,
  ) {
    this.entities = new Map(
      Object.entries(state?.entities ?? {}).map(([k, v]) => [k, new Map(Object.entries(v).map(([j, e]) => [j, { ...e }]))]),
    );
  }

  private decay(z: number, age: number): number {
    return z > 0 ? z * 2 ** (-age / this.params.halfLifeMs) : z;
  }

  /** Adds one job's evidence about an entity at time t (keeps the stronger of old-decayed and new). */
  add(entity: string, job: string, t: number, own: number, prop: number): void {
    let jobs = this.entities.get(entity);
    if (!jobs) this.entities.set(entity, (jobs = new Map<string, Evidence>()));
    const old = jobs.get(job);
    if (!old) {
      jobs.set(job, { t, own, prop });
      return;
    }
    const age = t - old.t;
    jobs.set(job, { t, own: Math.max(own, this.decay(old.own, age)), prop: Math.max(prop, this.decay(old.prop, age)) });
  }

  /** The entity's risk at time t (−∞ when nothing is known). */
  risk(entity: string, t: number): number {
    const jobs = this.entities.get(entity);
    if (!jobs) return -Infinity;
    let best = -Infinity;
    const owns: number[] = [];
    for (const e of jobs.values()) {
      const age = t - e.t;
      if (age > this.params.horizonMs) continue;
      best = Math.max(best, this.decay(e.prop, age), this.decay(e.own, age));
      const o = this.decay(e.own, age);
      if (o > 0) owns.push(o);
    }
    if (owns.length > 1) {
      owns.sort((a, b) => b - a);
      const top = owns.slice(0, STOUFFER_TOP);
      best = Math.max(best, top.reduce((s, z) => s + z, 0) / Math.sqrt(top.length));
    }
    return best;
  }

  /** Drops evidence past the horizon or decayed to nothing (bounded memory). */
  prune(t: number): void {
    for (const [k, jobs] of this.entities) {
      for (const [j, e] of jobs)
        if (t - e.t > this.params.horizonMs || (this.decay(e.prop, t - e.t) < 1 && this.decay(e.own, t - e.t) < 1)) jobs.delete(j);
      if (jobs.size === 0) this.entities.delete(k);
    }
  }

  get size(): number {
    return this.entities.size;
  }

  toJSON(): RiskState {
    const keys = [...this.entities.keys()].sort();
    return { entities: Object.fromEntries(keys.map((k) => [k, Object.fromEntries(this.entities.get(k) ?? [])])) };
  }
}
