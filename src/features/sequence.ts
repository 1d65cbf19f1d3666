/**
 * Ordered actions (sequence model) and arrival times per destination (periodicity / beaconing)
 * for one entity-window. Both executors feed the same collector — the memory executor per event,
 * the aggregation executor per streamed hit — and the same ordering and caps are applied at the
 * end, so the output does not depend on the order the events arrived in.
 */
import type { FeatureLimits } from './executor.js';

export class SequenceCollector {
  private readonly times: number[] = [];
  private readonly actionList: string[] = [];
  private readonly byDestination = new Map<string, number[]>();

  addAction(time: number, action: string): void {
    this.times.push(time);
    this.actionList.push(action);
  }

  addArrival(destination: string, time: number): void {
    let list = this.byDestination.get(destination);
    if (!list) {
      list = [];
      this.byDestination.set(destination, list);
    }
    list.push(time);
  }

  /** Actions ordered by (time, action), the earliest `maxActions`. */
  actions(limits: FeatureLimits): string[] {
    const order = this.times.map((_, i) => i);
    order.sort(
      (a, b) =>
        this.times[a] - this.times[b] || (this.actionList[a] < this.actionList[b] ? -1 : this.actionList[a] > this.actionList[b] ? 1 : 0),
    );
    const n = Math.min(order.length, limits.maxActions);
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = this.actionList[order[i]];
    return out;
  }

  /** Destinations with most arrivals first (ties by name), each with its earliest `maxArrivals` times ascending. */
  arrivals(limits: FeatureLimits): Record<string, number[]> {
    const entries = [...this.byDestination.entries()];
    entries.sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const out: Record<string, number[]> = {};
    for (const [destination, times] of entries.slice(0, limits.maxDestinations)) {
      times.sort((a, b) => a - b);
      out[destination] = times.length > limits.maxArrivals ? times.slice(0, limits.maxArrivals) : times;
    }
    return out;
  }
}
