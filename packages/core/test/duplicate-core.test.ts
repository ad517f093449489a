import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as coreA from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';

// Two copies of core in one process, as `npm install ../my-plugin` produces: this package
// (copy A) and its source copied into a plugin's node_modules in a temporary folder (copy B),
// loaded through a different file URL.
const home = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const tmp = mkdtempSync(join(tmpdir(), 'tessera-two-cores-'));
const dirB = join(tmp, 'my-plugin', 'node_modules', '@tessera', 'core');
cpSync(join(home, 'src'), join(dirB, 'src'), { recursive: true });

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function loadCopyB(): Promise<typeof coreA> {
  return (await import(pathToFileURL(join(dirB, 'src', 'index.ts')).href)) as typeof coreA;
}

describe('two copies of @tessera/core', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const loaded = loadCopyB();

  it('the warning names where each copy lives, the likely cause and the fix', async () => {
    await loaded;
    expect(warn).toHaveBeenCalledTimes(1);
    const msg = String(warn.mock.calls[0]?.[0]);
    expect(msg).toContain('2 copies of @tessera/core are loaded:');
    expect(msg).toContain(`1. ${coreA.VERSION} at ${home}\n`);
    expect(msg).toContain(`2. ${coreA.VERSION} at ${dirB}\n`);
    expect(msg).toMatch(/Likely cause: a plugin installed from a folder \(`npm install \.\.\/my-plugin` or `npm link`\)/);
    expect(msg).toContain('npm install --install-links ../my-plugin');
    expect(msg).toContain('`npm pack`');
    expect(msg).toContain('peerDependency');
  });

  it("'no backend is installed' says a second core is loaded, after use(cpu()) went to the other copy", async () => {
    const b = await loadCopyB();
    coreA.use(cpu());
    expect(() => b.tensor([1, 2])).toThrow(b.BackendError);
    expect(() => b.tensor([1, 2])).toThrow(/^no backend is installed: call `use\(cpu\(\)\)`.* Note: 2 copies of @tessera\/core are loaded; this one \(.*my-plugin.*\) has its own registry/);
    await expect(b.init()).rejects.toThrow(new RegExp(`^init: no backend is installed\\..*invisible here`));
    expect(coreA.tensor([1]).dataSync()).toEqual(new Float32Array([1])); // copy A has the backend
  });

  it("a tensor from the other copy is named as such, not as a malformed array", async () => {
    const b = await loadCopyB();
    b.use(cpu());
    const foreign = b.tensor([1, 2]);
    expect(() => coreA.tensor(foreign as unknown as coreA.Tensor)).toThrow(coreA.BackendError);
    expect(() => coreA.ones([2]).add(foreign as unknown as coreA.Tensor)).toThrow(
      /^tensor: this input is a Tensor created by another copy of @tessera\/core, which this copy cannot use\. Note: 2 copies/,
    );
    expect(() => b.ones([2]).add(coreA.ones([2]) as unknown as typeof foreign)).toThrow(/another copy of @tessera\/core/);
  });
});

describe('copyLocation', () => {
  it('turns a module URL into its package folder', async () => {
    const { copyLocation } = await import('../src/version.js');
    expect(copyLocation('file:///app/node_modules/@tessera/core/dist/version.js')).toBe('/app/node_modules/@tessera/core');
    expect(copyLocation('file:///C:/app/node_modules/@tessera/core/dist/version.js')).toBe('C:/app/node_modules/@tessera/core');
    expect(copyLocation('https://cdn.example/core/dist/version.js')).toBe('https://cdn.example/core/dist/version.js');
    expect(copyLocation(undefined)).toMatch(/unknown location/);
  });
});
