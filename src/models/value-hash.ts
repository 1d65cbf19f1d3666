/**
 * A 53-bit fingerprint of a string, exact in a double: per-entity sketches keep fingerprints in
 * typed arrays instead of the strings themselves (a source IP costs 8 bytes, not a 40-byte string
 * plus a map entry). Two independent 32-bit FNV-1a-style hashes over the UTF-16 code units, the
 * second with a different offset and a murmur3 finaliser, combined as h₁·2²¹ + (h₂ mod 2²¹).
 *
 * Collisions: among k distinct values the chance that any two share a fingerprint is below
 * k² / 2⁵⁴ — for the 256 values an entity keeps per field, about 4·10⁻¹²; a collision can only
 * make a new value look already seen. Stable across processes and Node versions (no seed).
 */
export function valueHash(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h2 ^= h2 >>> 16;
  h2 = Math.imul(h2, 0x85ebca6b);
  h2 ^= h2 >>> 13;
  h2 = Math.imul(h2, 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}
