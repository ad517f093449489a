import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, memory, randint, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, stateDict } from '@tessera/layers';
import { Adam, SGD } from '@tessera/optim';
import { evaluate, fit, type FitOptions, type History } from '../src/index.js';
import { evaluator } from '../src/evaluate.js';

beforeAll(() => use(cpu()));

function mlp(): Sequential {
  return new Sequential(new Linear(12, 32), new ReLU(), new Dropout(0.3), new Linear(32, 4));
}

function cnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Dropout(0.25), new Linear(4 * 4 * 4, 3),
  );
}

function data(n: number, shape: number[], classes: number): { x: Tensor; y: Tensor } {
  manualSeed(11);
  return { x: randn([n, ...shape]), y: randint(0, classes, [n]) };
}

async function train(make: () => Sequential, d: { x: Tensor; y: Tensor }, opts: Partial<FitOptions> & { compile: boolean }, optim: 'sgd' | 'adam' = 'sgd') {
  manualSeed(5);
  const net = make();
  const optimizer = optim === 'sgd' ? new SGD(net.parameters(), { lr: 0.05, momentum: 0.9 }) : new Adam(net.parameters(), { lr: 0.01 });
  const history: History = await fit(net, d, { loss: 'crossEntropy', optimizer, epochs: 4, batchSize: 16, metrics: ['accuracy'], validationSplit: 0.2, ...opts });
  const weights = Object.fromEntries(Object.entries(stateDict(net)).map(([k, t]) => [k, Array.from(t.dataSync())]));
  return { history, weights };
}

describe('fit with a compiled training step', () => {
  it('trains an MLP with dropout to the same history and weights as eager, bit for bit (100 steps, SGD momentum)', async () => {
    const d = data(500, [12], 4); // 400 training examples: 25 batches × 4 epochs
    const eager = await train(mlp, d, { compile: false });
    const comp = await train(mlp, d, { compile: true });
    expect(comp.history.history).toEqual(eager.history.history);
    expect(comp.weights).toEqual(eager.weights);
    expect(eager.history.compile).toBeNull();
    expect(comp.history.compile!.replays).toBeGreaterThanOrEqual(95);
    expect(comp.history.compile!.lastProblem).toBeNull();
  });

  it('trains a CNN with batch norm and dropout to the same history and weights as eager (Adam)', async () => {
    const d = data(160, [1, 8, 8], 3);
    const eager = await train(cnn, d, { compile: false }, 'adam');
    const comp = await train(cnn, d, { compile: true }, 'adam');
    expect(comp.history.history).toEqual(eager.history.history);
    expect(comp.weights).toEqual(eager.weights);
    expect(comp.history.compile!.replays).toBeGreaterThan(20);
  });

  it('compiles by default with a built-in loss, and not with a custom loss function', async () => {
    const d = data(64, [12], 4);
    manualSeed(1);
    const net = mlp();
    const h1 = await fit(net, d, { loss: 'crossEntropy', optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 16 });
    expect(h1.compile).not.toBeNull();
    const custom = (p: Tensor, y: Tensor) => p.logSoftmax(1).gather(1, y.reshape([-1, 1])).mean().neg();
    const h2 = await fit(net, d, { loss: custom, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 16 });
    expect(h2.compile).toBeNull();
  });

  it('keeps the live tensor count flat across epochs and after fit', async () => {
    const d = data(96, [12], 4);
    manualSeed(2);
    const net = mlp();
    const opt = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    const counts: number[] = [];
    const before = memory().numTensors;
    const history = await fit(net, d, {
      loss: 'crossEntropy', optimizer: opt, epochs: 6, batchSize: 16, metrics: ['accuracy', 'f1'],
      callbacks: [{ onEpochEnd: () => void counts.push(memory().numTensors) }],
    });
    expect(history.compile!.replays).toBeGreaterThan(25);
    expect(new Set(counts.slice(1)).size).toBe(1);
    // A second fit on the same model ends where the first ended (nothing accumulates per fit).
    const after1 = memory().numTensors;
    await fit(net, d, { loss: 'crossEntropy', optimizer: opt, epochs: 2, batchSize: 16, metrics: ['accuracy', 'f1'] });
    expect(memory().numTensors).toBe(after1);
    expect(after1).toBeGreaterThanOrEqual(before);
  });

  it('compiles the evaluation step: the same loss and metrics as eager, replayed across calls', async () => {
    const d = data(200, [12], 4);
    manualSeed(4);
    const net = mlp();
    const opts = { loss: 'crossEntropy', metrics: ['accuracy', 'f1', 'top2Accuracy'], batchSize: 32 } as const;
    const eager = await evaluate(net, d, { ...opts, compile: false });
    const ev = evaluator(net, opts, true);
    const first = await ev.run(d);
    const second = await ev.run(d);
    expect(first).toEqual(eager);
    expect(second).toEqual(eager);
    // 7 batches per run (6 full, one of 8): two signatures, traced once each, the rest replayed.
    expect(ev.stats!.replays).toBeGreaterThanOrEqual(10);
    ev.dispose();
  });
});
