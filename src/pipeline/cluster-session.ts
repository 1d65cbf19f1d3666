/**
 * What every cluster command starts with: the validated config and a connected engine, closed
 * again however the command ends.
 */
import type { VigilConfig } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { connectEngine } from '../engine/connect.js';
import type { Engine } from '../engine/engine.js';

export async function withCluster<T>(configPath: string, fn: (config: VigilConfig, engine: Engine) => Promise<T>): Promise<T> {
  const config = await loadConfig(configPath);
  const engine = await connectEngine(config.cluster);
  try {
    return await fn(config, engine);
  } finally {
    await engine.close().catch(() => undefined);
  }
}

/** "0,2,3" → [0, 2, 3]; throws naming the flag on anything else. */
export function parseIntList(value: string, flag: string): number[] {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const numbers = parts.map(Number);
  if (parts.length === 0 || numbers.some((n) => !Number.isInteger(n) || n < 0))
    throw new Error(`${flag} expects a comma-separated list of partition numbers, e.g. 0,1 (got "${value}")`);
  return numbers;
}
