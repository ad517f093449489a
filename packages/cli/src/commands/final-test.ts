import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DataLoader, ImageBatch, ImageDataset, ImageExample } from '@tessera/datasets';
import type { AnyModule } from '@tessera/layers';
import type { ModelCheckpoint } from '@tessera/train';
import { loadCheckpointFile, writeTextNoFollow } from '@tessera/train/node';
import type { ReportTest } from '../report.js';
import { testModel } from './report-run.js';

/** The one evaluation of the test split at the end of `tessera train`. */
export interface FinalTest extends ReportTest {
  /** The epoch (1-based) whose weights were tested, or null when no best checkpoint exists. */
  readonly epoch: number | null;
  /** Examples in the test split. */
  readonly examples: number;
}

/**
 * Loads the chosen checkpoint (`best.safetensors`, the epoch `checkpoint` picked on
 * validation) into `model`, evaluates the test split once, and appends one record marked
 * `"split":"test"` to metrics.jsonl. It has no `epoch` key, so a resume drops it from the
 * log (`rewindMetricsLog`) and tests again when the longer run ends.
 */
export async function finalTest(o: {
  out: string;
  model: AnyModule;
  checkpoint: ModelCheckpoint;
  epochsRun: number;
  test: ImageDataset;
  loader: DataLoader<ImageExample, ImageBatch>;
  classes: number;
}): Promise<FinalTest> {
  const bestPath = join(o.out, 'best.safetensors');
  const epoch = o.checkpoint.bestEpoch >= 0 && existsSync(bestPath) ? o.checkpoint.bestEpoch + 1 : null;
  if (epoch !== null) {
    const ck = await loadCheckpointFile(bestPath);
    try {
      o.model.loadStateDict(ck.weights);
    } finally {
      ck.dispose();
    }
  }
  const r = await testModel(o.model, o.loader, o.test, o.classes);
  const monitored = `${o.checkpoint.monitor} ${o.checkpoint.best.toFixed(4)}`;
  const checkpoint = epoch !== null
    ? `best.safetensors: epoch ${epoch} of ${o.epochsRun}, chosen by ${monitored} (the test split played no part in choosing it)`
    : `the final weights after epoch ${o.epochsRun} (no best checkpoint was written)`;
  const record = {
    split: 'test',
    checkpoint: epoch !== null ? 'best.safetensors' : 'final',
    best_epoch: epoch,
    monitor: o.checkpoint.monitor,
    test_accuracy: r.accuracy,
    test_examples: o.test.length,
  };
  await writeTextNoFollow(join(o.out, 'metrics.jsonl'), `${JSON.stringify(record)}\n`, 'append');
  return { checkpoint, accuracy: r.accuracy, confusion: r.confusion, images: r.images, epoch, examples: o.test.length };
}
