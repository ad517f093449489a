import { existsSync } from 'node:fs';
import { NonFiniteLossError } from '@tessera/train';
import { loadCheckpointFile } from '@tessera/train/node';

/**
 * Turns a diverged `fit` (a `NonFiniteLossError`) into one that also says what the run
 * directory still holds: the last good checkpoint and its epoch. Other errors pass through.
 */
export async function explainDivergence(e: unknown, lastPath: string): Promise<unknown> {
  if (!(e instanceof NonFiniteLossError)) return e;
  let kept = `no checkpoint was written before it diverged`;
  if (existsSync(lastPath)) {
    try {
      const ck = await loadCheckpointFile(lastPath);
      kept = `the last good checkpoint is ${lastPath} ` +
        `(${ck.state.batchesDone ? `epoch ${ck.state.epoch + 1}, batch ${ck.state.batchesDone}` : `after epoch ${ck.state.epoch}`})`;
      ck.dispose();
    } catch {
      kept = `${lastPath} is kept from before it diverged`;
    }
  }
  return new NonFiniteLossError(
    `training diverged: ${e.message} No NaN weights were saved; ${kept}. Start again with a lower --lr (this run cannot resume usefully ` +
      `from the same settings).`,
    e.step,
  );
}
