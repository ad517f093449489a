/**
 * The page: starts the training worker, wires the controls, plots what the worker
 * reports, and sends drawn digits (preprocessed like MNIST) to be classified.
 * `?backend=cpu` (or `webgpu`) forces a backend; by default WebGPU is used when available.
 * `?threads=N` sets the CPU backend's thread count (default: the cores).
 * `?model=mlp&optimizer=sgd&lr=0.1&batch=16&epochs=1` presets the controls.
 */
import { checksums, sampleDir } from 'virtual:mnist-sample';
import { toMnist } from './preprocess.js';
import type { BackendChoice, FromWorker, RunState, ToWorker } from './protocol.js';
import { Controls } from './ui/controls.js';
import { DigitGrid, ProbabilityBars, paintDigit } from './ui/digits.js';
import { DrawPad } from './ui/draw.js';
import { LinePlot } from './ui/plot.js';

const GRID_SIZE = 48;
const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;

const controls = new Controls();
const lossPlot = new LinePlot($('loss-plot') as HTMLCanvasElement, {
  title: 'loss (cross-entropy)', xLabel: 'examples seen',
  series: [{ name: 'train', color: '#2563eb' }, { name: 'validation', color: '#ea580c', dots: true }],
});
const accPlot = new LinePlot($('acc-plot') as HTMLCanvasElement, {
  title: 'accuracy', xLabel: 'examples seen', yRange: [0, 1],
  series: [{ name: 'train', color: '#2563eb' }, { name: 'validation', color: '#ea580c', dots: true }],
});
const probs = new ProbabilityBars($('probs') as HTMLOListElement);
let grid: DigitGrid | null = null;

const worker = new Worker(new URL('./worker/main.ts', import.meta.url), { type: 'module', name: 'tessera-trainer' });
const send = (msg: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(msg, transfer);

function showError(message: string): void {
  const box = $('error');
  box.hidden = false;
  box.textContent = message;
  console.error(`[playground] ${message}`);
}

function setValue(id: string, v: number, digits: number, percent = false): void {
  const e = $(id);
  e.dataset.value = String(v);
  e.textContent = percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(digits);
}

function bytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

function clearRun(): void {
  lossPlot.clear();
  accPlot.clear();
  for (const id of ['train-loss', 'train-acc', 'val-loss', 'val-acc']) {
    $(id).textContent = '—';
    for (const key of ['value', 'first', 'points', 'seen']) delete $(id).dataset[key];
  }
}

function setState(state: RunState): void {
  $('state').dataset.state = state;
  $('state').textContent = state;
  controls.enableFor(state);
}

function download(bytesOut: Uint8Array, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytesOut as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'ready':
      $('backend').textContent = m.backend;
      $('backend').dataset.backend = m.backend;
      $('device').textContent = m.device;
      $('isolation').textContent = m.isolated ? 'cross-origin isolated' : 'not cross-origin isolated';
      $('threads').textContent = m.threads > 0 ? `CPU threads: ${m.threads}` : '';
      $('threads').dataset.threads = String(m.threads);
      $('data').textContent = `MNIST sample: ${m.trainSize.toLocaleString('en')} train, ${m.testSize.toLocaleString('en')} test`;
      grid = new DigitGrid($('grid'), m.gridImages, m.gridLabels);
      return;
    case 'model':
      clearRun();
      controls.model.value = m.model;
      $('memory').textContent = `${m.memory.numTensors} tensors · ${bytes(m.memory.numBytes)}`;
      $('progress').textContent = `${m.parameters.toLocaleString('en')} parameters`;
      return;
    case 'state':
      setState(m.state);
      return;
    case 'progress':
      lossPlot.add(0, m.seen, m.loss);
      accPlot.add(0, m.seen, m.accuracy);
      setValue('train-loss', m.loss, 3);
      $('train-loss').dataset.first ??= String(m.loss);
      setValue('train-acc', m.accuracy, 3, true);
      $('progress').textContent = `epoch ${m.epoch + 1} · step ${m.step}`;
      $('progress').dataset.step = String(m.step);
      $('speed').textContent = Math.round(m.samplesPerSec).toLocaleString('en');
      $('threads').dataset.workerParts = String(m.workerParts);
      $('memory').textContent =
        `${m.memory.numTensors} tensors · ${bytes(m.memory.numBytes)}` +
        (m.memory.pooledBytes > 0 ? ` (+${bytes(m.memory.pooledBytes)} pooled)` : '');
      return;
    case 'validation':
      lossPlot.add(1, m.seen, m.loss);
      accPlot.add(1, m.seen, m.accuracy);
      setValue('val-loss', m.loss, 3);
      setValue('val-acc', m.accuracy, 3, true);
      $('val-loss').dataset.points = String(lossPlot.count(1));
      $('val-loss').dataset.seen = String(m.seen);
      $('val-loss').dataset.first ??= String(m.loss);
      grid?.show(m.gridPredictions);
      return;
    case 'prediction':
      probs.show(m.probs);
      return;
    case 'weights':
      download(m.bytes, m.fileName);
      $('weights-status').textContent = `saved ${m.fileName} (${bytes(m.bytes.length)})`;
      return;
    case 'loaded':
      $('weights-status').textContent = `loaded ${m.name} into the ${m.model === 'cnn' ? 'MNIST CNN' : 'MLP'}`;
      $('weights-status').dataset.loaded = m.name;
      return;
    case 'error':
      showError(m.message);
      return;
  }
};
worker.onerror = (e) => showError(`worker: ${e.message}`);

// Drawing: preprocess like MNIST, preview, classify.
let predictionId = 0;
const pad = new DrawPad($('pad') as HTMLCanvasElement, (ink) => {
  const pixels = ink && toMnist(ink);
  paintDigit($('preview') as HTMLCanvasElement, pixels ?? new Float32Array(784), 1);
  if (!pixels) return probs.show(null);
  send({ type: 'predict', id: ++predictionId, pixels }, [pixels.buffer]);
});
$('clear').addEventListener('click', () => pad.clear());

// Controls.
controls.start.addEventListener('click', () => send({ type: 'start', settings: controls.settings() }));
controls.pause.addEventListener('click', () => send({ type: 'pause' }));
controls.reset.addEventListener('click', () => send({ type: 'reset', settings: controls.settings() }));
controls.model.addEventListener('change', () => send({ type: 'reset', settings: controls.settings() }));
controls.lr.addEventListener('change', () => send({ type: 'setLr', lr: controls.settings().lr }));
controls.save.addEventListener('click', () => send({ type: 'save' }));
controls.load.addEventListener('change', async () => {
  const file = controls.load.files?.[0];
  if (!file) return;
  const data = new Uint8Array(await file.arrayBuffer());
  send({ type: 'load', name: file.name, bytes: data }, [data.buffer]);
  controls.load.value = '';
});

// Start the worker.
const params = new URLSearchParams(location.search);
const choice = params.get('backend') ?? 'auto';
const backend: BackendChoice = choice === 'cpu' || choice === 'webgpu' ? choice : 'auto';
const threadsParam = Number(params.get('threads') ?? NaN);
const threads = Number.isInteger(threadsParam) && threadsParam >= 1 ? threadsParam : null;
controls.applyParams(params);
setState('loading');
send({
  type: 'init', backend, threads, gridSize: GRID_SIZE, settings: controls.settings(),
  sample: { baseUrl: new URL(sampleDir, document.baseURI).href, checksums },
});
