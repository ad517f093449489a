/**
 * Vite plugin that puts the offline MNIST sample (`MNIST.sample()` of @tessera/datasets,
 * 10,000 real digits shipped in that package, split 8,000/2,000 exactly as the CLI
 * splits them) into the page as gzipped IDX files — the real MNIST file format — under
 * `mnist-sample/`. The page loads them with `fetchDataset('mnist', { mirrors, checksums })`,
 * so they are size- and SHA-256-checked and parsed by the same code as a download.
 *
 * The checksums reach the page through the virtual module `virtual:mnist-sample`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { data as nodeData } from 'tessera/node';
import type { Plugin } from 'vite';

/** Folder of the emitted files, relative to the page's base URL. */
const SAMPLE_DIR = 'mnist-sample';

const VIRTUAL_ID = 'virtual:mnist-sample';
const RESOLVED_ID = '\0' + VIRTUAL_ID;

/** An IDX file: magic (2 zero bytes, type 0x08 = ubyte, number of dimensions), big-endian sizes, data. */
export function encodeIdx(data: Uint8Array, dims: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 | dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

let cached: Map<string, Uint8Array> | undefined;

/** The four gzipped IDX files of the sample, by file name (built once per process). */
export function sampleFiles(): Map<string, Uint8Array> {
  if (cached) return cached;
  const files = new Map<string, Uint8Array>();
  for (const split of ['train', 'test'] as const) {
    const ds = nodeData.MNIST.sample({ split });
    const [imagesName, labelsName] = nodeData.IDX_SPLIT_FILES[split];
    const n = ds.length;
    files.set(`${imagesName}.gz`, gzipSync(encodeIdx(ds.images, [n, 28, 28])));
    files.set(`${labelsName}.gz`, gzipSync(encodeIdx(Uint8Array.from(ds.labels), [n])));
  }
  cached = files;
  return files;
}

function checksums(files: Map<string, Uint8Array>): Record<string, nodeData.FileChecksum> {
  const out: Record<string, nodeData.FileChecksum> = {};
  for (const [name, bytes] of files) out[name] = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  return out;
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * Serves the sample's files as plain bytes (`application/gzip`, no `Content-Encoding`).
 * Static servers that send `.gz` files with `Content-Encoding: gzip` (sirv, under `vite
 * preview`) make the browser unpack them, and the checksums would no longer match.
 */
function serveSample(base: string, read: (name: string) => Uint8Array | undefined): Middleware {
  return (req, res, next) => {
    const prefix = `${base}${SAMPLE_DIR}/`;
    const path = req.url?.split('?')[0];
    const bytes = path?.startsWith(prefix) ? read(path.slice(prefix.length)) : undefined;
    if (!bytes) return next();
    res.setHeader('content-type', 'application/gzip');
    res.setHeader('content-length', String(bytes.length));
    res.end(bytes);
  };
}

/** The plugin: serves the files in `vite dev` and `vite preview`, emits them in `vite build`, exports their checksums. */
export function mnistSample(): Plugin {
  return {
    name: 'tessera-mnist-sample',
    resolveId: (id) => (id === VIRTUAL_ID ? RESOLVED_ID : null),
    load(id) {
      if (id !== RESOLVED_ID) return null;
      return `export const sampleDir = ${JSON.stringify(SAMPLE_DIR + '/')};\nexport const checksums = ` +
        `${JSON.stringify(checksums(sampleFiles()))};\n`;
    },
    configureServer(server) {
      server.middlewares.use(serveSample(server.config.base, (name) => sampleFiles().get(name)));
    },
    configurePreviewServer(server) {
      const dir = resolve(server.config.root, server.config.build.outDir, SAMPLE_DIR);
      const read = (name: string): Uint8Array | undefined =>
        /^[\w.-]+\.gz$/.test(name) && existsSync(join(dir, name)) ? readFileSync(join(dir, name)) : undefined;
      server.middlewares.use(serveSample(server.config.base, read));
    },
    generateBundle() {
      for (const [name, bytes] of sampleFiles()) this.emitFile({ type: 'asset', fileName: `${SAMPLE_DIR}/${name}`, source: bytes });
    },
  };
}
