/** One curve of the plot: its per-epoch mean and spread. */
export interface Curve {
  readonly name: string;
  readonly color: string;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * An inline-SVG line chart of % correct over epochs 1…n, each curve drawn as its mean with
 * a ±1 std band. No scripts, fonts or links: the page stands alone.
 */
export function curvesSvg(title: string, curves: readonly Curve[]): string {
  const W = 640, H = 360, L = 52, R = 16, T = 32, B = 40;
  const n = Math.max(...curves.map((c) => c.mean.length));
  const lo = Math.max(0, Math.floor(Math.min(...curves.flatMap((c) => c.mean.map((m, i) => m - c.std[i]))) / 10) * 10);
  const x = (i: number): number => L + (n <= 1 ? 0 : (i * (W - L - R)) / (n - 1));
  const y = (v: number): number => T + ((100 - v) * (H - T - B)) / (100 - lo);
  const parts = [
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let v = lo; v <= 100; v += 10) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 6}" y="${y(v) + 4}" ` +
      `text-anchor="end" font-size="11">${v}%</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">training epochs (1–${n})</text>`);
  curves.forEach((c, k) => {
    const upper = c.mean.map((m, i) => `${x(i).toFixed(1)},${y(Math.min(100, m + c.std[i])).toFixed(1)}`);
    const lower = c.mean.map((m, i) => `${x(i).toFixed(1)},${y(Math.max(lo, m - c.std[i])).toFixed(1)}`).reverse();
    parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${c.color}" fill-opacity="0.15" stroke="none"/>`);
    parts.push(`<polyline fill="none" stroke="${c.color}" stroke-width="2" ` +
      `points="${c.mean.map((m, i) => `${x(i).toFixed(1)},${y(m).toFixed(1)}`).join(' ')}"/>`);
    parts.push(
      `<text x="${W - R - 6}" y="${H - B - 12 - 16 * k}" text-anchor="end" font-size="12" fill="${c.color}">${esc(c.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The HTML page: a heading, a paragraph, the chart and a preformatted table. */
export function page(title: string, intro: string, svg: string, table: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"/><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:960px}
pre{background:#f6f6f6;padding:8px;overflow-x:auto}</style>
</head><body><h1>${esc(title)}</h1><p>${esc(intro)}</p>${svg}<pre>${esc(table)}</pre></body></html>
`;
}
