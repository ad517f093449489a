import { join } from 'node:path';
import { manualSeed } from '@tessera/core';
import { DataLoader, normalize, stratifiedSplit, subset, type ImageBatch } from '@tessera/datasets';
import { ImageFolder } from '@tessera/datasets/node';
import { buildModel, modelDescriptor } from '@tessera/models';
import { Adam } from '@tessera/optim';
import { evaluate, fit, type Callback } from '@tessera/train';

/** Options of `trainOnFolder`. */
export interface TrainOnFolderOptions {
  /** A zoo model with a fixed input shape (default 'mnist-cnn', 1×28×28). */
  readonly model?: string;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly seed?: number;
  /** Fraction of the training images held out to validate on, stratified by class (default 0.1). */
  readonly validationSplit?: number;
  /** Called after each epoch with its logs (loss, accuracy, val_loss, val_accuracy). */
  readonly onEpoch?: (epoch: number, logs: Readonly<Record<string, number>>) => void;
}

/** What `trainOnFolder` reports. */
export interface FolderResult {
  readonly classes: readonly string[];
  readonly trainImages: number;
  readonly validationImages: number;
  readonly testImages: number;
  readonly testAccuracy: number;
  readonly history: Readonly<Record<string, number[]>>;
}

/**
 * Trains a zoo model on `root/train` and tests it once on `root/test` (one subfolder per
 * class in each): `ImageFolder` decodes the PNG/JPEG files at the model's input size, a
 * `DataLoader` shuffles and batches them, `fit` trains and validates on a held-out part.
 */
export async function trainOnFolder(root: string, o: TrainOnFolderOptions = {}): Promise<FolderResult> {
  const model = o.model ?? 'mnist-cnn';
  const inputShape = modelDescriptor(model).inputShape;
  if (!inputShape) throw new Error(`trainOnFolder: model '${model}' takes any size; pick a model with a fixed input shape.`);
  const [c, h, w] = inputShape;
  manualSeed(o.seed ?? 0);

  // The model's input size, aspect ratio kept (centre crop); decoded once, then cached.
  const opts = { channels: c as 1 | 3, size: [h, w] as const, resize: 'center-crop' as const, cache: true };
  const train = ImageFolder.fromDirectory(join(root, 'train'), opts);
  const test = ImageFolder.fromDirectory(join(root, 'test'), { ...opts, classes: train.classes });

  // Pixels in [0, 1] → mean 0.5, std 0.25 per channel: close enough for random colours.
  const mean = Array<number>(c).fill(0.5);
  const std = Array<number>(c).fill(0.25);
  const transform = ({ x, y }: ImageBatch): ImageBatch => ({ x: normalize(x, mean, std), y });
  const batchSize = o.batchSize ?? 20;
  // Validation is held out of the training images (stratified, seeded), as fit's
  // validationSplit does for tensors; the test folder is read once, at the end.
  const split = stratifiedSplit(train.samples.map((s) => s.label), o.validationSplit ?? 0.1, o.seed ?? 0);
  const trainLoader = new DataLoader(subset(train, split.train), { batchSize, shuffle: true, transform });
  const valLoader = new DataLoader(subset(train, split.validation), { batchSize: 100, transform });
  const testLoader = new DataLoader(test, { batchSize: 100, transform });

  const net = buildModel(model, { numClasses: train.classes.length, inputShape });
  const epochEnd: Callback = { onEpochEnd: (epoch, logs) => o.onEpoch?.(epoch, logs) };
  const optimizer = new Adam(net.parameters(), { lr: o.lr ?? 0.002 });
  const history = await fit(net, trainLoader, {
    loss: 'crossEntropy',
    optimizer,
    epochs: o.epochs ?? 8,
    metrics: ['accuracy'],
    validationData: valLoader,
    callbacks: [epochEnd],
  });
  const logs = await evaluate(net, testLoader, { metrics: ['accuracy'] });
  optimizer.dispose();
  net.dispose();
  return {
    classes: train.classes,
    trainImages: split.train.length,
    validationImages: split.validation.length,
    testImages: test.length,
    testAccuracy: logs.accuracy,
    history: history.history,
  };
}
