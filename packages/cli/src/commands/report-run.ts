import { join } from 'node:path';
import { type Tensor, noGrad, tidy } from '@tessera/core';
import type { DataLoader, ImageBatch, ImageDataset, ImageExample } from '@tessera/datasets';
import type { AnyModule } from '@tessera/layers';
import { ConfusionMatrix, inEvalMode } from '@tessera/train';
import { writeTextNoFollow } from '@tessera/train/node';
import { type ReportImage, type ReportTest, renderReport } from '../report.js';

/** Confusion matrix and accuracy of a model on a test loader, plus the grid's images (misclassified first). */
export interface TestResult {
  readonly confusion: number[][];
  /** Test examples of each class whose prediction held NaN or ±Infinity (counted as wrong). */
  readonly nonFinite: number[];
  readonly accuracy: number;
  readonly images: ReportImage[];
}

/**
 * Runs the model over the (unshuffled) test loader. For the report's grid it keeps up to
 * `gridSize` misclassified test images (in test order) and fills the rest with correctly
 * classified ones; only the predicted class and its probability are read back per batch.
 */
export async function testModel(
  model: AnyModule,
  loader: DataLoader<ImageExample, ImageBatch>,
  test: ImageDataset,
  numClasses: number,
  gridSize = 64,
): Promise<TestResult> {
  const cm = new ConfusionMatrix(numClasses);
  const wrong: ReportImage[] = [];
  const right: ReportImage[] = [];
  const shape: [number, number, number] = [test.shape[1], test.shape[2], test.shape[3]];
  let seen = 0;
  await inEvalMode(model, async () => {
    for await (const { x, y } of loader) {
      const [conf, cls] = noGrad(() =>
        tidy(() => {
          const pred = model.call(x) as Tensor;
          cm.update(pred, y);
          if (gridSize === 0) return [];
          const p = pred.softmax(1);
          return [p.max(1), p.argmax(1)];
        }),
      );
      if (!conf || !cls) {
        seen += x.shape[0];
        continue;
      }
      const [c, k] = await Promise.all([conf.data(), cls.data()]);
      conf.dispose();
      cls.dispose();
      for (let r = 0; r < k.length && (wrong.length < gridSize || right.length < gridSize); r++) {
        const ex = test.get(seen + r);
        const predicted = Number(k[r]);
        const list = predicted === ex.label ? right : wrong;
        if (list.length < gridSize) list.push({ pixels: ex.image, shape, predicted, actual: ex.label, confidence: Number(c[r]) });
      }
      seen += x.shape[0];
    }
  });
  const images = [...wrong, ...right].slice(0, gridSize);
  const confusion = await cm.result();
  const nonFinite = await cm.nonFinite();
  cm.reset();
  // Over every example seen: a non-finite prediction is in no matrix cell, and is wrong.
  const correct = confusion.reduce((a, row, i) => a + row[i], 0);
  return { confusion, nonFinite, accuracy: seen ? correct / seen : 0, images };
}

/** Writes `report.html` into the run directory: curves, then the final test (or why there is none). */
export async function writeReport(o: {
  out: string;
  title: string;
  classes: readonly string[];
  history: Readonly<Record<string, readonly number[]>>;
  facts: [string, string][];
  test: ReportTest | null;
  testNote?: string;
}): Promise<void> {
  const html = renderReport({ title: o.title, facts: o.facts, history: o.history, classes: o.classes, test: o.test, testNote: o.testNote });
  await writeTextNoFollow(join(o.out, 'report.html'), html);
}
