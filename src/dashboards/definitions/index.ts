/** Every dashboard Vigil ships, in the order they are listed and built. */
import type { DashboardSpec } from '../model.js';
import { overview } from './overview.js';
import { entityInvestigation } from './entity-investigation.js';
import { pipelineHealth } from './pipeline-health.js';

export const DASHBOARDS: readonly DashboardSpec[] = [overview, entityInvestigation, pipelineHealth];
