import { F32, FnBuilder, I32 } from './encode.js';

/**
 * Max pooling over float32 planes, forward or backward from one description:
 * maxPool(planes, H, W, Ho, Wo, win, x, y, dx). `win` holds four Int32 arrays
 * (row starts, row ends, column starts, column ends of the clipped windows: Ho, Ho, Wo,
 * Wo entries). Each output's window is searched for its first maximum in row-major
 * order (a NaN wins, padding is −∞); the forward pass stores it in y (−∞ for an empty
 * window), the backward pass adds dy = y[o] into dx at its position. The JS reference is
 * kernels/pool.ts (`firstMax`).
 */
export function maxPoolFn(backward: boolean): FnBuilder {
  const f = new FnBuilder(new Array(9).fill(I32));
  const [planes, H, W, Ho, Wo, win, x, y, dx] = Array.from({ length: 9 }, (_, i) => i);
  const [p, oh, ow, h, h0, h1, w0, w1, best, rowp, end, plane, dplane, o, ws] = Array.from({ length: 15 }, () => f.local(I32));
  const [m, v, nan] = [f.local(F32), f.local(F32), f.local(F32)];
  const loadWin = (table: number, idx: number, size: number) => {
    // win + 4·(table·Ho + idx) for row tables, win + 4·(2·Ho + (table−2)·Wo + idx) for columns.
    f.get(ws);
    if (table >= 2) f.get(Ho).i32(1).shl().get(size).i32(table - 2).mul().add().i32(2).shl().add();
    else f.get(size).i32(table).mul().i32(2).shl().add();
    f.get(idx).i32(2).shl().add().i32Load();
  };
  f.get(win).set(ws);
  f.get(y).set(o);
  f.forLoop(p, 0, { local: planes }, 1, () => {
    f.get(p).get(H).mul().get(W).mul().i32(2).shl().set(plane);
    f.get(dx).get(plane).add().set(dplane);
    f.get(x).get(plane).add().set(plane);
    f.forLoop(oh, 0, { local: Ho }, 1, () => {
      loadWin(0, oh, Ho);
      f.set(h0);
      loadWin(1, oh, Ho);
      f.set(h1);
      f.forLoop(ow, 0, { local: Wo }, 1, () => {
        loadWin(2, ow, Wo);
        f.set(w0);
        loadWin(3, ow, Wo);
        f.set(w1);
        // Backward: best starts at the window's first element (so an all −∞ window still routes its
        // gradient there, as the JS kernel does), −1 for an empty window; m at −∞.
        if (backward) {
          f.get(h0).get(h1).ltS().get(w0).get(w1).ltS().and();
          f.ifElse(() => f.get(h0).get(W).mul().get(w0).add(), () => f.i32(-1), I32).set(best);
        }
        f.f32(-Infinity).set(m);
        if (!backward) f.f32(-Infinity).set(nan);
        f.forLoop(h, { local: h0 }, { local: h1 }, 1, () => {
          f.get(plane).get(h).get(W).mul().get(w0).add().i32(2).shl().add().set(rowp);
          f.get(plane).get(h).get(W).mul().get(w1).add().i32(2).shl().add().set(end);
          f.whileLoop(
            () => f.get(rowp).get(end).ltS(),
            () => {
              f.get(rowp).f32Load().set(v);
              if (backward) {
                // v beats m: m is not NaN and !(v <= m) (v greater, or v NaN).
                f.get(m).get(m).op1('f32Eq').get(v).get(m).op1('f32Le').op1('eqz').and();
                f.ifElse(() => {
                  f.get(v).set(m);
                  f.get(rowp).get(plane).sub().i32(2).op1('shrS').set(best);
                });
              } else {
                // m = m < v ? v : m keeps the first of equal extremes (−0 before +0 stays −0);
                // nan = max(nan, v) turns NaN for good once any v is NaN (wasm max propagates it).
                f.get(v).get(m).get(m).get(v).op1('f32Lt').selectOp().set(m);
                f.get(nan).get(v).op1('f32Max').set(nan);
              }
              f.get(rowp).i32(4).add().set(rowp);
            },
          );
        });
        if (backward) {
          f.get(best).i32(0).geS();
          f.ifElse(() => {
            f.get(dplane).get(best).i32(2).shl().add().tee(rowp);
            f.get(rowp).f32Load().get(o).f32Load().f32Add().f32Store();
          });
        } else {
          f.get(o).get(nan).get(m).get(nan).get(nan).op1('f32Ne').selectOp().f32Store();
        }
        f.get(o).i32(4).add().set(o);
      });
    });
  });
  return f;
}

/** The exports of the pooling module (byte addresses). */
export interface PoolExports {
  readonly maxPool: (planes: number, H: number, W: number, Ho: number, Wo: number, win: number, x: number, y: number, dx: number) => void;
  readonly maxPoolBackward: (planes: number, H: number, W: number, Ho: number, Wo: number, win: number, x: number, dy: number, dx: number) => void;
}
