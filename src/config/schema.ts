import { z } from 'zod';
import { clusterSchema } from './cluster.js';
import { jobSchema } from './job.js';
import { alertingSchema } from './alerting.js';
import { pipelineSchema, PIPELINE_DEFAULTS } from './pipeline.js';
import { privacySchema, PRIVACY_DEFAULTS } from './privacy.js';
import { feedbackConfigSchema, FEEDBACK_DEFAULTS } from './feedback.js';
import { listsSchema } from './lists.js';
import { ruleHitsSchema } from './rule-hits.js';
import { serviceSchema, SERVICE_DEFAULTS } from './service.js';
import { fairnessSchema } from './fairness.js';

/** The whole job configuration file (YAML or JSON). Unknown keys are errors, so typos surface. */
export const configSchema = z.strictObject({
  cluster: clusterSchema,
  jobs: z
    .array(jobSchema)
    .min(1, 'at least one job')
    .superRefine((jobs, ctx) => {
      // Two jobs with one id would share checkpoints and leases: refuse it here, by position.
      const first = new Map<string, number>();
      jobs.forEach((job, i) => {
        const seen = first.get(job.id);
        if (seen === undefined) first.set(job.id, i);
        else ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `job ids must be unique (jobs[${seen}].id is the same)` });
      });
    }),
  schedule: z
    .strictObject({
      /** node-cron expression for `vigil run`. */
      cron: z.string().default('*/5 * * * *'),
    })
    .default({ cron: '*/5 * * * *' }),
  output: z
    .strictObject({
      anomaly_index: z.string().default('vigil-anomalies'),
      state_index: z.string().default('vigil-state'),
      dead_letter_index: z.string().default('vigil-dead-letter'),
      /** One run record per processed window (Pipeline health dashboard). */
      status_index: z.string().default('vigil-status'),
    })
    .default({
      anomaly_index: 'vigil-anomalies',
      state_index: 'vigil-state',
      dead_letter_index: 'vigil-dead-letter',
      status_index: 'vigil-status',
    }),
  /**
   * The analyst's budget, for the whole deployment (src/incidents): at most `alerts_per_day` new
   * alert incidents per UTC day over all jobs, above an absolute significance floor (quiet days send
   * fewer). `target_fpr` instead sets the alert level at that quantile of the risk stream (still
   * floored and still capped by `alerts_per_day`).
   */
  threshold: z
    .strictObject({
      alerts_per_day: z.number().int('alerts_per_day is a whole number of incidents').min(1).max(10_000).default(10),
      target_fpr: z.number().gt(0).lt(1).optional(),
    })
    .default({ alerts_per_day: 10 }),
  alerting: alertingSchema.prefault({}),
  /** Leases, catch-up, bulk retries, write floor, retention (src/config/pipeline.ts). */
  pipeline: pipelineSchema.default(PIPELINE_DEFAULTS),
  /** Pseudonymisation and data minimisation (src/config/privacy.ts). */
  privacy: privacySchema.default(PRIVACY_DEFAULTS),
  /** Analyst verdicts and their callback links (src/config/feedback.ts). */
  feedback: feedbackConfigSchema.default(FEEDBACK_DEFAULTS),
  /** Watch-, allow- and IOC lists as soft labels (src/config/lists.ts). */
  lists: listsSchema,
  /** The SOC's detection-rule matches as soft labels (src/config/rule-hits.ts); absent: off. */
  rule_hits: ruleHitsSchema.optional(),
  /** `/metrics`, `/healthz`, `/readyz` of `vigil run` (src/config/service.ts). */
  service: serviceSchema.default(SERVICE_DEFAULTS),
  /** Segment anomaly documents by a directory attribute for fairness monitoring (src/config/fairness.ts); off when absent. */
  fairness: fairnessSchema.optional(),
});

export type VigilConfig = z.infer<typeof configSchema>;
