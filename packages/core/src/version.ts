/** This package's version (kept in step with package.json by the release script check). */
export const VERSION = '0.1.0';

interface CopyRecord {
  readonly version: string;
  /** Where this copy lives: its package folder, or its module URL when that is not a file. */
  readonly location: string;
}

const KEY = Symbol.for('tessera.core.copies');
let warned = false;

/**
 * The package folder of a copy from a module URL inside it (`file:///app/node_modules/@tessera/core/dist/version.js`
 * → `/app/node_modules/@tessera/core`); other URLs (http:, blob:, a bundle) are kept whole.
 */
export function copyLocation(url: string | undefined): string {
  if (!url) return 'an unknown location (a bundle without import.meta.url)';
  if (!url.startsWith('file:')) return url;
  const path = decodeURIComponent(new URL(url).pathname).replace(/^\/([A-Za-z]:\/)/, '$1');
  return path.replace(/\/(dist|src)\/version\.[jt]s$/, '');
}

function copies(): CopyRecord[] {
  const g = globalThis as unknown as Record<symbol, CopyRecord[] | undefined>;
  return (g[KEY] ??= []);
}

const me: CopyRecord = { version: VERSION, location: copyLocation(import.meta.url) };

/** The warning for two (or more) loaded copies: where each lives, why, and how to fix it. */
function duplicateCopyMessage(all: readonly CopyRecord[]): string {
  const list = all.map((c, i) => `  ${i + 1}. ${c.version} at ${c.location}`).join('\n');
  const sameVersion = all.every((c) => c.version === all[0]?.version);
  const folderInstall =
    'a plugin installed from a folder (`npm install ../my-plugin` or `npm link`) is a symlink, so it loads the ' +
    "@tessera/core in the plugin's own node_modules (its devDependency) instead of the app's";
  const nested =
    "a package requires a version range of @tessera/core the app's copy does not satisfy, so npm nested a second copy under it";
  return (
    `[tessera] ${all.length} copies of @tessera/core are loaded:\n${list}\n` +
    `Each copy has its own registry: backends, kernels and ops installed with one are invisible to the other ` +
    `("no backend is installed" after use(cpu()), "no kernel" errors), and tensors of one are not tensors to the other.\n` +
    `Likely cause: ${sameVersion ? `${folderInstall}; or ${nested}` : `${nested}; or ${folderInstall}`}.\n` +
    `Fix: install local plugins with \`npm install --install-links ../my-plugin\`, or \`npm pack\` the plugin and install the ` +
    `tarball; make @tessera/core a peerDependency of every plugin (a devDependency too, for its tests, but never a dependency); ` +
    `\`npm ls @tessera/core\` shows who brings each copy.`
  );
}

/**
 * Records this copy of core on globalThis and warns once if another copy is already
 * loaded: each copy has its own registry, the classic cause of "kernel not registered".
 */
export function checkSingleCopy(warn: (msg: string) => void = (m) => console.warn(m)): void {
  const all = copies();
  if (!all.includes(me)) all.push(me);
  if (all.length > 1 && !warned) {
    warned = true;
    warn(duplicateCopyMessage(all));
  }
}

/**
 * `''` with one copy of core loaded; otherwise a sentence for the end of an error that a
 * second copy can cause (no backend after `use(cpu())`, a foreign tensor), naming this copy.
 */
export function secondCopyNote(): string {
  const all = copies();
  if (all.length < 2) return '';
  const others = all.filter((c) => c !== me).map((c) => c.location);
  return (
    ` Note: ${all.length} copies of @tessera/core are loaded; this one (${me.location}) has its own registry, ` +
    `so what was installed with the other (${others.join(', ')}) is invisible here. Make every package load one copy: ` +
    `see the warning printed at startup, or run \`npm ls @tessera/core\`.`
  );
}
