/**
 * A third-party dataset, written as a plugin package would write it: one descriptor in one
 * file, using only the public API of @tessera/datasets. Its own file format (a record is a
 * label byte then 8×8 grey pixels, gzipped), its own mirrors and checksums.
 */
import { DataError } from '@tessera/core';
import { type DatasetDescriptor, type FileChecksum, ImageDataset, registerDataset } from '../../src/index.js';

/** The glyph classes, index = label. */
const GLYPH_CLASSES = ['circle', 'cross', 'square'] as const;

const RECORD = 1 + 8 * 8;

/** Parses `<split>.glyphs` records into `[N, 1, 8, 8]` images and labels. */
function parseGlyphs(bytes: Uint8Array, file: string): ImageDataset {
  if (bytes.length % RECORD !== 0) throw new DataError(`${file}: ${bytes.length} bytes is not a whole number of ${RECORD}-byte glyph records.`);
  const n = bytes.length / RECORD;
  const images = new Uint8Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = bytes[i * RECORD];
    if (labels[i] >= GLYPH_CLASSES.length) throw new DataError(`${file}: record ${i} has label ${labels[i]}; glyphs have ${GLYPH_CLASSES.length} classes.`);
    images.set(bytes.subarray(i * RECORD + 1, (i + 1) * RECORD), i * 64);
  }
  return new ImageDataset(images, labels, [1, 8, 8], GLYPH_CLASSES);
}

/** The plugin's `register()`: adds 'tiny-glyphs' to the registry (mirrors and checksums are the plugin's to publish). */
export function register(mirrors: readonly string[], files: Readonly<Record<string, FileChecksum>>): void {
  const descriptor: DatasetDescriptor = {
    name: 'tiny-glyphs',
    title: 'Tiny glyphs',
    description: 'three hand-drawn glyphs, 8×8 grey (a plugin dataset)',
    inputShape: [1, 8, 8],
    classes: GLYPH_CLASSES,
    source: { id: 'tiny-glyphs', title: 'Tiny glyphs', mirrors, files, homepage: 'https://example.org/tiny-glyphs' },
    package: 'tessera-plugin-glyphs',
    read: async (split, source) => {
      const [f] = await source.read([{ name: `${split}.glyphs.gz`, localNames: [`${split}.glyphs`] }]);
      return parseGlyphs(f.bytes, f.file);
    },
  };
  registerDataset(descriptor);
}
