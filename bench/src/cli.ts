/** Command-line options (flags win over the BENCH_* environment variables). */

export interface CliOptions {
  readonly quick: boolean;
  /** Workload id substrings (any matches). Empty: all. */
  readonly filter: readonly string[];
  /** Library names (substring match). Empty: all. */
  readonly libs: readonly string[];
  /** Also write the results as JSON here. */
  readonly json: string | undefined;
  readonly help: boolean;
}

export const USAGE = `usage: pnpm bench [options]      (from the repo root: builds packages/* first)
       pnpm -C bench bench [options]   (packages already built)

  --quick               shorter timing (≈0.25 s per cell, fewer warm-ups)
  --filter=a,b          only workloads whose id contains a or b
                        ids: matmul-128 matmul-256 matmul-512 matmul-1024 matmul-1024-tA matmul-1024-tB matmul-1024-tAB
                        mlp-train cnn-train cnn-infer
                        optim-adam optim-sgd-momentum
                        resnet18-b1-{2t,1t} resnet18-b8-{2t,1t} resnet18-b1-unfused-2t resnet20-train-{2t,1t}
                        vgg11-b1-{2t,1t} (issue 24: 2 and 1 thread(s); e.g. --filter=resnet, --filter=-1t)
                        data-load compiled (section after the table: compiled
                        vs eager steps, issue 15); GPU columns only: matmul-2048 matmul-4096
                        matmul-{1024,2048,4096}-resident (C stays on the GPU, row 0 read)
  --libs=a,b            only these libraries (substring match): tessera-cpu tfjs-cpu tfjs-wasm onnx
                        tessera-webgpu tfjs-webgpu, torch (the convnet rows' torch-cpu table, with
                        tessera-cpu; it runs when --libs is not given or names torch). The webgpu columns run when a hardware adapter
                        is found; on a software one (SwiftShader) only if an entry names webgpu
  --json=path           also write the results as JSON
  -h, --help            this text

environment: BENCH_FILTER, BENCH_LIBS, BENCH_QUICK=1, BENCH_ORT_THREADS (default 1)`;

/** Whether a section printed after the table (`data-load`, `compiled`) runs: no filter, or a filter that is part of its id. */
export function wantsSection(filter: readonly string[], id: string): boolean {
  return filter.length === 0 || filter.some((f) => id.includes(f));
}

const list = (s: string | undefined): string[] =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  let quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  let filter = list(env.BENCH_FILTER);
  let libs = list(env.BENCH_LIBS);
  let json: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (k) {
      case '--':
        break;
      case '--quick':
        quick = true;
        break;
      case '--filter':
        filter = list(value());
        break;
      case '--libs':
        libs = list(value());
        break;
      case '--json':
        json = value();
        break;
      case '-h':
      case '--help':
        help = true;
        break;
      default:
        throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
  }
  return { quick, filter, libs, json, help };
}
