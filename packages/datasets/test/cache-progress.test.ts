import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetCacheDir, defaultDataDir, formatBytes, MNIST_SOURCE, progressBar } from '../src/node.js';

describe('cache directory', () => {
  it('TESSERA_DATA_DIR wins, else the platform user cache dir', () => {
    expect(defaultDataDir({ TESSERA_DATA_DIR: '/data/t' }, 'linux', '/home/u')).toBe('/data/t');
    expect(defaultDataDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/tessera');
    expect(defaultDataDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/tessera');
    expect(defaultDataDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Caches/tessera');
    expect(defaultDataDir({ LOCALAPPDATA: 'C:/Users/u/AppData/Local' }, 'win32', 'C:/Users/u')).toBe(join('C:/Users/u/AppData/Local', 'tessera', 'Cache'));
    expect(datasetCacheDir(MNIST_SOURCE, '/d')).toBe('/d/mnist');
  });
});

describe('progress bar', () => {
  it('draws one updating line on a terminal and ends it', () => {
    const out: string[] = [];
    const tty = { isTTY: true, columns: 120, write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WriteStream;
    const bar = progressBar(tty);
    bar.update({ file: 'train-images-idx3-ubyte.gz', url: 'u', loaded: 4_956_211, total: 9_912_422 });
    bar.update({ file: 'train-images-idx3-ubyte.gz', url: 'u', loaded: 9_912_422, total: 9_912_422 });
    bar.end(true);
    expect(out[0]).toMatch(/^\rtrain-images-idx3-ubyte\.gz \[#{12}\.{12}\]  50%  5\.0 MB\/9\.9 MB  .*\/s\x1b\[K$/);
    expect(out.at(-2)).toMatch(/\[#{24}\] 100%/);
    expect(out.at(-1)).toBe('\n');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(170_052_171)).toBe('170.1 MB');
  });
});
