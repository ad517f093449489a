import { afterEach, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { createWasmEngine } from '../src/wasm/engine.js';

describe.runIf(createWasmEngine())('TESSERA_WASM', () => {
  const saved = process.env.TESSERA_WASM;
  afterEach(() => {
    if (saved === undefined) delete process.env.TESSERA_WASM;
    else process.env.TESSERA_WASM = saved;
  });

  it('=0 turns the WebAssembly kernels off; an explicit option wins', () => {
    process.env.TESSERA_WASM = '0';
    expect(cpu().createSync!().info!().wasm).toBe('off');
    expect(cpu({ wasm: true }).createSync!().info!().wasm).toMatch(/^simd/);
    delete process.env.TESSERA_WASM;
    expect(cpu().createSync!().info!().wasm).toMatch(/^simd/);
    expect(cpu({ wasm: false }).createSync!().info!().wasm).toBe('off');
  });
});
