import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Tensor, noGrad, tidy } from '@tessera/core';
import type { DataLoader, ImageBatch, ImageDataset, ImageExample } from '@tessera/datasets';
import type { AnyModule } from '@tessera/layers';
import { ConfusionMatrix, inEvalMode } from '@tessera/train';
import { type ReportImage, renderReport } from '../report.js';

/** Confusion matrix and accuracy of a model on a test loader, plus the first images' predictions. */
export interface TestResult {
  readonly confusion: number[][];
  readonly accuracy: number;
  readonly images: ReportImage[];
}

/** Runs the model over the (unshuffled) test loader; `gridSize` first images are kept for the report. */
export async function testModel(model: AnyModule, loader: DataLoader<ImageExample, ImageBatch>, test: ImageDataset, numClasses: number, gridSize = 64): Promise<TestResult> {
  const cm = new ConfusionMatrix(numClasses);
  const images: ReportImage[] = [];
  let seen = 0;
  await inEvalMode(model, async () => {
    for await (const { x, y } of loader) {
      const probs = noGrad(() =>
        tidy(() => {
          const pred = model.call(x) as Tensor;
          cm.update(pred, y);
          const want = Math.min(gridSize - images.length, x.shape[0]);
          return want > 0 ? pred.narrow(0, 0, want).softmax(1) : null;
        }),
      );
      if (probs) {
        const p = (await probs.data()) as Float32Array;
        const [rows, k] = probs.shape;
        for (let r = 0; r < rows; r++) {
          const row = p.subarray(r * k, (r + 1) * k);
          const predicted = row.indexOf(Math.max(...row));
          const ex = test.get(seen + r);
          images.push({ pixels: ex.image, shape: [test.shape[1], test.shape[2], test.shape[3]], predicted, actual: ex.label, confidence: row[predicted] });
        }
        probs.dispose();
      }
      seen += x.shape[0];
    }
  });
  const confusion = await cm.result();
  cm.reset();
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  const correct = confusion.reduce((a, row, i) => a + row[i], 0);
  return { confusion, accuracy: total ? correct / total : 0, images };
}

/** Tests the model and writes `report.html` into the run directory. */
export async function writeReport(o: {
  out: string;
  model: AnyModule;
  title: string;
  data: { test: ImageDataset; classes: readonly string[] };
  testLoader: DataLoader<ImageExample, ImageBatch>;
  history: Readonly<Record<string, readonly number[]>>;
  facts: [string, string][];
}): Promise<{ testAccuracy: number; confusion: number[][] }> {
  const r = await testModel(o.model, o.testLoader, o.data.test, o.data.classes.length);
  const facts: [string, string][] = [...o.facts, ['test accuracy', `${(r.accuracy * 100).toFixed(2)}%`]];
  const html = renderReport({ title: o.title, facts, history: o.history, classes: o.data.classes, confusion: r.confusion, images: r.images });
  await writeFile(join(o.out, 'report.html'), html);
  return { testAccuracy: r.accuracy, confusion: r.confusion };
}
