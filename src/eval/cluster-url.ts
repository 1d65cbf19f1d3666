/** A cluster given as a bare URL (`--cluster http://127.0.0.1:9250`): default settings, validated. */
import { clusterSchema } from '../config/cluster.js';
import { connectEngine } from '../engine/connect.js';
import type { Engine } from '../engine/engine.js';

export class ClusterUrlError extends Error {
  constructor(url: string) {
    super(`--cluster must be an http(s) URL such as http://127.0.0.1:9250, got "${url}"`);
    this.name = 'ClusterUrlError';
  }
}

export async function connectByUrl(url: string): Promise<Engine> {
  const cluster = clusterSchema.safeParse({ urls: [url] });
  if (!cluster.success) throw new ClusterUrlError(url);
  return connectEngine(cluster.data);
}
