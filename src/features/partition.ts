/**
 * Stable entity partitioning: entity value → partition in [0, count). The same function is used
 * by both executors and by anyone splitting a job across runners, so every entity belongs to
 * exactly one partition, on every machine, across restarts and Node versions.
 *
 * FNV-1a (32 bit) over the UTF-8 bytes of the entity value ("alice", or "alice|10.0.0.1" for two
 * entity fields): cheap, dependency-free and well spread for short keys.
 */
const encoder = new TextEncoder();

export function stableHash(value: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(value)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function partitionOf(entityValue: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new Error(`partition count must be a positive integer, got ${count}`);
  return count === 1 ? 0 : stableHash(entityValue) % count;
}

/** Checks a request's partition and returns a membership test for entity values. */
export function partitionFilter(partition: { index: number; count: number } | undefined): (entityValue: string) => boolean {
  if (!partition || partition.count === 1) return () => true;
  const { index, count } = partition;
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`partition index must be in [0, ${count}), got ${index}`);
  }
  return (value) => partitionOf(value, count) === index;
}
