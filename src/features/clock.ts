/**
 * Local clock time of UTC time slots. Time features (off-hours share, hour of day) are computed
 * from event counts per epoch-aligned UTC slot — per event in memory, per date_histogram bucket
 * in the engine (which has no scripting in the minimal distributions) — and each slot is
 * converted to local time here. Every IANA zone's offset (and every DST switch since 1970) is a
 * whole multiple of 15 minutes, so one 15-minute slot never straddles two local hours.
 */
export const CLOCK_SLOT_MS = 15 * 60_000;

export interface LocalClock {
  /** 0–23 */
  readonly hour: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Converts slot starts to local clock time in one zone, memoising per slot (Intl is slow per call). */
export class ClockConverter {
  private readonly format: Intl.DateTimeFormat | undefined;
  private readonly cache = new Map<number, number>();

  constructor(readonly timezone: string) {
    this.format =
      timezone === 'UTC'
        ? undefined
        : new Intl.DateTimeFormat('en-US', { timeZone: timezone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' });
  }

  /** Local clock of the slot containing `time` (epoch ms). */
  at(time: number): LocalClock {
    const slot = Math.floor(time / CLOCK_SLOT_MS) * CLOCK_SLOT_MS;
    let packed = this.cache.get(slot);
    if (packed === undefined) {
      packed = this.compute(slot);
      this.cache.set(slot, packed);
    }
    return { hour: packed % 24, weekday: Math.floor(packed / 24) };
  }

  private compute(slot: number): number {
    if (!this.format) {
      const d = new Date(slot);
      return d.getUTCDay() * 24 + d.getUTCHours();
    }
    let hour = 0;
    let weekday = 0;
    for (const part of this.format.formatToParts(slot)) {
      if (part.type === 'hour') hour = Number(part.value) % 24;
      else if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 0;
    }
    return weekday * 24 + hour;
  }
}
