/**
 * Type-checks README code blocks against the built packages, as one TypeScript program
 * whose files are the blocks (each a module), resolved from this package's node_modules.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { type CodeBlock, extractBlocks } from './extract.js';

/** The monorepo root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Where the blocks' virtual files live (module resolution starts here). */
const BLOCK_DIR = fileURLToPath(new URL('../blocks/', import.meta.url));

/**
 * What a README's reader is assumed to have: strict TypeScript with
 * `noUncheckedIndexedAccess`, ES2022 + DOM (+ `using`), Node's types, ESM.
 */
const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.esnext.disposable.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noUncheckedIndexedAccess: true,
  allowJs: true,
  checkJs: true,
  noEmit: true,
  skipLibCheck: false,
  types: ['node'],
};

/** The README files whose blocks are checked: the root's, every package's and every example's. */
export function readmes(): string[] {
  const found = ['README.md'];
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(ROOT, group)).sort()) {
      const rel = `${group}/${name}/README.md`;
      if (statSync(join(ROOT, rel), { throwIfNoEntry: false })?.isFile()) found.push(rel);
    }
  }
  return found;
}

/** Module specifiers whose exports fragments may use without importing, in the order names are looked up. */
const ENTRIES = [
  '@tessera/core', '@tessera/backend-cpu', '@tessera/layers', '@tessera/optim', '@tessera/datasets', '@tessera/train',
  '@tessera/models', '@tessera/onnx', '@tessera/backend-webgpu', '@tessera/conformance', '@tessera/cli',
  '@tessera/datasets/node', '@tessera/layers/node', '@tessera/train/node', '@tessera/example-custom-op',
];

/** The package a README documents (its entries are searched first), from its folder's package.json. */
function ownPackage(readme: string): string | null {
  if (readme === 'README.md') return null;
  const manifest = JSON.parse(readFileSync(join(ROOT, readme, '..', 'package.json'), 'utf8')) as { name: string; exports?: Record<string, unknown> };
  return manifest.name;
}

/** A block turned into a source file: `prefixLines` lines of imports and context come before the block's code. */
export interface BlockSource {
  readonly block: CodeBlock;
  readonly fileName: string;
  readonly text: string;
  readonly prefixLines: number;
}

/** A type error, placed at its README line. */
export interface DocsDiagnostic {
  readonly readme: string;
  readonly line: number;
  readonly message: string;
}

/** Top-level names a piece of code declares (variables, destructured names, functions, classes, types, imports). */
function declaredNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const bind = (n: ts.BindingName): void => {
    if (ts.isIdentifier(n)) names.add(n.text);
    else for (const e of n.elements) if (!ts.isOmittedExpression(e)) bind(e.name);
  };
  for (const s of sf.statements) {
    if (ts.isVariableStatement(s)) s.declarationList.declarations.forEach((d) => bind(d.name));
    else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s)) && s.name) names.add(s.name.text);
    else if (ts.isImportDeclaration(s) && s.importClause) {
      if (s.importClause.name) names.add(s.importClause.name.text);
      const nb = s.importClause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) names.add(nb.name.text);
      else if (nb) nb.elements.forEach((e) => names.add(e.name.text));
    }
  }
  return names;
}

/** Identifiers used as names (not as `.property` or `{ key: … }` keys). */
function usedNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) {
      const p = n.parent;
      const isKey = (ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n) || (ts.isQualifiedName(p) && p.right === n);
      if (!isKey) names.add(n.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return names;
}

/** Whether a block is a complete program (it imports what it uses) rather than a fragment. */
function hasImports(code: string): boolean {
  const sf = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ES2022, true);
  return sf.statements.some(ts.isImportDeclaration);
}

/**
 * Every exported name of each entry in `ENTRIES` (and of the README's own package first),
 * read from the built `.d.ts` files: the names a fragment may use without importing.
 */
function exportIndex(host: ts.CompilerHost): Map<string, Map<string, string>> {
  const probe = join(BLOCK_DIR, '__exports.ts');
  const text = ENTRIES.map((e, i) => `export * as m${i} from '${e}';`).join('\n') + "\nexport * as umbrella from 'tessera';";
  const program = ts.createProgram([probe], COMPILER_OPTIONS, withVirtualFiles(host, new Map([[probe, text]])));
  const checker = program.getTypeChecker();
  const index = new Map<string, Map<string, string>>();
  const sf = program.getSourceFile(probe)!;
  for (const stmt of sf.statements) {
    if (!ts.isExportDeclaration(stmt) || !stmt.moduleSpecifier || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    const spec = stmt.moduleSpecifier.text;
    const sym = checker.getSymbolAtLocation(stmt.moduleSpecifier);
    if (!sym) throw new Error(`docs test: '${spec}' does not resolve from tests/docs; run pnpm build (and pnpm install) first`);
    index.set(spec, new Map(checker.getExportsOfModule(sym).map((s) => [s.name, spec])));
  }
  return index;
}

/** Builds the source of each block: auto-imports for fragments, then the context, then the code. */
function blockSources(readme: string, blocks: readonly CodeBlock[], index: ReadonlyMap<string, ReadonlyMap<string, string>>): BlockSource[] {
  const own = ownPackage(readme);
  const order = [...(own && index.has(own) ? [own] : []), ...ENTRIES.filter((e) => e !== own)];
  return blocks.map((block, k) => {
    const fileName = join(BLOCK_DIR, `${readme.replace(/[^\w]+/g, '_')}_${k}_L${block.line}.${block.lang === 'ts' ? 'ts' : 'js'}`);
    const code = withAbsoluteImports(block.code, join(ROOT, readme, '..'));
    const body = block.context ? `${block.context}\n${code}` : code;
    let imports = '';
    if (!hasImports(block.code)) {
      const sf = ts.createSourceFile(fileName, body, ts.ScriptTarget.ES2022, true);
      const declared = declaredNames(sf);
      const bySpec = new Map<string, string[]>();
      for (const name of usedNames(sf)) {
        if (declared.has(name)) continue;
        const spec = order.find((e) => index.get(e)?.has(name));
        if (spec) bySpec.set(spec, [...(bySpec.get(spec) ?? []), name]);
      }
      imports = [...bySpec].map(([spec, names]) => `import { ${names.sort().join(', ')} } from '${spec}';`).join(' ');
    }
    // One line of imports (possibly empty), then `export {}` so every block is a module.
    const prefix = `${imports}\nexport {};\n${block.context ? `${block.context}\n` : ''}`;
    return { block, fileName, text: prefix + code, prefixLines: prefix.split('\n').length - 1 };
  });
}

/** Relative imports (`'./src/task.js'` in an example's README) point into the README's folder. */
function withAbsoluteImports(code: string, dir: string): string {
  return code.replace(/(from\s+|import\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/g, (_m, kw: string, q: string, spec: string) => `${kw}${q}${join(dir, spec)}${q}`);
}

/** A compiler host that also serves the given in-memory files. */
function withVirtualFiles(host: ts.CompilerHost, files: ReadonlyMap<string, string>): ts.CompilerHost {
  return {
    ...host,
    fileExists: (f) => files.has(f) || host.fileExists(f),
    readFile: (f) => files.get(f) ?? host.readFile(f),
    getSourceFile: (f, lang, onError, create) => {
      const text = files.get(f);
      return text !== undefined ? ts.createSourceFile(f, text, lang) : host.getSourceFile(f, lang, onError, create);
    },
  };
}

/** Type-checks every block of every README in one program; returns the sources and the errors at README lines. */
export function checkReadmes(files: readonly string[] = readmes()): { sources: BlockSource[]; diagnostics: DocsDiagnostic[]; skipped: CodeBlock[] } {
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const index = exportIndex(host);
  const sources: BlockSource[] = [];
  const skipped: CodeBlock[] = [];
  for (const readme of files) {
    const blocks = extractBlocks(readme, readFileSync(join(ROOT, readme), 'utf8'));
    skipped.push(...blocks.filter((b) => b.skip !== null));
    sources.push(...blockSources(readme, blocks.filter((b) => b.skip === null), index));
  }
  const virtual = new Map(sources.map((s) => [s.fileName, s.text]));
  const program = ts.createProgram([...virtual.keys()], COMPILER_OPTIONS, withVirtualFiles(host, virtual));
  const byFile = new Map(sources.map((s) => [s.fileName, s]));
  const diagnostics: DocsDiagnostic[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const src = d.file ? byFile.get(d.file.fileName) : undefined;
    // The sources a README imports from an example's folder are checked by its own tsconfig.
    if (!src && d.file && !d.file.isDeclarationFile) continue;
    if (!src || d.start === undefined) {
      diagnostics.push({ readme: d.file?.fileName ?? '(program)', line: 0, message: `TS${d.code}: ${message}` });
      continue;
    }
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
    const inCode = line - src.prefixLines;
    const where = inCode >= 0 ? src.block.line + 1 + inCode : src.block.line;
    const what = inCode >= 0 ? '' : line === 0 ? ' (in the imports added to this fragment)' : ' (in its docs-test context)';
    diagnostics.push({ readme: src.block.file, line: where, message: `TS${d.code}${what}: ${message}` });
  }
  return { sources, diagnostics, skipped };
}
