/**
 * The transfer-learning page: the user's folder of images (dropped or chosen) becomes a
 * dataset; a small zoo CNN, pretrained here on the MNIST sample (or from a weights file,
 * or from scratch), gets a new head and fine-tunes on it in the training worker; the
 * images' predicted classes, and the webcam's, show live. Wiring only: the logic is in
 * `session.ts`, `images.ts` and `drop.ts`, the DOM in `../ui/transfer-view.ts`.
 * `?backend=cpu|webgpu`, `?model=lenet5|mnist-cnn`, `?backbone=pretrain|none`,
 * `?train=all|head`, `?lr=`, `?epochs=`, `?batch=` preset the page.
 */
import { checksums, sampleDir } from 'virtual:mnist-sample';
import type { BackendChoice } from '../settings.js';
import { TransferPage } from '../ui/transfer-view.js';
import { type DropEntry, filesOfDrop } from './drop.js';
import { type FolderImages, frameBytes, loadFolderImages } from './images.js';
import { type Backbone, type TransferModelName, type TrainPart, TransferSession, describeBackbone } from './session.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const choice = params.get('backend') ?? 'auto';
const backend: BackendChoice = choice === 'cpu' || choice === 'webgpu' ? choice : 'auto';
const PRESETS = [
  ['model', 'model'], ['backbone', 'backbone-source'], ['train', 'train-part'], ['lr', 'lr'], ['epochs', 'epochs'], ['batch', 'batch'],
];
for (const [name, id] of PRESETS) {
  const v = params.get(name);
  const el = $<HTMLInputElement | HTMLSelectElement>(id);
  if (v !== null && (!(el instanceof HTMLSelectElement) || [...el.options].some((o) => o.value === v))) el.value = v;
}

const page = new TransferPage();
const worker = new Worker(new URL('../worker/main.ts', import.meta.url), { type: 'module', name: 'tessera-trainer' });
worker.onerror = (e) => page.error(`worker: ${e.message}`);
const session = new TransferSession(worker, backend, page);
const sample = { dataset: 'mnist-sample', mirrors: [new URL(sampleDir, document.baseURI).href], checksums } as const;

let images: FolderImages | null = null;
let fileBackbone: Backbone | null = null;
const pretrained = new Map<TransferModelName, Backbone>();
let trained = false;

const fail = (e: unknown): void => page.error(e instanceof Error ? e.message : String(e));

async function useFiles(load: () => Promise<Parameters<typeof loadFolderImages>[0]>): Promise<void> {
  try {
    page.clearError();
    const files = await load();
    $('images-status').textContent = 'decoding…';
    images = await loadFolderImages(files, (done, total) => ($('images-status').textContent = `decoding ${done} / ${total}…`));
    page.images(images);
    $<HTMLButtonElement>('train').disabled = false;
  } catch (e) {
    $('images-status').textContent = 'no images yet';
    fail(e);
  }
}

$<HTMLInputElement>('folder').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  void useFiles(async () => [...(input.files ?? [])]);
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const entries = [...(e.dataTransfer?.items ?? [])]
    .map((i) => i.webkitGetAsEntry() as DropEntry | null)
    .filter((x): x is DropEntry => x !== null);
  void useFiles(() => filesOfDrop(entries));
});

$<HTMLSelectElement>('backbone-source').addEventListener('change', (e) => {
  $('backbone-file-label').hidden = (e.target as HTMLSelectElement).value !== 'file';
});
$('backbone-file-label').hidden = $<HTMLSelectElement>('backbone-source').value !== 'file';
$<HTMLInputElement>('backbone-file').addEventListener('change', async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) fileBackbone = { kind: 'file', weights: new Uint8Array(await file.arrayBuffer()), name: file.name };
});

/** The backbone the controls ask for, pretraining it first when needed. */
async function backboneFor(model: TransferModelName): Promise<Backbone> {
  const source = $<HTMLSelectElement>('backbone-source').value;
  if (source === 'none') return { kind: 'none' };
  if (source === 'file') {
    if (!fileBackbone) throw new Error('choose a weights file (.safetensors of the same model, e.g. saved by the digits page) first.');
    return fileBackbone;
  }
  let b = pretrained.get(model);
  if (!b) {
    b = await session.pretrain(model, sample, { ...sample, split: 'test', limit: 500 });
    pretrained.set(model, b);
  }
  return b;
}

$<HTMLButtonElement>('train').addEventListener('click', async () => {
  if (!images) return;
  const model = $<HTMLSelectElement>('model').value as TransferModelName;
  const settings = {
    model, train: $<HTMLSelectElement>('train-part').value as TrainPart,
    lr: Number($<HTMLInputElement>('lr').value),
    epochs: Number($<HTMLInputElement>('epochs').value),
    batchSize: Number($<HTMLInputElement>('batch').value),
  };
  $<HTMLButtonElement>('train').disabled = true;
  $<HTMLButtonElement>('stop').disabled = false;
  page.clearError();
  try {
    page.setState('preparing');
    const b = await backboneFor(model);
    page.backbone(describeBackbone(b, model), b);
    trained = true;
    enableWebcam();
    await session.fineTune(images, b, settings);
  } catch (e) {
    fail(e);
    page.setState('idle');
  } finally {
    $<HTMLButtonElement>('train').disabled = false;
    $<HTMLButtonElement>('stop').disabled = true;
  }
});
$<HTMLButtonElement>('stop').addEventListener('click', () => session.stop());

// The webcam, where the browser has one (feature-detected; never used by the tests).
const camera = typeof navigator.mediaDevices?.getUserMedia === 'function';
$('webcam').hidden = !camera;
if (!camera) $('webcam-note').textContent = 'no camera API in this browser (getUserMedia)';
function enableWebcam(): void {
  $<HTMLButtonElement>('webcam').disabled = !camera || !trained;
}
$<HTMLButtonElement>('webcam').addEventListener('click', async () => {
  const video = $<HTMLVideoElement>('video');
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
    video.hidden = false;
    await video.play();
    $('webcam-note').textContent = 'what the model makes of each frame:';
  } catch (e) {
    fail(new Error(`webcam: ${e instanceof Error ? e.message : String(e)}`));
    return;
  }
  const loop = async (): Promise<void> => {
    if (video.readyState >= 2) await session.classifyFrame(frameBytes(video));
    setTimeout(() => void loop(), 250);
  };
  void loop();
});
