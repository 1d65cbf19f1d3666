/**
 * Vigil's version as recorded in anomaly documents (`rule.version`, `vigil.model_version`): read
 * from package.json, found by walking up from this file (src/pipeline/ when run from source,
 * dist/src/pipeline/ when built), so it can never drift from the published version.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const packageSchema = z.object({ name: z.literal('vigil'), version: z.string().min(1) });

function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const parsed = packageSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (parsed.success) return parsed.data.version;
    }
    dir = dirname(dir);
  }
  throw new Error('vigil: cannot find its package.json (name "vigil") above src/pipeline/version.ts');
}

export const VIGIL_VERSION = readVersion();
