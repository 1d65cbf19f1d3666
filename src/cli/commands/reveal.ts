import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { connectEngine } from '../../engine/connect.js';
import { Pseudonymiser, tokensIn } from '../../privacy/pseudonymiser.js';
import { reveal } from '../../privacy/vault.js';
import { UsageError } from '../errors.js';

interface RevealFlags {
  config: string;
  file?: string;
  json?: boolean;
}

/**
 * `vigil reveal`: for an operator holding `privacy.key`, turns tokens (given as arguments, or all
 * tokens found in a file such as an alert payload or an exported anomaly document) back into the
 * values they stand for, through the vault index. Without the key nothing opens.
 */
export function register(program: Command): void {
  program
    .command('reveal')
    .description('turn pseudonymisation tokens back into the values they stand for (needs privacy.key)')
    .requiredOption('-c, --config <file>', 'job configuration file (YAML or JSON) with privacy.key')
    .option('-f, --file <file>', 'reveal every token found in this file (alert payload, anomaly document, log)')
    .option('--json', 'one JSON object per token')
    .argument('[tokens...]', 'tokens such as u-3f2a… or fd12:…')
    .action(async (tokens: string[], options: RevealFlags) => {
      const config = await loadConfig(options.config);
      if (!config.privacy.key)
        throw new UsageError(
          `${options.config}: privacy.key is not set, so there is nothing to reveal with (set key: \${VIGIL_PRIVACY_KEY})`,
        );
      const wanted = [...tokens, ...(options.file ? tokensIn(readText(options.file)) : [])];
      if (wanted.length === 0) throw new UsageError('give tokens as arguments or --file FILE holding them');
      const engine = await connectEngine(config.cluster);
      try {
        const pseudonymiser = new Pseudonymiser(config.privacy.key, config.privacy.pseudonymise);
        const revealed = await reveal(engine, config.privacy.vault_index, pseudonymiser, wanted);
        for (const r of revealed) {
          if (options.json) console.log(JSON.stringify(r));
          else
            console.log(r.value === undefined ? `${r.token}\t(not in the vault ${config.privacy.vault_index})` : `${r.token}\t${r.value}`);
        }
        if (revealed.some((r) => r.value === undefined)) process.exitCode = 1;
      } finally {
        await engine.close();
      }
    });
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
