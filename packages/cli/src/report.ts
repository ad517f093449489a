import { PNG } from 'pngjs';

/** One image of the report's grid: `[C, H, W]` bytes with its labels. */
export interface ReportImage {
  readonly pixels: Uint8Array;
  readonly shape: readonly [number, number, number];
  readonly predicted: number;
  readonly actual: number;
  /** Probability of the predicted class. */
  readonly confidence: number;
}

/** What `renderReport` draws. */
export interface ReportData {
  readonly title: string;
  /** Lines of "key: value" shown at the top (model, dataset, epochs, times…). */
  readonly facts: readonly [string, string][];
  /** Per-epoch values by log key (`loss`, `val_loss`, `accuracy`, …). */
  readonly history: Readonly<Record<string, readonly number[]>>;
  readonly classes: readonly string[];
  /** The test split's one evaluation, after training; null when it was not run (an interrupted run). */
  readonly test: ReportTest | null;
  /** Why there is no test section, shown in its place (e.g. "interrupted: resume to finish"). */
  readonly testNote?: string;
}

/** The final test evaluation shown apart from the training curves. */
export interface ReportTest {
  /** Which weights were tested, e.g. "best.safetensors (epoch 4 of 5, best val_accuracy)". */
  readonly checkpoint: string;
  readonly accuracy: number;
  /** `matrix[true][predicted]` counts on the test set. */
  readonly confusion: readonly (readonly number[])[];
  readonly images: readonly ReportImage[];
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

/** An SVG line chart of several series over epochs 1…n. */
export function lineChart(title: string, series: readonly [string, readonly number[]][]): string {
  const W = 420, H = 240, L = 48, R = 12, T = 28, B = 32;
  const all = series.flatMap(([, v]) => v.filter(Number.isFinite));
  if (all.length === 0) return '';
  let lo = Math.min(...all), hi = Math.max(...all);
  if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
  const n = Math.max(...series.map(([, v]) => v.length));
  const x = (i: number): number => L + (n <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
  const y = (v: number): number => T + ((hi - v) * (H - T - B)) / (hi - lo);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * (hi - lo));
  const parts = [
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    ...ticks.map((t) => `<line x1="${L}" x2="${W - R}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${L - 4}" y="${y(t) + 4}" ` +
      `text-anchor="end" font-size="10">${t.toPrecision(3)}</text>`),
    `<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">epoch (1–${n})</text>`,
  ];
  series.forEach(([name, v], k) => {
    const pts = v.map((val, i) => `${x(i).toFixed(1)},${y(val).toFixed(1)}`).join(' ');
    const c = COLORS[k % COLORS.length];
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts}"/>`);
    parts.push(...v.map((val, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(val).toFixed(1)}" r="2.5" fill="${c}"><title>${esc(name)} ` +
      `epoch ${i + 1}: ${val}</title></circle>`));
    parts.push(`<text x="${W - R - 4}" y="${T + 12 + 14 * k}" text-anchor="end" font-size="11" fill="${c}">${esc(name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The confusion matrix as a table whose cell colour grows with the row-normalised count. */
export function heatmap(matrix: readonly (readonly number[])[], classes: readonly string[]): string {
  const head = classes.map((c) => `<th>${esc(c)}</th>`).join('');
  const rows = matrix.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const cells = row.map((v, p) => {
      const f = v / total;
      const bg = t === p ? `rgba(44,160,44,${f.toFixed(3)})` : `rgba(214,39,40,${Math.min(1, f * 3).toFixed(3)})`;
      return `<td style="background:${bg}" title="true ${esc(classes[t] ?? String(t))}, predicted ${esc(classes[p] ?? String(p))}: ` +
        `${v}">${v}</td>`;
    });
    return `<tr><th>${esc(classes[t] ?? String(t))}</th>${cells.join('')}</tr>`;
  });
  return `<table class="cm"><tr><th>true ↓ / predicted →</th>${head}</tr>${rows.join('')}</table>`;
}

/** A PNG data URI of one `[C, H, W]` uint8 image (grey or RGB), scaled up `scale` times. */
export function pngDataUri(pixels: Uint8Array, [c, h, w]: readonly [number, number, number], scale = 2): string {
  const png = new PNG({ width: w * scale, height: h * scale });
  for (let yy = 0; yy < h * scale; yy++) {
    for (let xx = 0; xx < w * scale; xx++) {
      const src = Math.floor(yy / scale) * w + Math.floor(xx / scale);
      const o = (yy * w * scale + xx) * 4;
      for (let k = 0; k < 3; k++) png.data[o + k] = pixels[(c === 3 ? k : 0) * h * w + src];
      png.data[o + 3] = 255;
    }
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** The grid of test images, misclassified first, labelled "predicted (p) / true". */
export function imageGrid(images: readonly ReportImage[], classes: readonly string[]): string {
  const sorted = [...images].sort((a, b) => Number(a.predicted === a.actual) - Number(b.predicted === b.actual));
  const name = (i: number): string => esc(classes[i] ?? String(i));
  return `<div class="grid">${sorted
    .map((im) => {
      const ok = im.predicted === im.actual;
      return `<figure class="${ok ? 'ok' : 'bad'}"><img src="${pngDataUri(im.pixels, im.shape)}" alt="true ` +
        `${name(im.actual)}"/><figcaption>${name(im.predicted)} (${(im.confidence * 100).toFixed(0)}%)<br/>true: ` +
          `${name(im.actual)}</figcaption></figure>`;
    })
    .join('')}</div>`;
}

/** What the curves are measured on: the held-out validation set, never the test split. */
function curvesNote(h: Readonly<Record<string, readonly number[]>>): string {
  return h.val_accuracy || h.val_loss
    ? 'val_ curves: the validation set held out of the training data; the test split is not read during training.'
    : 'No validation set (--validation-split 0): the curves are training loss and accuracy only; the test split is not read during ' +
      'training.';
}

/** The test split's section: its one figure, then its confusion matrix and images. */
function testSection(d: ReportData): string {
  if (!d.test) return `<h2>Test set</h2>\n<p class="note">${esc(d.testNote ?? 'The test split was not evaluated.')}</p>`;
  const t = d.test;
  return `<h2>Test set — evaluated once, after training</h2>
<p class="test-figure">Test accuracy ${(t.accuracy * 100).toFixed(2)}%</p>
<p class="note">${esc(t.checkpoint)}</p>
<h2>Confusion matrix (test set)</h2>
${heatmap(t.confusion, d.classes)}
<h2>Test images (misclassified first)</h2>
${imageGrid(t.images, d.classes)}`;
}

/** The whole self-contained report page (no external files, scripts or fonts). */
export function renderReport(d: ReportData): string {
  const h = d.history;
  const pick = (keys: string[]): [string, readonly number[]][] => keys.filter((k) => h[k]).map((k) => [k, h[k]]);
  const facts = d.facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"/><title>${esc(d.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:28px}
table{border-collapse:collapse}th,td{padding:3px 8px;text-align:right;font-size:13px}.facts th{text-align:left}
.cm td{min-width:34px;border:1px solid #eee}.charts{display:flex;flex-wrap:wrap;gap:16px}
.note{font-size:13px;color:#555}.test-figure{font-size:1.6em;font-weight:bold}
.grid{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0;padding:4px;border:2px solid #2ca02c;text-align:center;font-size:11px}
figure.bad{border-color:#d62728}figure img{image-rendering:pixelated;display:block;margin:auto}
</style></head><body>
<h1>${esc(d.title)}</h1>
<table class="facts">${facts}</table>
<h2>Training and validation curves</h2>
<p class="note">${esc(curvesNote(h))}</p>
<div class="charts">${lineChart('loss', pick(['loss', 'val_loss']))}${lineChart('accuracy', pick(['accuracy', 'val_accuracy']))}</div>
${testSection(d)}
</body></html>
`;
}
