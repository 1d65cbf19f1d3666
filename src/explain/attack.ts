/**
 * MITRE ATT&CK mapping of a scored window: which techniques the evidence suggests, as the ECS
 * `threat.*` fields. A small built-in table covers what Vigil's models see; the mapping is a hint for
 * triage, not a verdict. Order of precedence: the caller's `featureTechniques` for a feature or
 * field, then keyword rules on feature and field names, then the model that fired (beaconing →
 * T1071.001).
 */

export interface Tactic {
  readonly id: string;
  readonly name: string;
}

export interface Technique {
  readonly id: string;
  readonly name: string;
  readonly reference: string;
  readonly tactics: readonly Tactic[];
}

export interface ThreatFields {
  framework: 'MITRE ATT&CK';
  tactic: { id: string[]; name: string[] };
  technique: { id: string[]; name: string[]; reference: string[] };
}

const T = {
  initialAccess: { id: 'TA0001', name: 'Initial Access' },
  execution: { id: 'TA0002', name: 'Execution' },
  persistence: { id: 'TA0003', name: 'Persistence' },
  privilegeEscalation: { id: 'TA0004', name: 'Privilege Escalation' },
  defenseEvasion: { id: 'TA0005', name: 'Defense Evasion' },
  credentialAccess: { id: 'TA0006', name: 'Credential Access' },
  lateralMovement: { id: 'TA0008', name: 'Lateral Movement' },
  exfiltration: { id: 'TA0010', name: 'Exfiltration' },
  commandAndControl: { id: 'TA0011', name: 'Command and Control' },
} as const satisfies Record<string, Tactic>;

const validAccountTactics = [T.initialAccess, T.persistence, T.privilegeEscalation, T.defenseEvasion];

function technique(id: string, name: string, tactics: readonly Tactic[]): Technique {
  return { id, name, tactics, reference: `https://attack.mitre.org/techniques/${id.replace('.', '/')}/` };
}

export const TECHNIQUES: Readonly<Record<string, Technique>> = {
  'T1110.001': technique('T1110.001', 'Brute Force: Password Guessing', [T.credentialAccess]),
  'T1110.003': technique('T1110.003', 'Brute Force: Password Spraying', [T.credentialAccess]),
  T1078: technique('T1078', 'Valid Accounts', validAccountTactics),
  'T1078.003': technique('T1078.003', 'Valid Accounts: Local Accounts', validAccountTactics),
  T1021: technique('T1021', 'Remote Services', [T.lateralMovement]),
  T1059: technique('T1059', 'Command and Scripting Interpreter', [T.execution]),
  'T1071.001': technique('T1071.001', 'Application Layer Protocol: Web Protocols', [T.commandAndControl]),
  T1048: technique('T1048', 'Exfiltration Over Alternative Protocol', [T.exfiltration]),
};

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
  /** Models that fired (ModelName). */
  readonly fired: readonly string[];
  /** Names of the top contributing features or fields, most important first. */
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
  if (input.fired.includes('sequence')) for (const a of input.actions ?? []) add(ruleFor(a.toLowerCase()) === 'T1078.003' ? 'T1078.003' : undefined);
  if (input.fired.includes('beaconing')) add('T1071.001');
  return out;
}

/** ECS threat fields for the suggested techniques; undefined when none applies. */
export function mapToAttack(input: AttackInput): ThreatFields | undefined {
  const ids = suggestTechniques(input);
  if (ids.length === 0) return undefined;
  const techniques = ids.map((id) => TECHNIQUES[id]);
  const tactics: Tactic[] = [];
  for (const t of techniques) for (const tactic of t.tactics) if (!tactics.some((x) => x.id === tactic.id)) tactics.push(tactic);
  return {
    framework: 'MITRE ATT&CK',
    tactic: { id: tactics.map((t) => t.id), name: tactics.map((t) => t.name) },
    technique: { id: techniques.map((t) => t.id), name: techniques.map((t) => t.name), reference: techniques.map((t) => t.reference) },
  };
}

function ruleFor(name: string): string | undefined {
  const n = name.toLowerCase();
  for (const [re, id] of RULES) if (re.test(n)) return id;
  return undefined;
}
