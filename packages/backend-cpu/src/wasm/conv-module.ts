import { FnBuilder, I32 } from './encode.js';

/**
 * im2col(img, col, ld, Cg, H, W, kH, kW, Wo, sh, sw, pt, pl, dh, dw, oh0, nOh) for one
 * image and group: col[r·ld + t·Wo + ow] (R = Cg·kH·kW rows, byte address `col`) is the
 * pixel of plane c at (ih, iw) = ((oh0+t)·sh − pt + ki·dh, ow·sw − pl + kj·dw) for tap
 * r = (c·kH + ki)·kW + kj, or 0 in the padding. With `scatter` the same walk runs the
 * exact adjoint (col2im): img[pixel] += col[…]. One description, two functions; the JS
 * reference is `im2col` in kernels/conv.ts.
 */
export function im2colFn(scatter: boolean): FnBuilder {
  const f = new FnBuilder(new Array(17).fill(I32));
  const [img, col, ld, Cg, H, W, kH, kW, Wo, sh, sw, pt, pl, dh, dw, oh0, nOh] = Array.from({ length: 17 }, (_, i) => i);
  const [c, ki, kj, t, row, plane, shift, ow0, ow1, ow, d, ih, src, swb, z] = Array.from({ length: 15 }, () => f.local(I32));
  /** col[d + from..to) = 0 (`from`, `to` locals). */
  const zero = (from: number, to: number) =>
    f.forLoop(ow, { local: from }, { local: to }, 1, () => f.get(d).get(ow).i32(2).shl().add().f32(0).f32Store());
  f.i32(0).set(z);
  f.get(sw).i32(2).shl().set(swb);
  f.i32(0).set(row);
  f.forLoop(c, 0, { local: Cg }, 1, () => {
    f.get(img).get(c).get(H).mul().get(W).mul().i32(2).shl().add().set(plane);
    f.forLoop(ki, 0, { local: kH }, 1, () => {
      f.forLoop(kj, 0, { local: kW }, 1, () => {
        f.get(kj).get(dw).mul().get(pl).sub().set(shift);
        // [ow0, ow1): the output columns whose input column ow·sw + shift lies in [0, W).
        // Unit stride: ow0 = clamp(−shift), ow1 = clamp(W − shift); otherwise found by stepping.
        const clamp = (v: () => void, lo: () => void, hi: () => void) => {
          // max(lo, min(hi, v)) for i32s pushed by the three callbacks
          v();
          hi();
          v();
          hi();
          f.ltS().selectOp(); // min(v, hi)
          const m = f.local(I32);
          f.set(m);
          f.get(m);
          lo();
          f.get(m);
          lo();
          f.op1('gtS').selectOp(); // max(m, lo)
        };
        const iw = (o: number) => f.get(o).get(sw).mul().get(shift).add();
        f.get(sw).i32(1).eq();
        f.ifElse(
          () => {
            clamp(() => f.i32(0).get(shift).sub(), () => f.i32(0), () => f.get(Wo));
            f.set(ow0);
            clamp(() => f.get(W).get(shift).sub(), () => f.get(ow0), () => f.get(Wo));
            f.set(ow1);
          },
          () => {
            f.i32(0).set(ow0);
            f.whileLoop(
              () => {
                f.get(ow0).get(Wo).ltS();
                iw(ow0).i32(0).ltS().and();
              },
              () => f.get(ow0).i32(1).add().set(ow0),
            );
            f.get(ow0).set(ow1);
            f.whileLoop(
              () => {
                f.get(ow1).get(Wo).ltS();
                iw(ow1).get(W).ltS().and();
              },
              () => f.get(ow1).i32(1).add().set(ow1),
            );
          },
        );
        const colAt = () => f.get(d).get(ow).i32(2).shl().add();
        /** One pixel at ow: col ← img (img += col when scattering); src moves by `by` bytes. */
        const pixel = (by: number | null) => {
          if (scatter) {
            f.get(src).get(src).f32Load();
            colAt().f32Load().f32Add().f32Store();
          } else colAt().get(src).f32Load().f32Store();
          if (by === null) f.get(src).get(swb).add().set(src);
          else f.get(src).i32(by).add().set(src);
        };
        const perPixel = () => f.forLoop(ow, { local: ow0 }, { local: ow1 }, 1, () => pixel(null));
        // Unit stride: the run is contiguous in both; four pixels per f32x4, then the tail.
        const unit = () => {
          f.get(ow0).set(ow);
          f.whileLoop(
            () => f.get(ow).i32(3).add().get(ow1).ltS(),
            () => {
              if (scatter) {
                f.get(src).get(src).v128Load();
                colAt().v128Load().f32x4Add().v128Store();
              } else colAt().get(src).v128Load().v128Store();
              f.get(src).i32(16).add().set(src);
              f.get(ow).i32(4).add().set(ow);
            },
          );
          f.whileLoop(
            () => f.get(ow).get(ow1).ltS(),
            () => {
              pixel(4);
              f.get(ow).i32(1).add().set(ow);
            },
          );
        };
        /** The band's rows one by one: any stride, padding and clipping. */
        const general = () =>
          f.forLoop(t, 0, { local: nOh }, 1, () => {
            f.get(ih).get(H).op1('ltU');
            const inside = () => {
              // src = &plane[ih, ow0·sw + shift]
              f.get(plane).get(ih).get(W).mul().get(shift).add().get(ow0).get(sw).mul().add().i32(2).shl().add().set(src);
              if (!scatter) zero(z, ow0);
              f.get(sw).i32(1).eq();
              f.ifElse(unit, perPixel);
              if (!scatter) zero(ow1, Wo);
            };
            if (scatter) f.ifElse(inside);
            else f.ifElse(inside, () => zero(z, Wo));
            f.get(d).get(Wo).i32(2).shl().add().set(d);
            f.get(ih).get(sh).add().set(ih);
          });
        /**
         * Unit stride and every pixel of the band inside the image (no padding reached):
         * the rows are Wo contiguous pixels each, sh·W apart, with no clipping to check.
         */
        const whole = () => {
          f.get(plane).get(ih).get(W).mul().get(shift).add().i32(2).shl().add().set(src);
          f.forLoop(t, 0, { local: nOh }, 1, () => {
            unit();
            f.get(src).get(sh).get(W).mul().get(Wo).sub().i32(2).shl().add().set(src);
            f.get(d).get(Wo).i32(2).shl().add().set(d);
          });
        };
        // The first band row's column block and input row; the loops step them.
        f.get(col).get(row).get(ld).mul().i32(2).shl().add().set(d);
        f.get(oh0).get(sh).mul().get(pt).sub().get(ki).get(dh).mul().add().set(ih);
        f.get(sw).i32(1).eq();
        f.get(ow0).eqz().and();
        f.get(ow1).get(Wo).eq().and();
        f.get(ih).get(H).op1('ltU').and();
        f.get(ih).get(nOh).i32(1).sub().get(sh).mul().add().get(H).op1('ltU').and();
        f.ifElse(whole, general);
        f.get(row).i32(1).add().set(row);
      });
    });
  });
  return f;
}

/**
 * copy2d(src, srcStride, dst, dstStride, rows, cols): copies a rows×cols block between
 * two row-major float32 matrices (strides in elements), four floats at a time.
 */
export function copy2dFn(): FnBuilder {
  const f = new FnBuilder([I32, I32, I32, I32, I32, I32]);
  const [src, ss, dst, ds, rows, cols] = [0, 1, 2, 3, 4, 5];
  const [r, j, vb, nb, s, d] = Array.from({ length: 6 }, () => f.local(I32));
  f.get(cols).i32(2).shl().set(nb);
  f.get(nb).i32(-16).and().set(vb);
  f.forLoop(r, 0, { local: rows }, 1, () => {
    f.get(src).get(r).get(ss).mul().i32(2).shl().add().set(s);
    f.get(dst).get(r).get(ds).mul().i32(2).shl().add().set(d);
    f.forLoop(j, 0, { local: vb }, 16, () => f.get(d).get(j).add().get(s).get(j).add().v128Load().v128Store());
    f.forLoop(j, { local: vb }, { local: nb }, 4, () => f.get(d).get(j).add().get(s).get(j).add().f32Load().f32Store());
  });
  return f;
}

/** The exports of the conv helpers (byte addresses; strides and sizes in elements). */
export interface ConvExports {
  readonly im2col: (...args: number[]) => void;
  readonly col2im: (...args: number[]) => void;
  readonly copy2d: (src: number, srcStride: number, dst: number, dstStride: number, rows: number, cols: number) => void;
}
