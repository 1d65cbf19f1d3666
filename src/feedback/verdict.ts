/**
 * Analyst feedback: one document per verdict in the feedback index (mappings/feedback.index-template.json).
 *
 * - `true_positive`: the anomaly or incident was real. A positive label for calibration.
 * - `false_positive`: it was not. A negative label, and its pattern is muted for a short while
 *   (default 7 days) so the same noise does not come back the next hour.
 * - `benign_expected`: expected behaviour ("this backup account does this every Monday"). A negative
 *   label, and its pattern is suppressed until the verdict expires (default 90 days) or the
 *   behaviour changes (pattern.ts).
 */
import { z } from 'zod';

export const VERDICTS = ['true_positive', 'false_positive', 'benign_expected'] as const;
export type VerdictKind = (typeof VERDICTS)[number];

/** Default life of a verdict's suppression, by kind (true positives suppress nothing). */
export const DEFAULT_EXPIRY_DAYS: Readonly<Record<VerdictKind, number>> = { true_positive: 0, false_positive: 7, benign_expected: 90 };

const featureBand = z.strictObject({ name: z.string().min(1), actual: z.number(), typical: z.number() });

/** What a verdict is about: enough of the anomaly document to match later windows without reading it again. */
export const feedbackSchema = z.strictObject({
  '@timestamp': z.iso.datetime(),
  vigil: z.strictObject({
    feedback: z.strictObject({
      verdict: z.enum(VERDICTS),
      by: z.string().min(1),
      reason: z.string().default(''),
      /** The anomaly document and/or incident the verdict is about. */
      anomaly_id: z.string().optional(),
      incident_id: z.string().optional(),
      job_id: z.string().min(1),
      entity: z.strictObject({ field: z.string().min(1), value: z.string() }),
      /** The fused score of the judged window (calibration label) and its window start. */
      fused_score: z.number(),
      window_start: z.iso.datetime(),
      /**
       * The judged window's accumulated risk (its vigil.risk, z scale): what the alert threshold
       * warm-starts from. Verdicts written before it existed get it from the judged document when
       * a pass reads them (FeedbackStore.active).
       */
      risk: z.number().optional(),
      /** The features that carried the anomaly, with their values then: the suppressed pattern. */
      pattern: z.array(featureBand).default([]),
      /** When the suppression lapses (absent for true positives). */
      expires: z.iso.datetime().optional(),
    }),
  }),
});

export type FeedbackDocument = z.infer<typeof feedbackSchema>;
export type Feedback = FeedbackDocument['vigil']['feedback'];

/** Parses one stored feedback document; a malformed one is reported, never silently used. */
export function parseFeedback(source: unknown): { ok: true; feedback: Feedback; at: number } | { ok: false; error: string } {
  const parsed = feedbackSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `${issue.path.join('.')}: ${issue.message}` };
  }
  return { ok: true, feedback: parsed.data.vigil.feedback, at: Date.parse(parsed.data['@timestamp']) };
}
