/**
 * Small digit views: paint a 28×28 image (bytes or floats in [0, 1]) on a canvas, the
 * grid of test digits with their predictions, and the ten class-probability bars.
 */

/** Paints a 28×28 gray image (white ink on black) into a 28×28 canvas. */
export function paintDigit(canvas: HTMLCanvasElement, pixels: ArrayLike<number>, scale: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(Math.min(1, Math.max(0, pixels[i] / scale)) * 255);
    img.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** The grid of test digits (or any 28×28 grey images): true label, predicted class, mistakes highlighted. */
export class DigitGrid {
  private readonly cells: { root: HTMLElement; label: HTMLElement }[] = [];

  /** `names`: the class names (default the digits). */
  constructor(
    root: HTMLElement,
    images: Uint8Array,
    private readonly labels: Int32Array,
    private readonly names: readonly string[] = DIGITS,
  ) {
    root.replaceChildren();
    for (let i = 0; i < labels.length; i++) {
      const cell = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 28;
      paintDigit(canvas, images.subarray(i * 784, (i + 1) * 784), 255);
      const label = document.createElement('figcaption');
      label.textContent = `${this.names[labels[i]]} → ?`;
      cell.append(canvas, label);
      root.append(cell);
      this.cells.push({ root: cell, label });
    }
  }

  /** Shows predicted classes (one per digit). */
  show(predictions: Int32Array): void {
    let wrong = 0;
    this.cells.forEach((c, i) => {
      const ok = predictions[i] === this.labels[i];
      if (!ok) wrong++;
      c.label.textContent = `${this.names[this.labels[i]]} → ${this.names[predictions[i]]}`;
      c.root.classList.toggle('wrong', !ok);
      c.root.dataset.predicted = String(predictions[i]);
    });
    (this.cells[0]?.root.parentElement as HTMLElement | null)?.setAttribute('data-wrong', String(wrong));
  }
}

/** A bar with the probability of each class (default the ten digits); the most likely is highlighted. */
export class ProbabilityBars {
  private readonly rows: { root: HTMLElement; bar: HTMLElement; pct: HTMLElement }[] = [];

  constructor(
    private readonly root: HTMLOListElement,
    names: readonly string[] = DIGITS,
  ) {
    root.replaceChildren();
    for (const name of names) {
      const li = document.createElement('li');
      li.innerHTML = `<span class="digit"></span><span class="bar"><span></span></span><span class="pct">–</span>`;
      (li.querySelector('.digit') as HTMLElement).textContent = name;
      root.append(li);
      this.rows.push({ root: li, bar: li.querySelector('.bar > span') as HTMLElement, pct: li.querySelector('.pct') as HTMLElement });
    }
    this.show(null);
  }

  /** Shows one probability per class, or clears the bars. */
  show(probs: Float32Array | null): void {
    const best = probs ? probs.indexOf(Math.max(...probs)) : -1;
    this.rows.forEach((r, d) => {
      const p = probs ? probs[d] : 0;
      r.bar.style.width = `${(p * 100).toFixed(1)}%`;
      r.pct.textContent = probs ? `${(p * 100).toFixed(1)}%` : '–';
      r.root.classList.toggle('best', d === best);
      if (probs) r.root.dataset.prob = String(p);
      else delete r.root.dataset.prob;
    });
    if (probs) this.root.dataset.predicted = String(best);
    else delete this.root.dataset.predicted;
  }
}
