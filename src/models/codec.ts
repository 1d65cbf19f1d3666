/** Typed arrays as base64 of their bytes: exact (NaN, ±Infinity, −0 included) and compact in JSON state. */
export function encodeFloat64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeFloat64(s: string): Float64Array<ArrayBuffer> {
  return new Float64Array(alignedCopy(s));
}

export function encodeFloat32(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeFloat32(s: string): Float32Array<ArrayBuffer> {
  return new Float32Array(alignedCopy(s));
}

export function encodeInt32(a: Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeInt32(s: string): Int32Array<ArrayBuffer> {
  return new Int32Array(alignedCopy(s));
}

/** Buffer pools may hand out unaligned offsets: copy into a fresh ArrayBuffer. */
function alignedCopy(s: string): ArrayBuffer {
  const b = Buffer.from(s, 'base64');
  const out = new ArrayBuffer(b.byteLength);
  new Uint8Array(out).set(b);
  return out;
}
