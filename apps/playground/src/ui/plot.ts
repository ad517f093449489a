/**
 * A small line chart on a canvas: a few named series of (x, y) points, autoscaled axes
 * with round tick values, and a legend. Redraws at most once per animation frame.
 */

/** One line of the chart. */
interface SeriesStyle {
  readonly name: string;
  readonly color: string;
  /** Draw a dot on every point (for sparse series like validation). */
  readonly dots?: boolean;
}

/** Options of {@link LinePlot}. */
export interface PlotOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly series: readonly SeriesStyle[];
  /** Fixed y range; default: from 0 (or the minimum) to the maximum of the data. */
  readonly yRange?: readonly [number, number];
}

/** Points kept per series; older points are thinned (every other one dropped) past this. */
const MAX_POINTS = 1500;
const PAD = { left: 48, right: 12, top: 26, bottom: 34 };

/** Round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return Number(v.toPrecision(3)).toString();
}

/** A live line chart. */
export class LinePlot {
  private readonly data: { x: number; y: number }[][];
  private frame = 0;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly opts: PlotOptions) {
    this.data = opts.series.map(() => []);
    this.schedule();
  }

  /** Adds a point to series `i`. */
  add(i: number, x: number, y: number): void {
    if (!Number.isFinite(y)) return;
    const s = this.data[i];
    s.push({ x, y });
    if (s.length > MAX_POINTS) this.data[i] = s.filter((_, k) => k % 2 === 0 || k === s.length - 1);
    this.schedule();
  }

  /** Removes every point. */
  clear(): void {
    this.data.forEach((s) => (s.length = 0));
    this.schedule();
  }

  /** Number of points in series `i`. */
  count(i: number): number {
    return this.data[i].length;
  }

  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const { canvas, opts } = this;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const w = canvas.width, h = canvas.height;
    const pw = w - PAD.left - PAD.right, ph = h - PAD.top - PAD.bottom;
    ctx.clearRect(0, 0, w, h);
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = '#222';
    ctx.fillText(opts.title, PAD.left, 16);

    const all = this.data.flat();
    const xMax = Math.max(1, ...all.map((p) => p.x));
    const [yLo, yHi] = opts.yRange ?? [Math.min(0, ...all.map((p) => p.y)), Math.max(1e-6, ...all.map((p) => p.y))];
    const X = (x: number): number => PAD.left + (x / xMax) * pw;
    const Y = (y: number): number => PAD.top + ph - ((y - yLo) / (yHi - yLo || 1)) * ph;

    ctx.strokeStyle = '#e3e3e3';
    ctx.fillStyle = '#666';
    ctx.lineWidth = 1;
    for (const t of ticks(yLo, yHi)) {
      ctx.beginPath();
      ctx.moveTo(PAD.left, Y(t));
      ctx.lineTo(PAD.left + pw, Y(t));
      ctx.stroke();
      ctx.fillText(fmt(t), 4, Y(t) + 4);
    }
    for (const t of ticks(0, xMax)) ctx.fillText(fmt(t), X(t) - 8, h - PAD.bottom + 16);
    ctx.fillText(opts.xLabel, PAD.left + pw - ctx.measureText(opts.xLabel).width, h - 4);

    opts.series.forEach((s, i) => {
      const pts = this.data[i];
      ctx.strokeStyle = ctx.fillStyle = s.color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      pts.forEach((p, k) => (k === 0 ? ctx.moveTo(X(p.x), Y(p.y)) : ctx.lineTo(X(p.x), Y(p.y))));
      ctx.stroke();
      if (s.dots) for (const p of pts) ctx.fillRect(X(p.x) - 2, Y(p.y) - 2, 4, 4);
      const lx = PAD.left + pw - 90 * (opts.series.length - i);
      ctx.fillRect(lx, 8, 14, 3);
      ctx.fillText(s.name, lx + 18, 14);
    });
  }
}
