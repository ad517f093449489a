/** Options of scripts/deck-mnist.ts (pure, tested). */

type DeckBackend = 'webgpu' | 'null' | 'cpu';

export interface DeckOptions {
  /** 'webgpu' (an adapter; SwiftShader allowed), 'null' (Dawn's null backend: host cost only) or 'cpu'. */
  readonly backend: DeckBackend;
  /** Epochs (deck: 10). */
  readonly epochs: number;
  /** Batches of 100 per epoch (deck: 600, i.e. 60,000 images). */
  readonly batches: number;
  /** fit's `compile` option (default true, fit's own default). */
  readonly compile: boolean;
  /** Also train the MLP 784-256-256-10 (batch 128) on the same images (default true). */
  readonly mlp: boolean;
}

export const DECK_DEFAULTS: DeckOptions = { backend: 'webgpu', epochs: 10, batches: 600, compile: true, mlp: true };

const DECK_USAGE = `usage: npx tsx scripts/deck-mnist.ts [--backend=webgpu|null|cpu] [--epochs=10] [--batches=600] ` +
  `[--compile=true|false] [--no-mlp]`;

const positive = (k: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${k} needs a positive integer, got '${v}'\n${DECK_USAGE}`);
  return n;
};

export function parseDeckArgs(argv: readonly string[]): DeckOptions {
  let o: DeckOptions = DECK_DEFAULTS;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const [k, inline] = eq >= 0 ? [a.slice(2, eq), a.slice(eq + 1)] : [a.slice(2), undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (!a.startsWith('--')) throw new Error(`unknown argument ${a}\n${DECK_USAGE}`);
    if (k === 'backend') {
      const b = value();
      if (b !== 'webgpu' && b !== 'null' && b !== 'cpu') throw new Error(`--backend is webgpu, null or cpu, got '${b}'\n${DECK_USAGE}`);
      o = { ...o, backend: b };
    } else if (k === 'epochs') o = { ...o, epochs: positive(k, value()) };
    else if (k === 'batches') o = { ...o, batches: positive(k, value()) };
    else if (k === 'compile') o = { ...o, compile: value() !== 'false' };
    else if (k === 'no-mlp') o = { ...o, mlp: false };
    else throw new Error(`unknown argument ${a}\n${DECK_USAGE}`);
  }
  return o;
}
