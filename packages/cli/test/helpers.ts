import type { Io } from '../src/index.js';

/** An Io that records lines instead of printing. */
export function captureIo(env: Record<string, string | undefined> = { TESSERA_OFFLINE: '1' }): Io & { lines: string[]; errors: string[]; text(): string } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (l) => void lines.push(l),
    err: (l) => void errors.push(l),
    stream: { write: (s: string) => void lines.push(s.replace(/\n$/, '')) },
    env,
    text: () => [...lines, ...errors].join('\n'),
  };
}
