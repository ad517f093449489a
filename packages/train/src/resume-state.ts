import { ConfigError } from '@tessera/core';
import type { Callback, CallbackState, ResumeState, TrainContext } from './callbacks/callback.js';
import type { Checkpoint } from './checkpoint.js';
import type { MeanMetric } from './metrics.js';
import type { Metric, MetricState } from './metric-parts.js';

/** @internal Each stateful callback's key in checkpoints: `stateKey`, then `stateKey#2`, … */
export function callbackKeys(cbs: readonly Callback[]): Map<Callback, string> {
  const keys = new Map<Callback, string>();
  const seen = new Map<string, number>();
  for (const cb of cbs) {
    if (cb.stateKey === undefined || !cb.stateDict) continue;
    const n = (seen.get(cb.stateKey) ?? 0) + 1;
    seen.set(cb.stateKey, n);
    keys.set(cb, n === 1 ? cb.stateKey : `${cb.stateKey}#${n}`);
  }
  return keys;
}

/** @internal Reads the metrics' accumulators and the callbacks' states for a checkpoint. */
export async function collectResumeState(metrics: readonly Metric[], keys: ReadonlyMap<Callback, string>): Promise<ResumeState> {
  const m: Record<string, MetricState> = {};
  for (const metric of metrics) if (metric.state) m[metric.name] = await metric.state();
  const callbacks: Record<string, CallbackState> = {};
  for (const [cb, key] of keys) if (cb.stateDict) callbacks[key] = cb.stateDict();
  return { metrics: m, callbacks };
}

/** @internal Gives each callback the state its key holds in the checkpoint. */
export function restoreCallbacks(saved: ResumeState['callbacks'], keys: ReadonlyMap<Callback, string>): void {
  for (const [cb, key] of keys) {
    const s = saved[key];
    if (s !== undefined) cb.loadStateDict?.(s);
  }
}

/**
 * @internal Continues the metrics of an epoch resumed mid-way. A metric the checkpoint
 * holds no state for (a checkpoint from before states were saved) starts empty.
 */
export function restoreMetrics(metrics: readonly Metric[], saved: ResumeState['metrics']): void {
  for (const m of metrics) {
    const s = saved[m.name];
    if (s === undefined) continue;
    if (!m.restore)
      throw new ConfigError(
        `fit: the checkpoint holds the state of metric '${m.name}' but this Metric object has no restore(); implement state()/restore() ` +
          `or resume at an epoch boundary.`,
      );
    m.restore(s);
  }
}

/** @internal Loads a checkpoint into the model, optimizer, scheduler and context; returns its state. */
export function restoreCheckpoint(ck: Checkpoint, ctx: TrainContext, lossMean: MeanMetric): Checkpoint['state'] {
  const s = ck.state;
  ctx.model.loadStateDict(ck.weights);
  ctx.optimizer.loadStateDict(ck.optimizer);
  if (ctx.scheduler && s.scheduler) ctx.scheduler.loadStateDict(s.scheduler);
  ctx.epoch = s.epoch;
  ctx.step = s.step;
  ctx.history.epochs.push(...s.history.epochs);
  for (const [k, v] of Object.entries(s.history.history)) ctx.history.history[k] = [...v];
  lossMean.restore(s.lossSum, s.lossCount);
  return s;
}
