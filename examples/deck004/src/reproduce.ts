#!/usr/bin/env node
/**
 * `node dist/reproduce.js [--seeds 5] [--epochs 10] [--limit N] [--test-limit N]`: the
 * lecture deck 1a's classic CNN (the `deck004` recipe of @tessera/train) on the bundled
 * MNIST sample, test error after the last epoch for each seed, printed beside the deck's ≈ 1 %.
 */
import { parseArgs } from 'node:util';
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { recipe } from '@tessera/train';
import { reproduce } from './run.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    epochs: { type: 'string' },
    limit: { type: 'string' },
    'test-limit': { type: 'string' },
  },
});
const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
use(cpu());
await init();
const started = performance.now();
const table = await reproduce({
  seeds: Number(values.seeds),
  epochs: num(values.epochs) ?? recipe('deck004').epochs,
  limit: num(values.limit),
  testLimit: num(values['test-limit']),
  log: (l) => console.error(l),
});
console.log(table);
console.log(`wall time ${((performance.now() - started) / 1000).toFixed(0)} s`);
