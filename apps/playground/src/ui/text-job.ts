/**
 * One text model training in its own Web Worker (the playground's training worker script,
 * `tessera/worker`'s `serveTraining`), with its progress shown in a panel and a snapshot of
 * the model handed to `onModel` every `snapshotEveryMs` and at the end.
 */
import { type TrainingSpec, startTraining, type TrainingHandle } from 'tessera/worker';
import { inferenceBackend, modelFromSnapshot } from './text-infer.js';
import type { nn } from 'tessera';

/** What a panel shows while its model trains. */
export interface TextJobView {
  /** Steps, examples seen, the window's loss (nats per token). */
  progress(step: number, loss: number): void;
  /** Validation loss (nats per token). */
  validation(loss: number): void;
  state(state: 'starting' | 'training' | 'stopped' | 'done' | 'failed', detail?: string): void;
}

/** A running text job: stop it, and the model it last handed over. */
export class TextJob {
  private readonly worker: Worker;
  private readonly handle: TrainingHandle;
  private lastSnapshot = 0;
  private busy = false;
  private ended = false;

  constructor(
    spec: TrainingSpec,
    private readonly view: TextJobView,
    private readonly onModel: (model: nn.AnyModule) => Promise<void>,
    private readonly snapshotEveryMs = 1500,
  ) {
    this.worker = new Worker(new URL('../worker/main.ts', import.meta.url), { type: 'module', name: 'tessera-text-trainer' });
    view.state('starting');
    this.handle = startTraining(this.worker, spec, { onEvent: (e) => void this.onEvent(e) });
    this.handle.result.then(
      async () => {
        this.ended = true;
        await this.refresh(true);
        view.state('done');
        this.dispose();
      },
      (e: Error) => {
        this.ended = true;
        view.state('failed', e.message);
        this.dispose();
      },
    );
  }

  /** Ends training after the current step (the model so far is kept and shown). */
  async stop(): Promise<void> {
    if (this.ended) return;
    await this.handle.stop().catch(() => undefined);
    this.view.state('stopped');
  }

  private async onEvent(e: Parameters<NonNullable<Parameters<typeof startTraining>[2]>['onEvent'] & object>[0]): Promise<void> {
    if (e.type === 'ready') this.view.state('training');
    else if (e.type === 'progress') {
      this.view.progress(e.step, e.loss);
      await this.refresh(false);
    } else if (e.type === 'validation' && typeof e.logs.val_loss === 'number') this.view.validation(e.logs.val_loss);
  }

  /** Hands a fresh snapshot to `onModel` (at most every `snapshotEveryMs`, or now with `force`). */
  private async refresh(force: boolean): Promise<void> {
    const now = performance.now();
    if (this.busy || (!force && now - this.lastSnapshot < this.snapshotEveryMs)) return;
    this.busy = true;
    this.lastSnapshot = now;
    try {
      const bytes = await this.handle.snapshot();
      await inferenceBackend();
      await this.onModel(modelFromSnapshot(bytes));
    } catch (e) {
      if (!this.ended) this.view.state('failed', (e as Error).message);
    } finally {
      this.busy = false;
    }
  }

  private dispose(): void {
    this.handle.close();
    this.worker.terminate();
  }
}
