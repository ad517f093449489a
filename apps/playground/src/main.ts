/**
 * The page: starts the training worker, wires the controls to a training `Session`
 * (`tessera/worker`), plots what it reports, and sends drawn digits (preprocessed like
 * MNIST) to be classified.
 * `?backend=cpu` (or `webgpu`) forces a backend; by default WebGPU is used when available.
 * `?threads=N` sets the CPU backend's thread count (default: the cores).
 * `?model=mlp&optimizer=sgd&lr=0.1&batch=16&epochs=1` presets the controls.
 */
import { checksums, sampleDir } from 'virtual:mnist-sample';
import { toMnist } from './preprocess.js';
import { Session } from './session.js';
import type { BackendChoice, RunState } from './settings.js';
import { Controls } from './ui/controls.js';
import { DigitGrid, ProbabilityBars, paintDigit } from './ui/digits.js';
import { DrawPad } from './ui/draw.js';
import { LinePlot } from './ui/plot.js';

const GRID_SIZE = 48;
/** Test digits of the live validation points (the first of the test split). */
const VALIDATION_SIZE = 500;
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

function showMemory(m: { numTensors: number; numBytes: number; pooledBytes: number }): void {
  $('memory').textContent =
    `${m.numTensors} tensors · ${bytes(m.numBytes)}` + (m.pooledBytes > 0 ? ` (+${bytes(m.pooledBytes)} pooled)` : '');
}

const params = new URLSearchParams(location.search);
const choice = params.get('backend') ?? 'auto';
const backend: BackendChoice = choice === 'cpu' || choice === 'webgpu' ? choice : 'auto';
const sample = { dataset: 'mnist-sample', mirrors: [new URL(sampleDir, document.baseURI).href], checksums } as const;

const session = new Session(
  worker,
  backend,
  { train: sample, validation: { ...sample, split: 'test', limit: VALIDATION_SIZE } },
  {
    ready: (m) => {
      $('backend').textContent = m.backend;
      $('backend').dataset.backend = m.backend;
      $('device').textContent = m.device;
      $('isolation').textContent = crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated';
      $('threads').textContent = m.threads > 0 ? `CPU threads: ${m.threads}` : '';
      $('threads').dataset.threads = String(m.threads);
      $('data').textContent =
        `MNIST sample: ${m.trainSize.toLocaleString('en')} train; ` +
        `validation on the first ${m.validationSize.toLocaleString('en')} test digits`;
      grid = new DigitGrid($('grid'), m.gridImages, m.gridLabels);
    },
    model: (kind, parameters, memory) => {
      clearRun();
      controls.model.value = kind;
      showMemory(memory);
      $('progress').textContent = `${parameters.toLocaleString('en')} parameters`;
    },
    state: setState,
    progress: (m) => {
      lossPlot.add(0, m.seen, m.loss);
      accPlot.add(0, m.seen, m.accuracy);
      setValue('train-loss', m.loss, 3);
      $('train-loss').dataset.first ??= String(m.loss);
      setValue('train-acc', m.accuracy, 3, true);
      $('progress').textContent = `epoch ${m.epoch + 1} · step ${m.step}`;
      $('progress').dataset.step = String(m.step);
      $('speed').textContent = Math.round(m.samplesPerSec).toLocaleString('en');
      $('threads').dataset.workerParts = String(m.workerParts);
      showMemory(m.memory);
    },
    validation: (m) => {
      lossPlot.add(1, m.seen, m.loss);
      accPlot.add(1, m.seen, m.accuracy);
      setValue('val-loss', m.loss, 3);
      setValue('val-acc', m.accuracy, 3, true);
      $('val-loss').dataset.points = String(lossPlot.count(1));
      $('val-loss').dataset.seen = String(m.seen);
      $('val-loss').dataset.first ??= String(m.loss);
    },
    grid: (predictions) => grid?.show(predictions),
    loaded: (name, kind) => {
      $('weights-status').textContent = `loaded ${name} into the ${kind === 'cnn' ? 'MNIST CNN' : 'MLP'}`;
      $('weights-status').dataset.loaded = name;
    },
    error: showError,
  },
  GRID_SIZE,
);
worker.onerror = (e) => showError(`worker: ${e.message}`);

// Drawing: preprocess like MNIST, preview, classify.
const pad = new DrawPad($('pad') as HTMLCanvasElement, (ink) => {
  const pixels = ink && toMnist(ink);
  paintDigit($('preview') as HTMLCanvasElement, pixels ?? new Float32Array(784), 1);
  if (!pixels) return probs.show(null);
  session.classify(pixels, (p) => p && probs.show(p));
});
$('clear').addEventListener('click', () => pad.clear());

// Controls.
controls.start.addEventListener('click', () => session.start(controls.settings()));
controls.pause.addEventListener('click', () => session.pause());
controls.reset.addEventListener('click', () => session.fresh(controls.settings()));
controls.model.addEventListener('change', () => session.fresh(controls.settings()));
controls.lr.addEventListener('change', () => session.setLr(controls.settings().lr));
controls.save.addEventListener('click', async () => {
  try {
    const { bytes: file, fileName } = await session.save();
    download(file, fileName);
    $('weights-status').textContent = `saved ${fileName} (${bytes(file.length)})`;
  } catch (e) {
    showError(`save: ${e instanceof Error ? e.message : String(e)}`);
  }
});
controls.load.addEventListener('change', async () => {
  const file = controls.load.files?.[0];
  if (!file) return;
  session.load(file.name, new Uint8Array(await file.arrayBuffer()), controls.settings());
  controls.load.value = '';
});

// Start: the CPU backend's threads (?threads=N) before the first job, then a fresh model.
const threadsParam = Number(params.get('threads') ?? NaN);
if (Number.isInteger(threadsParam) && threadsParam >= 1) worker.postMessage({ threads: threadsParam });
controls.applyParams(params);
setState('loading');
session.fresh(controls.settings());
