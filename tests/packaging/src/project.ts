import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, userEnv } from './exec.js';
import { readManifest, workspaceDependencyDir, type Manifest, type WorkspacePackage } from './workspace.js';

/** A tarball made by `pnpm pack` and the package.json inside it. */
export interface Tarball {
  readonly file: string;
  readonly manifest: Manifest;
  /** Paths inside the tarball, without the leading `package/`. */
  readonly entries: readonly string[];
}

/** Packs a workspace package with pnpm (which rewrites `workspace:` ranges) into `dest`. */
export async function pnpmPack(pkg: WorkspacePackage, dest: string): Promise<Tarball> {
  const before = new Set(readdirSync(dest));
  await exec('pnpm', ['pack', '--pack-destination', dest], { cwd: pkg.dir });
  const made = readdirSync(dest).filter((f) => f.endsWith('.tgz') && !before.has(f));
  if (made.length !== 1) throw new Error(`pnpm pack in ${pkg.dir} made ${made.length} tarballs: ${made.join(', ')}`);
  return readTarball(join(dest, made[0]!));
}

async function readTarball(file: string): Promise<Tarball> {
  const list = await exec('tar', ['-tzf', file], { cwd: tmpdir() });
  const json = await exec('tar', ['-xzOf', file, 'package/package.json'], { cwd: tmpdir() });
  const entries = list.stdout.split('\n').filter(Boolean).map((e) => e.replace(/^package\//, ''));
  return { file, manifest: JSON.parse(json.stdout) as Manifest, entries };
}

/**
 * The third-party packages that `tarballs` depend on (not peers: npm skips optional peers,
 * and required third-party peers are not used here), packed from the copies the workspace
 * installed, so npm needs no registry for them. `offline` is false when one of them has
 * dependencies of its own (npm would have to fetch those).
 */
export async function thirdPartyTarballs(tarballs: ReadonlyMap<string, { readonly tarball: Tarball; readonly dir: string }>, dest: string): Promise<{ files: string[]; offline: boolean }> {
  const seen = new Map<string, string>();
  for (const { tarball, dir } of tarballs.values()) {
    for (const name of Object.keys(tarball.manifest.dependencies ?? {})) {
      if (!name.startsWith('@tessera/') && !seen.has(name)) seen.set(name, workspaceDependencyDir(dir, name));
    }
  }
  const files: string[] = [];
  let offline = true;
  for (const dir of seen.values()) {
    if (Object.keys(readManifest(dir).dependencies ?? {}).length > 0) offline = false;
    const out = await exec('npm', ['pack', dir, '--pack-destination', dest, '--ignore-scripts', '--silent'], { cwd: dest });
    files.push(join(dest, out.stdout.trim().split('\n').pop()!));
  }
  return { files, offline };
}

/** A fresh project in the system temp folder, outside the workspace. */
export function tempProject(): { dir: string; tarballs: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pack-test-'));
  const tarballs = join(dir, 'tarballs');
  mkdirSync(tarballs);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tessera-pack-test-app', private: true, type: 'module' }, null, 2));
  return { dir, tarballs };
}

/**
 * `npm install`s `specs` (tarball files and folders) into `project`, with a private npm
 * cache and, when `offline`, no registry at all. Folders are installed as copies
 * (`--install-links`), as a plugin author is told to: a symlinked folder brings its
 * devDependencies along, a second @tessera/core among them.
 */
export async function npmInstall(project: string, specs: readonly string[], offline: boolean): Promise<void> {
  const args = ['install', '--install-links', '--no-audit', '--no-fund', '--ignore-scripts', '--cache', join(project, '.npm-cache'), ...(offline ? ['--offline'] : []), ...specs];
  await exec('npm', args, { cwd: project, env: userEnv({ npm_config_userconfig: join(project, '.npmrc-none') }), timeoutMs: 180_000 });
}

/** Unpacks a tarball into `dir` (as a package folder: the tarball's `package/` becomes `dir`). */
export async function unpack(tarball: Tarball, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await exec('tar', ['-xzf', tarball.file, '-C', dir, '--strip-components=1'], { cwd: dir });
}
