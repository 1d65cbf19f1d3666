/** The registry of attack scenarios, in the order they are listed and generated. */
import { beaconing } from './beaconing.js';
import { bruteForce } from './brute-force.js';
import type { Scenario, ScenarioName } from './common.js';
import { dataExfiltration } from './exfiltration.js';
import { lateralMovement } from './lateral-movement.js';
import { offHoursAdmin } from './off-hours-admin.js';
import { passwordSpray } from './password-spray.js';
import { privilegedAction } from './privileged-action.js';
import { rareCountryLogin } from './rare-country.js';
import { rareProcess } from './rare-process.js';

export type { Scenario, ScenarioName, AttackContext, AttackResult, LabelledEntity } from './common.js';

export const SCENARIOS: readonly Scenario[] = [
  bruteForce,
  passwordSpray,
  rareCountryLogin,
  lateralMovement,
  privilegedAction,
  rareProcess,
  beaconing,
  dataExfiltration,
  offHoursAdmin,
];

export const SCENARIO_NAMES: readonly ScenarioName[] = SCENARIOS.map((s) => s.name);

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
