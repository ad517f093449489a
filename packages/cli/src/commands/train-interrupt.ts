import type { Callback, ModelCheckpoint, TrainContext } from '@tessera/train';
import type { Io } from '../io.js';

/** The Ctrl-C handling and epoch timing of `tessera train`. */
export interface InterruptHandling {
  readonly timer: Callback;
  readonly stopper: Callback;
  readonly epochSeconds: number[];
  interrupted(): boolean;
  /** Removes the SIGINT handler. */
  dispose(): void;
}

/**
 * fit lets the event loop run between steps, so the SIGINT handler sets a flag mid-epoch
 * and the next batch end stops there after writing a resumable checkpoint. A second Ctrl-C
 * exits at once with code 130 (`onExit` runs first, e.g. to release the run's lock).
 */
export function interruptHandling(
  checkpoint: ModelCheckpoint,
  io: Io,
  resumePath: string,
  out: string,
  onExit: () => void = () => {},
): InterruptHandling {
  const epochSeconds: number[] = [];
  let epochStart = 0;
  let interrupted = false;
  const timer: Callback = {
    onEpochBegin: () => void (epochStart = performance.now()),
    onEpochEnd: () => void epochSeconds.push((performance.now() - epochStart) / 1000),
  };
  const stopper: Callback = {
    onBatchEnd: async (_i, ctx: TrainContext) => {
      if (!interrupted) return;
      ctx.stopTraining = true;
      ctx.stopReason = 'interrupted (Ctrl-C)';
      await checkpoint.saveAtBatch(ctx);
      io.err(`\nInterrupted: checkpoint written to ${resumePath}; continue with the same command plus --resume --out ${out}`);
    },
  };
  const onSigint = (): void => {
    if (interrupted) {
      onExit();
      process.exit(130);
    }
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  return { timer, stopper, epochSeconds, interrupted: () => interrupted, dispose: () => void process.off('SIGINT', onSigint) };
}
