/**
 * Finds the TypeScript and JavaScript code blocks of a Markdown file, with the
 * `<!-- docs-test: … -->` comments written right above each one.
 */

/** The languages whose fenced blocks are checked. */
const LANGS: Readonly<Record<string, 'ts' | 'js'>> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js' };

/** One fenced code block to check. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: 'ts' | 'js';
  readonly code: string;
  /** Hidden setup code from `<!-- docs-test: context … -->` comments, compiled (and run) before the block. */
  readonly context: string;
  /** `<!-- docs-test: run -->`: the block is a whole program that must also run. */
  readonly run: boolean;
  /** `<!-- docs-test: skip <reason> -->`: the block is not checked, for the reason given. */
  readonly skip: string | null;
}

/** A `docs-test` comment that is none of the known forms. */
export class DocsTestCommentError extends Error {
  constructor(file: string, line: number, text: string) {
    super(`${file}:${line}: unknown docs-test comment '${text.slice(0, 60)}'; write '<!-- docs-test: run -->', '<!-- docs-test: skip <reason> -->' or '<!-- docs-test: context <code> -->'`);
    this.name = 'DocsTestCommentError';
  }
}

interface Directives {
  context: string[];
  run: boolean;
  skip: string | null;
}

/**
 * The code blocks of `markdown` (named `file` in errors) in the languages of `LANGS`.
 * Directives are HTML comments on the lines just above a fence (blank lines between are
 * allowed); any other line resets them, so a comment never drifts to a later block.
 */
export function extractBlocks(file: string, markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let pending: Directives = { context: [], run: false, skip: null };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/.exec(line);
    if (fence) {
      const indent = fence[1] ?? '';
      const marks = fence[2] ?? '```';
      const info = fence[3] ?? '';
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !new RegExp(`^\\s*${marks[0]}{${marks.length},}\\s*$`).test(lines[j]!)) body.push(lines[j++]!.slice(indent.length));
      const lang = LANGS[info.toLowerCase()];
      if (lang) blocks.push({ file, line: i + 1, lang, code: body.join('\n'), context: pending.context.join('\n'), run: pending.run, skip: pending.skip });
      pending = { context: [], run: false, skip: null };
      i = j;
      continue;
    }
    if (line.trim() === '') continue;
    const comment = /^\s*<!--\s*docs-test:/.exec(line);
    if (!comment) {
      pending = { context: [], run: false, skip: null };
      continue;
    }
    let text = line.slice(comment[0].length);
    let j = i;
    while (!text.includes('-->') && j + 1 < lines.length) text += `\n${lines[++j]!}`;
    text = text.slice(0, text.indexOf('-->')).trim();
    const start = i + 1;
    i = j;
    if (text === 'run') pending.run = true;
    else if (/^skip\s+\S/.test(text)) pending.skip = text.slice(4).trim();
    else if (/^context\s/.test(text)) pending.context.push(text.slice(7).trim());
    else throw new DocsTestCommentError(file, start, text);
  }
  return blocks;
}
