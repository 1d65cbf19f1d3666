/**
 * The reveal vault: one document per minted token in Vigil's vault index, holding the raw value
 * sealed with AES-256-GCM under a key derived from `privacy.key` (pseudonymiser.ts). Without the
 * key the index reveals nothing; with it, `vigil reveal` turns tokens back into values.
 *
 * Records are created with `op_type: create` and the token as `_id`: a token minted twice (two
 * runners, a restart) is stored once, and an existing record is never overwritten.
 */
import type { Engine, JsonObject } from '../engine/engine.js';
import type { VaultSink } from './executor.js';
import type { Pseudonymiser, VaultRecord } from './pseudonymiser.js';

export class EngineVault implements VaultSink {
  constructor(
    private readonly engine: Engine,
    private readonly index: string,
  ) {}

  async store(records: readonly VaultRecord[]): Promise<void> {
    if (records.length === 0) return;
    const result = await this.engine.bulk(
      records.map((r) => ({
        action: 'create' as const,
        index: this.index,
        id: r.token,
        document: { token: r.token, class: r.class, sealed: r.sealed },
      })),
    );
    // 409: the token is already in the vault (another runner, or an earlier run): nothing to do.
    const failed = result.items.filter((i) => !i.ok && i.status !== 409);
    if (failed.length > 0) {
      const first = failed[0];
      throw new Error(
        `privacy vault ${this.index}: ${failed.length} of ${records.length} token(s) not stored (${first.error?.type ?? first.status}: ${first.error?.reason ?? ''})`,
      );
    }
  }
}

export interface Revealed {
  readonly token: string;
  /** The raw value, or undefined when the vault has no record of the token. */
  readonly value?: string;
  readonly class?: string;
}

/** Looks tokens up in the vault and opens them with the key (wrong key: an error, never a wrong value). */
export async function reveal(engine: Engine, index: string, pseudonymiser: Pseudonymiser, tokens: readonly string[]): Promise<Revealed[]> {
  const unique = [...new Set(tokens)];
  if (unique.length === 0) return [];
  const response = await engine.search(index, { size: unique.length, query: { ids: { values: unique } } });
  const hits = ((response.hits as JsonObject | undefined)?.hits ?? []) as JsonObject[];
  const found = new Map<string, JsonObject>();
  for (const hit of hits) found.set(String(hit._id), hit._source as JsonObject);
  return unique.map((token) => {
    const source = found.get(token);
    if (!source) return { token };
    return { token, class: String(source.class), value: pseudonymiser.unseal(String(source.sealed)) };
  });
}
