#!/usr/bin/env node
/**
 * `node dist/reproduce.js [--seeds 10] [--epochs 30] [--out lecun1989.html] [--lr 0.1] [--momentum 0] [--batch-size 10]`: re-runs
 * LeCun (1989) Table 11.1 on the CPU backend, prints the table and writes the learning
 * curves of Net-1 and Net-5 as a self-contained HTML page.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { reproduce } from './reproduce-table.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    epochs: { type: 'string', default: '30' },
    out: { type: 'string', default: 'lecun1989.html' },
    lr: { type: 'string', default: '0.1' },
    momentum: { type: 'string', default: '0' },
    'batch-size': { type: 'string', default: '10' },
  },
});
use(cpu());
await init();
const started = performance.now();
const r = await reproduce({
  seeds: Number(values.seeds),
  epochs: Number(values.epochs),
  nTrain: 320,
  nTest: 160,
  batchSize: Number(values['batch-size']),
  lr: Number(values.lr),
  momentum: Number(values.momentum),
  log: (l) => console.error(l),
});
console.log(r.table);
writeFileSync(values.out, r.html);
console.log(`\nLearning curves: ${values.out} · wall time ${((performance.now() - started) / 1000).toFixed(0)} s`);
