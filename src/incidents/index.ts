/** The incident pass (issue 10): one call per time slice, all jobs' windows in, decisions out. */
export { IncidentTracker, entityKeyOf, incidentIdOf, type IncidentStateJson } from './tracker.js';
export { scoreOfRisk, cutOfRisk, SCORE_SPREAD, MAX_SCORE, WARMING_UP_MAX_SCORE } from './budget.js';
export {
  incidentOptions,
  incidentOptionsSchema,
  type EntityWindowInput,
  type IncidentDecision,
  type IncidentOptions,
  type IncidentOptionsInput,
  type IncidentStatus,
  type SliceDecision,
  type SliceInput,
  type VerdictRisks,
  type WindowDecision,
} from './types.js';
