/**
 * The training controls: reading the chosen settings (with their limits) and enabling
 * what makes sense in each run state.
 */
import type { ModelKind, OptimizerName, RunState, TrainSettings } from '../settings.js';

function el<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`playground: the page has no #${id} element.`);
  return e as T;
}

/** The page's controls. */
export class Controls {
  readonly model = el<HTMLSelectElement>('model');
  readonly optimizer = el<HTMLSelectElement>('optimizer');
  readonly lr = el<HTMLInputElement>('lr');
  readonly batch = el<HTMLInputElement>('batch');
  readonly epochs = el<HTMLInputElement>('epochs');
  readonly start = el<HTMLButtonElement>('start');
  readonly pause = el<HTMLButtonElement>('pause');
  readonly reset = el<HTMLButtonElement>('reset');
  readonly save = el<HTMLButtonElement>('save');
  readonly load = el<HTMLInputElement>('load');

  /**
   * Presets controls from the page URL (`?model=mlp&optimizer=sgd&lr=0.1&batch=16&epochs=1`),
   * so a setup can be shared as a link. Unknown values are ignored.
   */
  applyParams(params: URLSearchParams): void {
    const pairs: [string, HTMLInputElement | HTMLSelectElement][] = [
      ['model', this.model], ['optimizer', this.optimizer], ['lr', this.lr], ['batch', this.batch], ['epochs', this.epochs],
    ];
    for (const [name, control] of pairs) {
      const v = params.get(name);
      if (v === null) continue;
      if (control instanceof HTMLSelectElement ? [...control.options].some((o) => o.value === v) : Number.isFinite(Number(v)))
        control.value = v;
    }
  }

  /** The settings shown, each clamped to its input's range. */
  settings(): TrainSettings {
    const num = (input: HTMLInputElement, fallback: number, integer: boolean): number => {
      let v = Number(input.value);
      if (!Number.isFinite(v)) v = fallback;
      v = Math.min(Number(input.max), Math.max(Number(input.min), integer ? Math.round(v) : v));
      input.value = String(v);
      return v;
    };
    return {
      model: this.model.value as ModelKind,
      optimizer: this.optimizer.value as OptimizerName,
      lr: num(this.lr, 1e-3, false),
      batchSize: num(this.batch, 64, true),
      epochs: num(this.epochs, 1, true),
    };
  }

  /** Enables the controls that apply in this state. */
  enableFor(state: RunState): void {
    const training = state === 'training';
    const ready = state !== 'loading';
    this.start.disabled = !ready || training;
    this.start.textContent = state === 'paused' ? 'Resume' : state === 'done' ? 'Continue' : 'Start';
    this.pause.disabled = !training;
    this.reset.disabled = !ready;
    for (const c of [this.model, this.optimizer, this.batch, this.epochs]) c.disabled = !ready || training || state === 'paused';
    this.model.disabled = !ready || training;
    this.lr.disabled = !ready;
    this.save.disabled = !ready;
    this.load.disabled = !ready;
  }
}
