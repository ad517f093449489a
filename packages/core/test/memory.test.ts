import { describe, expect, it } from 'vitest';
import { keep, manualSeed, memory, noGrad, Parameter, randn, tensor, tidy, tidyAsync, ones, zeros } from '@tessera/core';
import { useCpu } from './setup.js';

useCpu();

describe('memory', () => {
  it('1,000 training steps end with the same memory as after step 1', () => {
    manualSeed(1);
    const x = randn([32, 16]);
    const y = randn([32, 4]);
    // Parameters keep the values; tidy frees the temporaries they were made from.
    const w = tidy(() => new Parameter(randn([16, 4]).mul(0.1)));
    const b = tidy(() => new Parameter(zeros([4])));
    const step = () =>
      tidy(() => {
        const loss = x.matmul(w).add(b).relu().sub(y).square().mean();
        loss.backward();
        noGrad(() => {
          for (const p of [w, b]) {
            p.assign(p.sub(p.grad!.mul(0.01)));
            p.grad!.dispose();
            p.grad = null;
          }
        });
      });
    step();
    const after1 = memory();
    for (let i = 1; i < 1000; i++) step();
    const after1000 = memory();
    expect(after1000.numTensors).toBe(after1.numTensors);
    expect(after1000.numBuffers).toBe(after1.numBuffers);
    expect(after1000.numBytes).toBe(after1.numBytes);
    // Leave nothing for the GC safety net to collect during later (async) tests.
    for (const t of [x, y, w, b]) t.dispose();
  });

  it('tidy keeps returned and kept tensors only', () => {
    const before = memory().numTensors;
    let kept!: ReturnType<typeof ones>;
    const out = tidy(() => {
      const a = ones([3]);
      kept = keep(a.mul(2));
      return { r: a.add(1) };
    });
    expect(memory().numTensors).toBe(before + 2);
    expect(out.r.dataSync()).toEqual(new Float32Array([2, 2, 2]));
    out.r.dispose();
    kept.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('Symbol.dispose works with `using`', () => {
    const before = memory().numTensors;
    {
      using t = ones([4]);
      expect(t.size).toBe(4);
    }
    expect(memory().numTensors).toBe(before);
  });

  it('tidyAsync frees across await and concurrent scopes do not interfere', async () => {
    const before = memory().numTensors;
    const slow = tidyAsync(async () => {
      const a = ones([2]).mul(3);
      await new Promise((r) => setTimeout(r, 20));
      return a.add(1);
    });
    const fast = tidyAsync(async () => {
      const b = ones([2]).mul(5);
      await new Promise((r) => setTimeout(r, 5));
      return b.sum();
    });
    const [s, f] = await Promise.all([slow, fast]);
    expect(Array.from(await s.data())).toEqual([4, 4]);
    expect(await f.item()).toBe(10);
    s.dispose();
    f.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('reshape shares storage; memory counts buffers once', () => {
    const before = memory();
    const a = tensor([1, 2, 3, 4]);
    const r = a.reshape([2, 2]);
    const m = memory();
    expect(m.numTensors).toBe(before.numTensors + 2);
    expect(m.numBuffers).toBe(before.numBuffers + 1);
    expect(m.backends.cpu.numBytes).toBe(before.backends.cpu.numBytes + 16);
    a.dispose();
    expect(r.dataSync()).toEqual(new Float32Array([1, 2, 3, 4]));
    r.dispose();
    expect(memory().numBuffers).toBe(before.numBuffers);
  });

  it('tidy refuses an async function before running it, pointing to tidyAsync', () => {
    const before = memory().numTensors;
    let ran = false;
    expect(() =>
      tidy(async () => {
        ran = true;
        return ones([2]);
      }),
    ).toThrow(/tidy: the function is async .*tidyAsync/);
    expect(ran).toBe(false);
    expect(memory().numTensors).toBe(before);
  });

  it('tidy given a function that returns a Promise disposes what it made and throws at once', async () => {
    const before = memory().numTensors;
    let made!: ReturnType<typeof ones>;
    let late = false;
    const fn = () => {
      made = ones([3]);
      return Promise.resolve().then(() => {
        late = true;
      });
    };
    expect(() => tidy(fn)).toThrow(/tidyAsync/);
    expect(made.isDisposed).toBe(true);
    expect(memory().numTensors).toBe(before);
    await Promise.resolve();
    expect(late).toBe(true);
  });
});
