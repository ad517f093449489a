import { formatBytes, type DownloadProgress } from '../mirrors.js';

/** Something that shows download progress. */
export interface ProgressSink {
  update(p: DownloadProgress): void;
  /** The transfer ended (`ok` false: it failed and the next mirror may be tried). */
  end(ok: boolean): void;
}

const WIDTH = 24;

/**
 * A one-line progress bar on `stream` (a terminal), redrawn at most 10 times a second:
 * `train-images-idx3-ubyte.gz [#########.......]  58%  5.7/9.9 MB  3.1 MB/s`.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  const start = Date.now();
  let last = 0;
  let drawn = false;
  let latest: DownloadProgress | undefined;
  const draw = (): void => {
    if (!latest) return;
    const { file, loaded, total } = latest;
    const secs = Math.max((Date.now() - start) / 1000, 1e-3);
    const rate = `${formatBytes(Math.round(loaded / secs))}/s`;
    let line: string;
    if (total) {
      const f = Math.min(1, loaded / total);
      const n = Math.round(f * WIDTH);
      line = `${file} [${'#'.repeat(n)}${'.'.repeat(WIDTH - n)}] ${String(Math.floor(f * 100)).padStart(3)}%  ` +
        `${formatBytes(loaded)}/${formatBytes(total)}  ${rate}`;
    } else {
      line = `${file} ${formatBytes(loaded)}  ${rate}`;
    }
    stream.write(`\r${line.slice(0, (stream.columns || 100) - 1)}\x1b[K`);
    drawn = true;
  };
  return {
    update(p) {
      latest = p;
      const now = Date.now();
      if (now - last >= 100 || p.loaded === p.total) {
        last = now;
        draw();
      }
    },
    end(ok) {
      if (ok) draw();
      if (drawn) stream.write(ok ? '\n' : '\r\x1b[K');
    },
  };
}

/** The sink for a `progress` option: a callback, a bar on a TTY (default), or nothing. */
export function progressSink(option: boolean | ((p: DownloadProgress) => void) | undefined): ProgressSink | undefined {
  if (typeof option === 'function') return { update: option, end: () => undefined };
  const show = option ?? process.stderr.isTTY === true;
  return show ? progressBar() : undefined;
}
