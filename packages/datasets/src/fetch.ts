import type { Cifar100Label } from './cifar100-dataset.js';
import { type DatasetFiles, imageDatasetDescriptor } from './dataset-registry.js';
import { gunzip, isGzip, plainBuffer } from './gzip.js';
import type { ImageDataset } from './image-dataset.js';
import { checkAnnounced, checksumMismatch, expectedChecksum, fileUrls, httpReason, tryMirrors, type DownloadProgress } from './mirrors.js';
import { checkSplit, type DatasetSource, type FileChecksum, type Split } from './resources.js';

/** Options of `fetchBytes` and `fetchDataset` (browser-safe; uses `fetch` and Web Crypto). */
export interface FetchOptions {
  /** Base URLs tried in order (default: the dataset's public mirrors). Host the files yourself to avoid CORS limits. */
  readonly mirrors?: readonly string[];
  /** Expected size/SHA-256 per file name, overriding the published ones (e.g. for a re-packed copy). */
  readonly checksums?: Readonly<Record<string, FileChecksum>>;
  /** Check size and SHA-256 (default true). */
  readonly verify?: boolean;
  /** Called as bytes arrive. */
  readonly onProgress?: (p: DownloadProgress) => void;
  readonly signal?: AbortSignal;
  /** The fetch to use (default: `globalThis.fetch`). */
  readonly fetch?: typeof fetch;
  /**
   * Most bytes a downloaded gzip may inflate to (default `MAX_INFLATED_BYTES`, 1 GiB); an
   * IDX file is also held to the size its header declares. Checked while inflating.
   */
  readonly maxInflatedBytes?: number;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', plainBuffer(bytes));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function readBody(res: Response, file: string, url: string, total: number | undefined, opts: FetchOptions): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (total !== undefined && loaded > total) {
      await reader.cancel();
      throw new Error(`more than the expected ${total} bytes`);
    }
    opts.onProgress?.({ file, url, loaded, total });
  }
  const out = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/**
 * Fetches `file` from the first mirror that serves it intact (size and SHA-256 checked
 * against `expected`), in memory. Works in browsers and Node. Every failure is collected;
 * when all mirrors fail, a `DataError` names the file, each URL tried and why.
 */
export async function fetchBytes(
  file: string,
  mirrors: readonly string[],
  expected: FileChecksum | undefined,
  opts: FetchOptions = {},
): Promise<Uint8Array> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const verify = opts.verify ?? true;
  return tryMirrors(
    file,
    fileUrls(mirrors, file),
    async (url) => {
      const res = await doFetch(url, { signal: opts.signal });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new Error(httpReason(res.status, res.statusText));
      }
      if (verify && expected) checkAnnounced(res, expected);
      const bytes = await readBody(res, file, url, expected?.size, opts);
      if (verify && expected) {
        const why = checksumMismatch(expected, { size: bytes.length, sha256: await sha256Hex(bytes) });
        if (why) throw new Error(why);
      }
      return bytes;
    },
    `Host ${file} yourself and pass its base URL in mirrors.`,
    opts.signal,
  );
}

/** Names `fetchDataset` knows out of the box; any registered dataset's name works too. */
export type FetchableDataset = 'mnist' | 'mnist-sample' | 'fashion-mnist' | 'cifar-10' | 'cifar-100' | (string & {});

/** Options of `fetchDataset`: the fetch options, the split, and for CIFAR-100 which label. */
export interface FetchDatasetOptions extends FetchOptions {
  readonly split?: Split;
  /** CIFAR-100 only: 'fine' (100 classes, default) or 'coarse' (20 superclasses). */
  readonly label?: Cifar100Label;
}

/** A dataset's files fetched from its mirrors (or `opts.mirrors`), verified and inflated in memory. */
function fetchedFiles(source: DatasetSource, opts: FetchOptions): DatasetFiles {
  const mirrors = opts.mirrors ?? source.mirrors;
  return {
    read: (reqs) =>
      Promise.all(
        reqs.map(async (req) => {
          const raw = await fetchBytes(req.name, mirrors, expectedChecksum(source, req.name, opts.checksums), opts);
          const bytes = isGzip(raw)
            ? await gunzip(raw, req.name, { ...req.limits, maxBytes: opts.maxInflatedBytes ?? req.limits?.maxBytes })
            : raw;
          return { bytes, file: req.name };
        }),
      ),
    local: () => Promise.resolve(undefined),
  };
}

/**
 * Downloads and parses a split of any registered dataset (see `registerDataset`) in the
 * browser (or any runtime with `fetch`, `DecompressionStream` and Web Crypto):
 * `await fetchDataset('mnist', { split: 'test' })`. Nothing is cached here; in Node use
 * `loadDataset` from `@tessera/datasets/node`, which caches on disk.
 */
export async function fetchDataset(name: FetchableDataset, opts: FetchDatasetOptions = {}): Promise<ImageDataset> {
  const split = checkSplit(opts.split ?? 'train', `fetchDataset('${name}')`);
  const d = imageDatasetDescriptor(name);
  const { label } = opts;
  return d.read(split, fetchedFiles(d.source, opts), label === undefined ? {} : { label });
}
