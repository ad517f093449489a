/**
 * The transfer-learning page's views: status lines, the gallery of the user's images with
 * their predicted classes, and the webcam's class probabilities. Values the end-to-end
 * test reads are also in data attributes.
 */
import type { TransferReport } from 'tessera/worker';
import type { Backbone, TransferView } from '../transfer/session.js';
import type { FolderImages } from '../transfer/images.js';
import { DigitGrid, ProbabilityBars } from './digits.js';

const $ = (id: string): HTMLElement => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`playground: the page has no #${id} element.`);
  return e;
};

/** What the head report says, in one line. */
function headLine(t: TransferReport | undefined, parameters: number): string {
  if (!t) return `new model, ${parameters.toLocaleString('en')} parameters (no pretrained weights)`;
  const skipped = t.skipped.map((s) => `${s.name} [${s.weightsShape.join('×')}] → [${s.modelShape.join('×')}]`).join(', ');
  return `'${t.head}' replaced (${skipped || 'same shape: kept'}); ${t.loaded} tensors loaded; ` +
    `${t.trainableParameters.toLocaleString('en')} trainable, ${t.frozenParameters.toLocaleString('en')} frozen`;
}

/** The page's DOM, as the session's view. */
export class TransferPage implements TransferView {
  private gallery: DigitGrid | null = null;
  private bars: ProbabilityBars | null = null;

  /** Shows the loaded images (before any prediction) and makes the webcam bars for their classes. */
  images(images: FolderImages): void {
    this.gallery = new DigitGrid($('gallery'), images.images, images.labels, images.classes);
    this.bars = new ProbabilityBars($('frame-probs') as HTMLOListElement, images.classes);
    const counts = images.classes.map((c, k) => `${c}: ${images.labels.filter((l) => l === k).length}`);
    $('images-status').textContent = `${images.labels.length} images in ${images.classes.length} classes (${counts.join(', ')})`;
    $('images-status').dataset.count = String(images.labels.length);
  }

  status(text: string): void {
    $('state').textContent = text;
  }

  setState(state: 'idle' | 'preparing' | 'training' | 'done'): void {
    $('state').dataset.state = state;
    $('state').textContent = state;
  }

  backbone(text: string, b: Backbone): void {
    $('backbone').textContent = `backbone: ${text}`;
    $('backbone').dataset.kind = b.kind;
  }

  ready(info: { backend: string; parameters: number; transfer: TransferReport | undefined }): void {
    $('backend').textContent = info.backend;
    $('backend').dataset.backend = info.backend;
    $('head').textContent = headLine(info.transfer, info.parameters);
    $('head').dataset.skipped = String(info.transfer?.skipped.length ?? 0);
    this.setState('training');
  }

  progress(p: { epoch: number; step: number; loss: number; accuracy: number }): void {
    $('progress').textContent = `epoch ${p.epoch + 1} · step ${p.step}`;
    $('progress').dataset.step = String(p.step);
    $('train-loss').textContent = p.loss.toFixed(3);
    $('train-loss').dataset.value = String(p.loss);
    $('train-loss').dataset.first ??= String(p.loss);
    $('train-acc').textContent = `${(p.accuracy * 100).toFixed(1)}%`;
  }

  predictions(predicted: Int32Array, accuracy: number): void {
    this.gallery?.show(predicted);
    $('accuracy').textContent = `${(accuracy * 100).toFixed(1)}% of ${predicted.length}`;
    $('accuracy').dataset.value = String(accuracy);
  }

  frame(probs: Float32Array): void {
    this.bars?.show(probs);
  }

  done(): void {
    this.setState('done');
  }

  error(message: string): void {
    const box = $('error');
    box.hidden = false;
    box.textContent = message;
    console.error(`[playground] ${message}`);
  }

  clearError(): void {
    $('error').hidden = true;
  }
}
