/** Plain-text / Markdown table rendering and number formatting. */

export type Align = 'l' | 'r';

/** A Markdown table (pipes), padded so it also reads well in a terminal. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const width = (s: string) => [...s].length;
  const w = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? '')), 3));
  const pad = (s: string, i: number) => {
    const gap = ' '.repeat(w[i] - width(s));
    return align[i] === 'r' ? gap + s : s + gap;
  };
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => pad(c, i)).join(' | ')} |`;
  const rule = `|${w.map((n, i) => (align[i] === 'r' ? '-'.repeat(n + 1) + ':' : ':' + '-'.repeat(n + 1))).join('|')}|`;
  return [line(headers), rule, ...rows.map((r) => line(r))].join('\n');
}

/** 3 significant digits, no exponent for the magnitudes that show up here. */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 1000) return Math.round(x).toString();
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

export function fmtRatio(r: number): string {
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

export function fmtSci(x: number): string {
  return x === 0 ? '0' : x.toExponential(1);
}
