import type { ResumeState } from './callbacks/callback.js';
import { CheckpointError } from './errors.js';

/**
 * @internal Checks the training metadata of a checkpoint field by field, so a corrupt or
 * hand-edited file is a `CheckpointError` naming the field instead of a run that trains
 * nonsense (a negative epoch, a position past the data) or a TypeError deep in `fit`.
 * `metrics` and `callbacks` (format 2) default to empty for format-1 checkpoints.
 */
export function checkTrainingMeta(file: string, meta: Record<string, unknown>): ResumeState {
  const fail = (field: string, want: string): never => {
    throw new CheckpointError(`${file}: training metadata field '${field}' must be ${want} but is ` +
      `${JSON.stringify(meta[field]) ?? 'missing'}; the file is corrupt or was edited — resume from another checkpoint or start a new ` +
        `run.`, field);
  };
  const count = (field: string): number => {
    const v = meta[field];
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(field, 'a non-negative integer');
  };
  const step = count('step');
  const epoch = count('epoch');
  // Every batch takes a step, so the batches done in an epoch cannot exceed the steps taken.
  if (count('batchesDone') > step) fail('batchesDone', `at most the ${step} steps taken`);
  for (const field of ['rng', 'rngEpochStart']) {
    const r = meta[field] as { seed?: unknown; counter?: unknown } | undefined;
    if (!(typeof r === 'object' && r !== null && Number.isSafeInteger(r.seed) && Number.isSafeInteger(r.counter)))
      fail(field, 'a generator state { seed, counter } of integers');
  }
  const h = meta.history as { epochs?: unknown; history?: unknown } | undefined;
  if (
    !(
      typeof h === 'object' &&
      h !== null &&
      Array.isArray(h.epochs) &&
      h.epochs.every((e) => Number.isSafeInteger(e) && e >= 0) &&
      typeof h.history === 'object' &&
      h.history !== null
    )
  ) {
    fail('history', 'a history { epochs: integers, history: { key: numbers[] } }');
  }
  const done = (h as { epochs: number[] }).epochs;
  // The epoch in progress follows the last one recorded.
  if (done.length > 0 && epoch !== done[done.length - 1] + 1)
    fail('epoch', `${done[done.length - 1] + 1}, the epoch after the last one in its history`);
  if (typeof meta.lossSum !== 'number') fail('lossSum', 'a number');
  count('lossCount');
  const metrics = meta.metrics ?? {};
  const callbacks = meta.callbacks ?? {};
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) fail('metrics', 'an object of metric states');
  if (typeof callbacks !== 'object' || callbacks === null || Array.isArray(callbacks)) fail('callbacks', 'an object of callback states');
  return { metrics: metrics as ResumeState['metrics'], callbacks: callbacks as ResumeState['callbacks'] };
}
