import type { ProgressStream } from '@tessera/train';

/** Where a command writes and what it reads from the environment (injectable for tests). */
export interface Io {
  /** Result lines (stdout). */
  readonly out: (line: string) => void;
  /** Notes and errors (stderr). */
  readonly err: (line: string) => void;
  /** The progress display's stream (a live bar when it is a TTY). */
  readonly stream: ProgressStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Width of the terminal notes are wrapped to (default 80). */
  readonly columns?: number;
}

/** The process's stdout/stderr and environment. */
export function processIo(): Io {
  return {
    out: (l) => void process.stdout.write(`${l}\n`),
    err: (l) => void process.stderr.write(`${l}\n`),
    stream: process.stdout,
    env: process.env,
    columns: process.stderr.columns ?? process.stdout.columns,
  };
}
