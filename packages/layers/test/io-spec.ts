/**
 * Builds safetensors files by hand, straight from the format description, for the io-*
 * tests: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data.
 * Deliberately independent of src/io.
 */
export function safetensorsFile(headerJson: string, data: ArrayLike<number>, padTo8 = true): Uint8Array {
  let json = new TextEncoder().encode(headerJson);
  if (padTo8 && json.length % 8 !== 0) {
    const padded = new Uint8Array(json.length + (8 - (json.length % 8)));
    padded.fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  let n = json.length;
  for (let i = 0; i < 8; i++) {
    out[i] = n % 256; // little-endian: lowest byte first
    n = Math.floor(n / 256);
  }
  out.set(json, 8);
  out.set(Array.from(data), 8 + json.length);
  return out;
}

/** Little-endian bytes of a float32 given by its bit pattern. */
export const f32Bits = (bits: number): number[] => [bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, bits >>> 24];

/** Little-endian bytes of a 16-bit pattern (F16, BF16, I16). */
export const u16 = (bits: number): number[] => [bits & 0xff, bits >>> 8];

/** Little-endian two's-complement bytes of a 64-bit integer. */
export function i64(v: bigint): number[] {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}

/** The float32 bit pattern of each element of a float32 tensor's data. */
export const bitsOf32 = (a: ArrayLike<number> & ArrayBufferView): number[] =>
  Array.from(new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4));

/** The float64 bit pattern of each element (as bigint). */
export const bitsOf64 = (a: ArrayBufferView): bigint[] => Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.byteLength / 8));
