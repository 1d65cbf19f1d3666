import { z } from 'zod';

/**
 * `privacy:` — pseudonymisation of identities before anything is written or sent, and data
 * minimisation (src/privacy). Optional; off by default.
 */
export const privacySchema = z
  .strictObject({
    /** Fields whose identities become tokens everywhere Vigil writes or sends (every field of the same kind too: user, host, ip). */
    pseudonymise: z.array(z.string().min(1)).default([]),
    /** The secret behind the tokens and the vault (≥ 32 characters), from the environment: `${VIGIL_PRIVACY_KEY}`. */
    key: z.string().optional(),
    /** Collect into related.* only identities from fields the job itself reads. */
    minimise: z.boolean().default(false),
    /** Index of the reveal vault (sealed token → value records). */
    vault_index: z.string().min(1).default('vigil-privacy-vault'),
  })
  .superRefine((p, ctx) => {
    if (p.pseudonymise.length > 0 && (p.key === undefined || p.key.length < 32)) {
      ctx.addIssue({
        code: 'custom',
        path: ['key'],
        message:
          'privacy.pseudonymise needs privacy.key, a secret of at least 32 characters taken from the environment, e.g. key: ${VIGIL_PRIVACY_KEY} (generate one with `openssl rand -hex 32`)',
      });
    }
  });

export type PrivacyConfig = z.infer<typeof privacySchema>;
export const PRIVACY_DEFAULTS: PrivacyConfig = { pseudonymise: [], minimise: false, vault_index: 'vigil-privacy-vault' };
