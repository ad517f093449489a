/**
 * A minimal protobuf (proto3 wire format) writer: just what encoding an ONNX model needs.
 * Messages are built bottom-up: encode a child into bytes, then embed it with `message`.
 */

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED32 = 5;
const LEN = 2;

const utf8 = new TextEncoder();

/** Appends fields of one message and returns its bytes with `finish()`. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  private size = 0;

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    const b = Uint8Array.from(this.scratch);
    this.chunks.push(b);
    this.size += b.length;
    this.scratch = [];
  }

  private pushBytes(b: Uint8Array): void {
    this.flushScratch();
    this.chunks.push(b);
    this.size += b.length;
  }

  /** Unsigned varint of a non-negative integer (safe up to 2^53). Negative int64 → 10 bytes. */
  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.scratch.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.scratch.push(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** int32 / int64 / enum / bool field. */
  int(field: number, v: number | bigint | boolean): this {
    this.tag(field, VARINT);
    this.varint(typeof v === 'boolean' ? (v ? 1 : 0) : v);
    return this;
  }

  /** float (fixed32) field. */
  float(field: number, v: number): this {
    this.tag(field, FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    for (const x of b) this.scratch.push(x);
    return this;
  }

  /** bytes field. */
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, LEN);
    this.varint(b.length);
    this.pushBytes(b);
    return this;
  }

  /** string field (UTF-8). */
  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  /** Embedded message field (already encoded). */
  message(field: number, encoded: Uint8Array): this {
    return this.bytes(field, encoded);
  }

  /** Packed repeated int64 (or int32) field. */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}
