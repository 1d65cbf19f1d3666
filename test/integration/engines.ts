/**
 * Which real engines an integration test runs against. `npm test` starts both and passes their
 * URLs in the environment; a single file run by hand (`npx tsx --test test/integration/x.test.ts`)
 * starts (or reuses) them itself and leaves them running.
 */
import { startEngine } from '../../src/embedded/launcher.js';
import { EMBEDDED_ENGINES, type EngineFlavour } from '../../src/embedded/versions.js';
import { randomBytes } from 'node:crypto';

export interface TestEngine {
  readonly flavour: EngineFlavour;
  readonly version: string;
  readonly url: string;
  /** "opensearch 2.19.6": use it in describe() names so the output names each engine. */
  readonly label: string;
}

export async function testEngines(): Promise<TestEngine[]> {
  const urls: Record<EngineFlavour, string | undefined> = {
    opensearch: process.env.VIGIL_TEST_OPENSEARCH_URL,
    elasticsearch: process.env.VIGIL_TEST_ELASTICSEARCH_URL,
  };
  const flavours: EngineFlavour[] = ['opensearch', 'elasticsearch'];
  return Promise.all(
    flavours.map(async (flavour) => {
      const url = urls[flavour] ?? (await startEngine(flavour)).url;
      const version = EMBEDDED_ENGINES[flavour].version;
      return { flavour, version, url, label: `${flavour} ${version}` };
    }),
  );
}

/** A unique, lower-case index-name prefix so concurrent test files never share indices. */
export function uniquePrefix(name: string): string {
  return `t-${name}-${randomBytes(4).toString('hex')}`.toLowerCase();
}
