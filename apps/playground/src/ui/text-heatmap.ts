/**
 * An attention heat map on a canvas: one row per output token (phonemes, then `<eos>`), one
 * column per input token (letters); darker is more attention. The canvas records what it
 * drew in `data-rows`, `data-cols` and `data-drawn` (for tests and screen readers' labels).
 */

const CELL = 26;
const LEFT = 44;
const TOP = 22;

/** Draws `weights[row][col]` (each row a distribution) with the row and column labels. */
export function drawHeatmap(
  canvas: HTMLCanvasElement,
  rows: readonly string[],
  cols: readonly string[],
  weights: readonly (readonly number[])[],
): void {
  const dpr = globalThis.devicePixelRatio || 1;
  const w = LEFT + CELL * Math.max(1, cols.length) + 4;
  const h = TOP + CELL * Math.max(1, rows.length) + 4;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = '12px ui-monospace, monospace';
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillStyle = '#334155';
  cols.forEach((c, j) => g.fillText(c, LEFT + CELL * (j + 0.5), TOP / 2));
  g.textAlign = 'right';
  rows.forEach((r, i) => g.fillText(r, LEFT - 6, TOP + CELL * (i + 0.5)));
  weights.forEach((row, i) =>
    row.forEach((v, j) => {
      // White (0) to deep blue (1).
      const a = Math.max(0, Math.min(1, v));
      g.fillStyle = `rgb(${Math.round(255 - 225 * a)}, ${Math.round(255 - 190 * a)}, ${Math.round(255 - 80 * a)})`;
      g.fillRect(LEFT + CELL * j + 1, TOP + CELL * i + 1, CELL - 2, CELL - 2);
    }),
  );
  canvas.dataset.rows = String(rows.length);
  canvas.dataset.cols = String(cols.length);
  canvas.dataset.drawn = 'true';
  canvas.setAttribute('aria-label', `attention of ${rows.length} output steps over the letters ${cols.join(' ')}`);
}
