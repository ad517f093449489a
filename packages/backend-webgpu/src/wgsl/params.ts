/**
 * Kernel parameters (shapes, strides, attributes) travel in one 256-byte uniform slot per
 * dispatch, as 64 32-bit words, so one compiled pipeline serves every shape of its rank.
 * WGSL sees them as `params.v: array<vec4<u32>, 16>` (uniform arrays need 16-byte
 * elements); these helpers spell the accessor of word `i` at code-generation time.
 */

/** Words per dispatch (256 bytes: the usual `minUniformBufferOffsetAlignment`). */
export const PARAM_WORDS = 64;

/** WGSL declaration of the parameter block (binding 0). */
export const PARAMS_DECL = 'struct Params { v: array<vec4<u32>, 16>, }\n@group(0) @binding(0) var<uniform> params: Params;';

const COMPONENTS = ['x', 'y', 'z', 'w'];

/** Word i as u32. */
export const pu = (i: number): string => `params.v[${i >> 2}].${COMPONENTS[i & 3]}`;
/** Word i as i32. */
export const pi = (i: number): string => `bitcast<i32>(${pu(i)})`;
/** Word i as f32. */
export const pf = (i: number): string => `bitcast<f32>(${pu(i)})`;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bits of a float32 value, for a parameter word read with `pf`. */
export function f32Bits(x: number): number {
  f32[0] = x;
  return u32[0];
}

/** Builds a parameter list word by word, remembering where each field starts. */
export class ParamList {
  readonly words: number[] = [];

  /** Appends integers (u32 or i32; stored as their 32-bit pattern). Returns the first word's index. */
  ints(...values: readonly number[]): number {
    const at = this.words.length;
    for (const v of values) this.words.push(v >>> 0);
    return at;
  }

  /** Appends float32 values. Returns the first word's index. */
  floats(...values: readonly number[]): number {
    const at = this.words.length;
    for (const v of values) this.words.push(f32Bits(v));
    return at;
  }
}
