import type { EventSink, SinkReport } from '../../../src/simulate/sinks.js';
import type { SimEvent } from '../../../src/simulate/events.js';
import { parseAttackSpec, type SimulateOptions } from '../../../src/simulate/options.js';

/** Keeps the serialised lines in memory (what the file sink would write). */
export class MemorySink implements EventSink {
  readonly lines: string[] = [];
  async write(events: readonly SimEvent[]): Promise<void> {
    for (const e of events) this.lines.push(JSON.stringify(e.doc));
  }
  async close(): Promise<SinkReport> {
    return { kind: 'file', target: 'memory', written: this.lines.length, failed: 0, errors: {} };
  }
}

export function smallOptions(over: Partial<SimulateOptions> = {}): SimulateOptions {
  return {
    seed: 11,
    days: 4,
    users: 40,
    hosts: 24,
    startMs: Date.parse('2026-03-02T00:00:00Z'),
    attacks: parseAttackSpec('all:1'),
    intensity: 1,
    stealth: 0.3,
    ...over,
  };
}
