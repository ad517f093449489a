import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { rollup, type Plugin } from 'rollup';

/** Bytes of a bundle, minified and minified + gzip (level 9). */
export interface BundleSize {
  readonly min: number;
  readonly gzip: number;
}

/** Bundles `entry` for browsers with esbuild (ESM, minified) into `out`; returns its size. */
export async function esbuildBundle(entry: string, out: string): Promise<BundleSize> {
  await build({ entryPoints: [entry], outfile: out, bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'error' });
  return sizeOf(out);
}

/**
 * Bare imports resolved as Node does from the importing file (the `default` export
 * condition), which is what @rollup/plugin-node-resolve does for these packages.
 */
function nodeResolve(): Plugin {
  return {
    name: 'node-resolve',
    resolveId(source, importer) {
      if (!importer || source.startsWith('.') || source.startsWith('/') || source.startsWith('\0')) return null;
      try {
        return createRequire(importer).resolve(source);
      } catch {
        return null;
      }
    },
  };
}

/** Bundles `entry` for browsers with Rollup (ESM, one file, not minified) into `out`. */
export async function rollupBundle(entry: string, out: string): Promise<void> {
  const bundle = await rollup({ input: entry, plugins: [nodeResolve()], onwarn: () => {} });
  await bundle.write({ file: out, format: 'es', inlineDynamicImports: true });
  await bundle.close();
}

/** Size of a file as is and gzipped. */
export function sizeOf(file: string): BundleSize {
  const bytes = readFileSync(file);
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** A page that starts `worker` as a module worker and shows its first message in `document.title`. */
export function workerPage(dir: string, worker: string): void {
  writeFileSync(
    `${dir}/${worker}.html`,
    `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
const w = new Worker('./${worker}', { type: 'module' });
w.onmessage = (e) => { document.title = 'done:' + JSON.stringify(e.data); };
w.onerror = (e) => { document.title = 'done:' + JSON.stringify({ error: e.message }); };
</script>`,
  );
}
