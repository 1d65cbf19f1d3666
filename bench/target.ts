/**
 * Whether a bench line meets its target. Targets are written for people ("≥ 10×, ≥ 500,000
 * rows/s", "≤ 400 MB (100,000 entities)"): each comma-separated clause is a comparison, against
 * the ratio when it ends in ×, else against the value. All clauses must hold.
 */
import type { BenchLine } from './types.js';

const CLAUSE = /([≥≤<>])\s*([\d,]+(?:\.\d+)?)\s*(×)?/;

export function targetMet(line: Pick<BenchLine, 'value' | 'ratio' | 'target'>): boolean | undefined {
  if (!line.target) return undefined;
  const clauses = line.target.split(/,\s(?=[≥≤<>])/).map((c) => CLAUSE.exec(c));
  if (clauses.some((c) => c === null)) return undefined;
  return clauses.every((c) => {
    const [, op, number, times] = c!;
    const actual = times ? line.ratio : line.value;
    if (actual === undefined) return false;
    const bound = Number(number.replace(/,/g, ''));
    return op === '≥' ? actual >= bound : op === '≤' ? actual <= bound : op === '>' ? actual > bound : actual < bound;
  });
}
