import { DataError } from '@tessera/core';

/** The special tokens every {@link Vocab} starts with, at ids 0–3 in this order. */
export const SPECIAL_TOKENS = { pad: '<pad>', bos: '<bos>', eos: '<eos>', unk: '<unk>' } as const;

const SPECIALS: readonly string[] = [SPECIAL_TOKENS.pad, SPECIAL_TOKENS.bos, SPECIAL_TOKENS.eos, SPECIAL_TOKENS.unk];

/** Splits text into characters (Unicode code points, so an emoji or accented letter is one token). */
export function splitChars(text: string): string[] {
  return Array.from(text);
}

/** Splits text on runs of whitespace (phoneme strings such as `"HH AH0 L OW1"`). */
export function splitSpaces(text: string): string[] {
  const t = text.trim();
  return t === '' ? [] : t.split(/\s+/);
}

/** Options of {@link Vocab.encode}. */
export interface EncodeOptions {
  /** Prepend `<bos>` (default false). */
  readonly bos?: boolean;
  /** Append `<eos>` (default false). */
  readonly eos?: boolean;
}

/** Options of {@link Vocab.build}. */
export interface VocabBuildOptions {
  /** Drop tokens seen fewer times (default 1: keep all); they encode as `<unk>`. */
  readonly minCount?: number;
}

/** The JSON form of a {@link Vocab} (`toJSON` / `Vocab.fromJSON`). */
export interface VocabJSON {
  readonly format: 'tessera-vocab';
  readonly version: 1;
  /** Every token by id, the four specials first. */
  readonly tokens: readonly string[];
}

/**
 * A token ↔ id table for character- or phoneme-level models: ids 0–3 are `<pad>`, `<bos>`,
 * `<eos>` and `<unk>`, then the tokens of the training data in sorted order (so the same data
 * always gives the same ids). Tokens are strings: characters ({@link splitChars}) or
 * whitespace-separated symbols such as ARPAbet phonemes ({@link splitSpaces}).
 *
 * @example
 * const vocab = Vocab.build(names.map(splitChars));
 * const ids = vocab.encode(splitChars('Ada'), { bos: true, eos: true }); // [1, …, 2]
 * vocab.decode(ids).join('');                                            // 'Ada'
 */
export class Vocab {
  /** Id of `<pad>` (0). */
  static readonly PAD = 0;
  /** Id of `<bos>` (1). */
  static readonly BOS = 1;
  /** Id of `<eos>` (2). */
  static readonly EOS = 2;
  /** Id of `<unk>` (3). */
  static readonly UNK = 3;

  private readonly ids: ReadonlyMap<string, number>;

  private constructor(readonly tokens: readonly string[]) {
    const ids = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (ids.has(t))
        throw new DataError(`Vocab: token '${t}' appears twice (ids ${ids.get(t)} and ${i}); each token must be listed once.`);
      ids.set(t, i);
    });
    this.ids = ids;
  }

  /** Builds the table from tokenised training sequences (the specials are always included). */
  static build(sequences: Iterable<readonly string[]>, opts: VocabBuildOptions = {}): Vocab {
    const minCount = opts.minCount ?? 1;
    if (!Number.isInteger(minCount) || minCount < 1)
      throw new DataError(`Vocab.build: minCount must be a positive integer but got ${minCount}.`);
    const counts = new Map<string, number>();
    for (const seq of sequences) for (const t of seq) counts.set(t, (counts.get(t) ?? 0) + 1);
    const kept = [...counts].filter(([t, c]) => c >= minCount && !SPECIALS.includes(t)).map(([t]) => t);
    kept.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return new Vocab([...SPECIALS, ...kept]);
  }

  /** Reads the JSON form written by {@link Vocab.toJSON} (checked: format, version, specials). */
  static fromJSON(json: unknown): Vocab {
    const j = json as Partial<VocabJSON> | null;
    if (
      !j ||
      j.format !== 'tessera-vocab' ||
      j.version !== 1 ||
      !Array.isArray(j.tokens) ||
      !j.tokens.every((t) => typeof t === 'string')
    ) {
      throw new DataError(
        "Vocab.fromJSON: expected { format: 'tessera-vocab', version: 1, tokens: string[] } (what vocab.toJSON() writes).",
      );
    }
    SPECIALS.forEach((s, i) => {
      if (j.tokens![i] !== s) throw new DataError(`Vocab.fromJSON: token ${i} must be '${s}' but is '${String(j.tokens![i])}'.`);
    });
    return new Vocab(j.tokens);
  }

  /** Number of tokens, specials included (the embedding table's rows). */
  get size(): number {
    return this.tokens.length;
  }

  /** The id of one token (`<unk>`'s for a token not in the table). */
  id(token: string): number {
    return this.ids.get(token) ?? Vocab.UNK;
  }

  /** Whether `token` is in the table. */
  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** Token ids of a sequence, optionally framed by `<bos>` / `<eos>`. */
  encode(tokens: readonly string[], opts: EncodeOptions = {}): number[] {
    const out = tokens.map((t) => this.id(t));
    if (opts.bos) out.unshift(Vocab.BOS);
    if (opts.eos) out.push(Vocab.EOS);
    return out;
  }

  /**
   * Tokens of a sequence of ids: stops at the first `<eos>`, drops `<pad>` and `<bos>`
   * (`<unk>` stays visible). Pass `{ raw: true }` to map every id as it is.
   */
  decode(ids: Iterable<number>, opts: { readonly raw?: boolean } = {}): string[] {
    const out: string[] = [];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) {
        throw new DataError(`Vocab.decode: id ${id} is out of range for a vocabulary of ${this.tokens.length} tokens.`);
      }
      if (!opts.raw) {
        if (id === Vocab.EOS) break;
        if (id === Vocab.PAD || id === Vocab.BOS) continue;
      }
      out.push(this.tokens[id]!);
    }
    return out;
  }

  /** The JSON form (save it beside a checkpoint; read it with {@link Vocab.fromJSON}). */
  toJSON(): VocabJSON {
    return { format: 'tessera-vocab', version: 1, tokens: [...this.tokens] };
  }
}
