import { describe, expect, it } from 'vitest';
import { tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { ConfusionMatrix, MacroScore, TopKAccuracy, classScores } from '../src/index.js';

use(cpu());

// Row 0 is right and finite; rows 1–3 have a NaN or ±Infinity score and must count as wrong.
const PRED = tensor([
  [0.1, 0.7, 0.2],
  [NaN, NaN, NaN],
  [0.2, NaN, 0.5],
  [Infinity, 0.1, 0.3],
]);
const Y = tensor([1, 2, 0, 0], { dtype: 'int32' });

describe('metrics treat non-finite scores as wrong (issue 19, case 1)', () => {
  it('top-k accuracy: a NaN or ±Infinity row is never correct, whatever k', async () => {
    for (const k of [1, 2, 3]) {
      const m = new TopKAccuracy(k);
      m.update(PRED, Y);
      expect(await m.result(), `k=${k}`).toBe(0.25);
      m.reset();
    }
  });

  it('confusion matrix: a non-finite prediction predicts no class and lowers recall', async () => {
    const cm = new ConfusionMatrix();
    cm.update(PRED, Y);
    expect(await cm.result()).toEqual([[0, 0, 0], [0, 1, 0], [0, 0, 0]]);
    expect(await cm.nonFinite()).toEqual([2, 0, 1]);
    const s = classScores(await cm.result(), await cm.nonFinite());
    expect(s.map((c) => c.support)).toEqual([2, 1, 1]);
    expect(s.map((c) => c.recall)).toEqual([0, 1, 0]);
    cm.reset();
  });

  it('precision/recall/F1 of an all-NaN batch are 0, not 1', async () => {
    const nan = tensor([[NaN, NaN], [NaN, NaN]]);
    const y = tensor([0, 1], { dtype: 'int32' });
    for (const score of ['precision', 'recall', 'f1'] as const) {
      const m = new MacroScore(score);
      m.update(nan, y);
      expect(await m.result(), score).toBe(0);
      m.reset();
    }
  });
});
