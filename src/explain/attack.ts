/**
 * MITRE ATT&CK mapping of a scored window: which techniques the evidence suggests, as the ECS
 * `threat.*` fields. A small built-in table covers what Vigil's models see; the mapping is a hint for
 * triage, not a verdict. Order of precedence: the caller's `featureTechniques` for a feature or
 * field, then keyword rules on feature and field names (beaconing → T1071.001, a privileged
 * first-time action from the sequence model → T1078.003).
 *
 * Only evidence that scored counts: the caller passes the evidence items that carry a real share of
 * the anomaly (ATTACK_MIN_CONTRIBUTION), not every model that ran. Each technique carries the one
 * tactic that Vigil's evidence supports (a new-country login with a valid account is Initial Access),
 * not every tactic ATT&CK lists for it — a beacon is Command and Control, not six tactics.
 *
 * ECS shape: a sub-technique (T1110.001) goes to `threat.technique.subtechnique.*` and its parent
 * (T1110) to `threat.technique.*`.
 */

/** Evidence below this share of the anomaly does not suggest techniques. */
export const ATTACK_MIN_CONTRIBUTION = 0.2;

export interface Tactic {
  readonly id: string;
  readonly name: string;
}

export interface Technique {
  /** T1110 or, for a sub-technique, T1110.001. */
  readonly id: string;
  /** ATT&CK's own name: "Brute Force", or for a sub-technique "Password Guessing". */
  readonly name: string;
  readonly reference: string;
  /** The tactic Vigil's evidence for this technique supports. */
  readonly tactic: Tactic;
  /** Set for a sub-technique. */
  readonly parent?: string;
}

export interface ThreatFields {
  framework: 'MITRE ATT&CK';
  tactic: { id: string[]; name: string[]; reference: string[] };
  technique: { id: string[]; name: string[]; reference: string[]; subtechnique?: { id: string[]; name: string[]; reference: string[] } };
}

const T = {
  initialAccess: { id: 'TA0001', name: 'Initial Access' },
  execution: { id: 'TA0002', name: 'Execution' },
  privilegeEscalation: { id: 'TA0004', name: 'Privilege Escalation' },
  credentialAccess: { id: 'TA0006', name: 'Credential Access' },
  lateralMovement: { id: 'TA0008', name: 'Lateral Movement' },
  exfiltration: { id: 'TA0010', name: 'Exfiltration' },
  commandAndControl: { id: 'TA0011', name: 'Command and Control' },
} as const satisfies Record<string, Tactic>;

function technique(id: string, name: string, tactic: Tactic): Technique {
  const parent = id.includes('.') ? id.slice(0, id.indexOf('.')) : undefined;
  return { id, name, tactic, reference: `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`, ...(parent ? { parent } : {}) };
}

export const TECHNIQUES: Readonly<Record<string, Technique>> = {
  T1110: technique('T1110', 'Brute Force', T.credentialAccess),
  'T1110.001': technique('T1110.001', 'Password Guessing', T.credentialAccess),
  'T1110.003': technique('T1110.003', 'Password Spraying', T.credentialAccess),
  T1078: technique('T1078', 'Valid Accounts', T.initialAccess),
  'T1078.003': technique('T1078.003', 'Local Accounts', T.privilegeEscalation),
  T1021: technique('T1021', 'Remote Services', T.lateralMovement),
  T1059: technique('T1059', 'Command and Scripting Interpreter', T.execution),
  T1071: technique('T1071', 'Application Layer Protocol', T.commandAndControl),
  'T1071.001': technique('T1071.001', 'Web Protocols', T.commandAndControl),
  T1048: technique('T1048', 'Exfiltration Over Alternative Protocol', T.exfiltration),
};

export function tacticReference(id: string): string {
  return `https://attack.mitre.org/tactics/${id}/`;
}

/** Keyword rules on a feature or field name, first match wins. */
const RULES: readonly [RegExp, string][] = [
  [/spray|(fail|denied|invalid).*(user|account)s?|distinct_(users|accounts|targets)|(users|accounts)_per/, 'T1110.003'],
  [/fail|denied|bad_password|invalid_password|lockout/, 'T1110.001'],
  [/priv|admin|sudo|root|group|role|elevat|special_logon/, 'T1078.003'],
  [/process|command|cmd|script|powershell|shell|exec/, 'T1059'],
  [/beacon|periodic/, 'T1071.001'],
  [/bytes|upload|exfil|egress|sent|volume|transfer/, 'T1048'],
  [/(distinct|remote|new)_hosts?|host\.name|destination_hosts?|lateral|rdp|ssh|remote_logon|smb|destination\.ip/, 'T1021'],
  [/country|geo|travel|asn|\.as\.|location|city|source_ip|source\.ip|off_hours|hour|new_source|login|logon/, 'T1078'],
];

export interface AttackInput {
  /** Models whose standardised score is high. */
  readonly fired: readonly string[];
  /** Names of the evidence items that scored (share ≥ ATTACK_MIN_CONTRIBUTION), most important first. */
  readonly features: readonly string[];
  /** Actions the sequence model found surprising (e.g. a first-time privileged action). */
  readonly actions?: readonly string[];
  /** Feature or field → technique id, overriding the keyword rules. */
  readonly featureTechniques?: Readonly<Record<string, string>>;
}

/** Technique ids suggested by the evidence, most important first, without duplicates. */
export function suggestTechniques(input: AttackInput): string[] {
  const out: string[] = [];
  const add = (id: string | undefined): void => {
    if (id && TECHNIQUES[id] && !out.includes(id)) out.push(id);
  };
  for (const name of input.features) {
    const override = input.featureTechniques?.[name];
    if (override) {
      add(override);
      continue;
    }
    add(ruleFor(name));
  }
  // The surprising actions count only when the sequence evidence itself scored.
  if (input.fired.includes('sequence') && input.features.includes('action_sequence')) {
    for (const a of input.actions ?? []) add(ruleFor(a.toLowerCase()) === 'T1078.003' ? 'T1078.003' : undefined);
  }
  return out;
}

/** ECS threat fields for the suggested techniques; undefined when none applies. */
export function mapToAttack(input: AttackInput): ThreatFields | undefined {
  const ids = suggestTechniques(input);
  if (ids.length === 0) return undefined;
  const suggested = ids.map((id) => TECHNIQUES[id]);
  const parents: Technique[] = [];
  const subs: Technique[] = [];
  for (const t of suggested) {
    const parent = t.parent ? TECHNIQUES[t.parent] : t;
    if (!parents.includes(parent)) parents.push(parent);
    if (t.parent && !subs.includes(t)) subs.push(t);
  }
  const tactics: Tactic[] = [];
  for (const t of suggested) if (!tactics.some((x) => x.id === t.tactic.id)) tactics.push(t.tactic);
  return {
    framework: 'MITRE ATT&CK',
    tactic: { id: tactics.map((t) => t.id), name: tactics.map((t) => t.name), reference: tactics.map((t) => tacticReference(t.id)) },
    technique: {
      id: parents.map((t) => t.id),
      name: parents.map((t) => t.name),
      reference: parents.map((t) => t.reference),
      ...(subs.length > 0
        ? { subtechnique: { id: subs.map((t) => t.id), name: subs.map((t) => t.name), reference: subs.map((t) => t.reference) } }
        : {}),
    },
  };
}

function ruleFor(name: string): string | undefined {
  const n = name.toLowerCase();
  for (const [re, id] of RULES) if (re.test(n)) return id;
  return undefined;
}
