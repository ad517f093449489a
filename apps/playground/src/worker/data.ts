/**
 * The bundled MNIST sample in the worker: the four gzipped IDX files the build emits,
 * fetched, checked (size, SHA-256) and parsed by @tessera/datasets' `fetchDataset`.
 */
import { type Tensor, keep } from '@tessera/core';
import { fetchDataset, type ImageDataset } from '@tessera/datasets';
import type { SampleLocation } from '../protocol.js';

/** Test digits used for the live validation points (the first of the test split). */
export const VALIDATION_SIZE = 500;

/** Train and test splits of the sample. */
export interface SampleData {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}

/** Loads both splits (8,000 / 2,000 digits). */
export async function loadSample(where: SampleLocation): Promise<SampleData> {
  const opts = { mirrors: [where.baseUrl], checksums: where.checksums };
  const [train, test] = await Promise.all([
    fetchDataset('mnist-sample', { ...opts, split: 'train' }),
    fetchDataset('mnist-sample', { ...opts, split: 'test' }),
  ]);
  return { train, test };
}

/** The first `n` examples of a dataset as tensors on the default backend, kept until disposed. */
export function firstExamples(ds: ImageDataset, n: number): { x: Tensor; y: Tensor } {
  const count = Math.min(n, ds.length);
  const { x, y } = ds.getBatch(Array.from({ length: count }, (_, i) => i));
  return { x: keep(x), y: keep(y) };
}

/** The raw bytes and labels of the first `n` examples (for the page's digit grid). */
export function firstImages(ds: ImageDataset, n: number): { images: Uint8Array; labels: Int32Array } {
  const count = Math.min(n, ds.length);
  return { images: ds.images.slice(0, count * ds.imageSize), labels: ds.labels.slice(0, count) };
}
