/**
 * Privacy for a deployment: the executor every job reads features through, wrapped so identities
 * leave it as tokens when `privacy.pseudonymise` names fields (src/config/privacy.ts).
 */
import type { Engine } from '../engine/engine.js';
import type { FeatureExecutor } from '../features/executor.js';
import type { PrivacyConfig } from '../config/privacy.js';
import { MinimisingExecutor, PseudonymisingExecutor } from './executor.js';
import { Pseudonymiser } from './pseudonymiser.js';
import { EngineVault } from './vault.js';

export { Pseudonymiser, tokensIn, classOf } from './pseudonymiser.js';
export { MinimisingExecutor, PseudonymisingExecutor, readRelatedFields } from './executor.js';
export { EngineVault, reveal } from './vault.js';

/** The executor as configured: unchanged without privacy settings, else tokenising (and minimising). */
export function privateExecutor(executor: FeatureExecutor, engine: Engine, privacy: PrivacyConfig): FeatureExecutor {
  if (privacy.pseudonymise.length === 0) return privacy.minimise ? new MinimisingExecutor(executor) : executor;
  if (privacy.key === undefined) throw new Error('privacy.pseudonymise is set but privacy.key is not (set key: ${VIGIL_PRIVACY_KEY})');
  return new PseudonymisingExecutor(
    executor,
    new Pseudonymiser(privacy.key, privacy.pseudonymise),
    new EngineVault(engine, privacy.vault_index),
    {
      minimise: privacy.minimise,
    },
  );
}

/**
 * Maps a raw value of a field to what anomaly documents carry (its token when the field is
 * pseudonymised), for joins against raw lookup files (the fairness segment lookup); undefined
 * without pseudonymisation.
 */
export function lookupTokeniser(privacy: PrivacyConfig): ((field: string, value: string) => string) | undefined {
  if (privacy.pseudonymise.length === 0 || privacy.key === undefined) return undefined;
  const p = new Pseudonymiser(privacy.key, privacy.pseudonymise);
  return (field, value) => p.value(field, value);
}
