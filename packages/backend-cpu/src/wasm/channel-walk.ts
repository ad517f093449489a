import { type FnBuilder, I32 } from './encode.js';

/**
 * Walks channels [c0, c1) of float32 tensors laid out [n, C, inner] (plane (b, ch) at
 * float offset (b·C + ch)·inner): `perChannel(ch)` once per channel, then for each plane
 * `four(k)` for each group of four floats (k the byte offset from the plane start) and
 * `one(k)` for the 0–3 floats left; `done(ch)` after the channel's planes. Byte offsets
 * rather than pointers, so one walk serves functions reading two or three tensors.
 */
export function channelWalk(
  f: FnBuilder,
  [C, inner, n, c0, c1]: readonly number[],
  perChannel: (ch: number) => void,
  four: (at: number) => void,
  one: (at: number) => void,
  done: (ch: number) => void,
): void {
  const [ch, b, at, end4, end] = Array.from({ length: 5 }, () => f.local(I32));
  f.forLoop(ch, { local: c0 }, { local: c1 }, 1, () => {
    perChannel(ch);
    f.forLoop(b, 0, { local: n }, 1, () => {
      f.get(b).get(C).mul().get(ch).add().get(inner).mul().i32(2).shl().set(at);
      f.get(at).get(inner).i32(2).shl().add().set(end);
      f.get(at).get(inner).i32(-4).and().i32(2).shl().add().set(end4);
      f.whileLoop(
        () => f.get(at).get(end4).op1('ltU'),
        () => {
          four(at);
          f.get(at).i32(16).add().set(at);
        },
      );
      f.whileLoop(
        () => f.get(at).get(end).op1('ltU'),
        () => {
          one(at);
          f.get(at).i32(4).add().set(at);
        },
      );
    });
    done(ch);
  });
}

/** Pushes the doubles of lanes 0–1 (`high`: 2–3) of the f32x4 in local `v`. */
export function promote(f: FnBuilder, v: number, high: boolean): void {
  f.get(v);
  if (high) f.get(v).shuffle32([2, 3, 0, 1]);
  f.simd1('f64x2PromoteLowF32x4');
}
