import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeShapeFolder } from './shapes.js';
import { trainOnFolder, type FolderResult } from './train.js';

/**
 * The example's command line, `[folder] [epochs]`: draws a folder of coloured shapes
 * (unless `folder` already has train/), trains on it and prints the test accuracy
 * through `log`. A backend must be in use.
 */
export async function runExample(argv: readonly string[], log: (line: string) => void): Promise<FolderResult> {
  const root = argv[0] ?? mkdtempSync(join(tmpdir(), 'tessera-shapes-'));
  const epochs = Number(argv[1] ?? 8);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs must be a positive integer (got '${argv[1]}').`);
  if (!existsSync(join(root, 'train'))) log(`Wrote ${makeShapeFolder(root)} PNG/JPEG images to ${root}`);
  const r = await trainOnFolder(root, {
    epochs,
    onEpoch: (e, l) =>
      log(`epoch ${e + 1}: loss ${l.loss.toFixed(3)} · accuracy ${l.accuracy.toFixed(3)} · val_accuracy ${l.val_accuracy.toFixed(3)}`),
  });
  log(`classes ${r.classes.join(', ')}; ${r.trainImages} train / ${r.validationImages} validation / ${r.testImages} test images`);
  log(`test accuracy ${(r.testAccuracy * 100).toFixed(1)}% (chance ${(100 / r.classes.length).toFixed(1)}%)`);
  return r;
}
