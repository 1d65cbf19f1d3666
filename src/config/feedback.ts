import { z } from 'zod';

/** `feedback:` — the analyst-verdict index and the signed callback links (src/feedback). */
export const feedbackConfigSchema = z.strictObject({
  /** Verdicts from `vigil feedback` and SOAR callbacks. */
  index: z.string().min(1).default('vigil-feedback'),
  /** Apply verdicts (suppression, calibration) on every pass. */
  enabled: z.boolean().default(true),
  callback: z
    .strictObject({
      /** Where `vigil run`'s HTTP endpoint is reachable from the SOAR, e.g. https://vigil.soc.example:9464. */
      url: z.url({ protocol: /^https?$/ }),
      /** Signs the links (≥ 32 characters, from the environment: `${VIGIL_FEEDBACK_SECRET}`). */
      secret: z.string().min(32, 'feedback.callback.secret: at least 32 characters (e.g. `openssl rand -hex 32`), from the environment'),
    })
    .optional(),
});

export type FeedbackConfig = z.infer<typeof feedbackConfigSchema>;
export const FEEDBACK_DEFAULTS: FeedbackConfig = { index: 'vigil-feedback', enabled: true };
