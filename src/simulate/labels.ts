/**
 * The label line the simulator writes for each attack: the published labels format that
 * eval/labels.ts reads (labelSchema; the round trip is tested in test/unit/eval/labels.test.ts).
 */

/** Serialises a label exactly in the published format (key order fixed). */
export function formatLabel(l: {
  scenario: string;
  technique: string;
  field: string;
  value: string;
  startMs: number;
  endMs: number;
}): string {
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return JSON.stringify({
    scenario: l.scenario,
    technique: l.technique,
    entity: { field: l.field, value: l.value },
    start: iso(l.startMs),
    end: iso(l.endMs),
  });
}
