/**
 * `node dist/main.js [folder] [epochs]`: draws a folder of coloured shapes (unless `folder`
 * already has train/ and test/), then trains the classic MNIST CNN on it and prints the
 * test accuracy.
 */
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { runExample } from './run.js';

use(cpu());
await init();
await runExample(process.argv.slice(2), (line) => console.log(line));
