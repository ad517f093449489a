/** True when this machine stores numbers little-endian (the safetensors byte order). */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reverses the bytes of each `size`-byte element in place. Needed only on big-endian
 * hosts: safetensors data is always little-endian.
 */
export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** The raw bytes of a typed array (a view, not a copy). */
export function bytesOf(arr: ArrayBufferView): Uint8Array {
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

/**
 * A fresh, aligned copy of little-endian file bytes in host byte order, ready to be viewed
 * as a typed array of `size`-byte elements. Copying bytes (not values) keeps every bit,
 * NaN payloads included.
 */
export function hostOrderCopy(le: Uint8Array, size: number): ArrayBuffer {
  // Not le.slice(): on a Node Buffer that is a view, not a copy.
  const copy = new Uint8Array(le.length);
  copy.set(le);
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(copy, size);
  return copy.buffer;
}

/**
 * IEEE 754 half (binary16) bits → single (binary32) bits, exactly: every half value,
 * subnormals, infinities and NaN payloads included, is representable in single precision.
 */
export function halfToSingleBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal half: normalise the mantissa; each shift lowers the exponent by one.
  let e = 113;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}
