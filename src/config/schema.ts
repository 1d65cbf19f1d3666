import { z } from 'zod';
import { clusterSchema } from './cluster.js';
import { jobSchema } from './job.js';
import { alertingSchema } from './alerting.js';
import { pipelineSchema, PIPELINE_DEFAULTS } from './pipeline.js';
import { serviceSchema, SERVICE_DEFAULTS } from './service.js';

/** The whole job configuration file (YAML or JSON). Unknown keys are errors, so typos surface. */
export const configSchema = z.strictObject({
  cluster: clusterSchema,
  jobs: z.array(jobSchema).min(1, 'at least one job'),
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
  alerting: alertingSchema.prefault({}),
  /** Leases, catch-up, bulk retries, write floor, retention (src/config/pipeline.ts). */
  pipeline: pipelineSchema.default(PIPELINE_DEFAULTS),
  /** `/metrics`, `/healthz`, `/readyz` of `vigil run` (src/config/service.ts). */
  service: serviceSchema.default(SERVICE_DEFAULTS),
});

export type VigilConfig = z.infer<typeof configSchema>;
