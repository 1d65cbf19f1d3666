/** Round to `digits` decimals (default 4) for documents and reports; non-finite values pass through. */
export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
