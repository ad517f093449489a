import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A user's tsconfig the installed types must compile under. */
export interface UserConfig {
  readonly name: string;
  /** `lib`: the browser's DOM without Node's types, or Node's types without the DOM. */
  readonly env: 'browser' | 'node';
  readonly resolution: 'node16' | 'bundler';
}

export const USER_CONFIGS: readonly UserConfig[] = (['browser', 'node'] as const).flatMap((env) =>
  (['node16', 'bundler'] as const).map((resolution) => ({ name: `${env}-${resolution}`, env, resolution })),
);

const require = createRequire(import.meta.url);
/** The TypeScript compiler of this workspace (the temporary project installs none). */
export const TSC = require.resolve('typescript/bin/tsc');
/** Node's types from this workspace, for the Node configs. */
const NODE_TYPES_ROOT = dirname(dirname(require.resolve('@types/node/package.json')));

/**
 * Writes `<project>/types/tsconfig.<name>.json` for `config`: strict, by default without
 * skipLibCheck (the packages' .d.ts files are checked too), including `files`.
 */
export function writeUserConfig(project: string, config: UserConfig, files: readonly string[], skipLibCheck = false): string {
  const dir = join(project, 'types');
  mkdirSync(dir, { recursive: true });
  const compilerOptions = {
    target: 'ES2022',
    lib: config.env === 'browser' ? ['ES2022', 'DOM'] : ['ES2022'],
    types: config.env === 'browser' ? [] : ['node'],
    ...(config.env === 'node' ? { typeRoots: [NODE_TYPES_ROOT] } : {}),
    module: config.resolution === 'node16' ? 'Node16' : 'ESNext',
    moduleResolution: config.resolution === 'node16' ? 'Node16' : 'Bundler',
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck,
    noEmit: true,
  };
  const file = join(dir, `tsconfig.${config.name}${skipLibCheck ? '.skiplibcheck' : ''}.json`);
  writeFileSync(file, JSON.stringify({ compilerOptions, files: files.map((f) => join(dir, f)) }, null, 2));
  return file;
}
