/** This package's version (kept in step with package.json by the release script check). */
export const VERSION = '0.1.0';

interface CopyRecord {
  readonly version: string;
  readonly id: symbol;
}

const KEY = Symbol.for('tessera.core.copies');
let warned = false;

/**
 * Records this copy of core on globalThis and warns once if another copy is already
 * loaded: each copy has its own registry, the classic cause of "kernel not registered".
 */
export function checkSingleCopy(warn: (msg: string) => void = (m) => console.warn(m)): void {
  const g = globalThis as unknown as Record<symbol, CopyRecord[] | undefined>;
  const copies = (g[KEY] ??= []);
  const me: CopyRecord = { version: VERSION, id: Symbol('copy') };
  if (copies.length > 0 && !warned) {
    warned = true;
    warn(
      `[tessera] two copies of @tessera/core are loaded (${copies[0].version} and ${VERSION}). ` +
        `Plugins installed in one copy are invisible to the other ("no kernel" errors). ` +
        `Deduplicate: make every plugin take @tessera/core as a peer dependency.`,
    );
  }
  copies.push(me);
}
