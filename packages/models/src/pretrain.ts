import { dispose, noGrad, tidy, type Parameter, type Tensor } from '@tessera/core';
import { mseLoss } from '@tessera/layers';
import type { DenseAutoencoder } from './autoencoder.js';
import { ModelConfigError, positiveInt } from './errors.js';

/** What pre-training needs of an optimizer (every `@tessera/optim` optimizer fits). */
export interface Stepper {
  step(): void;
  zeroGrad(): void;
}

/** Options of {@link pretrainLayerwise}. */
export interface LayerwisePretrainOptions {
  /** Builds an optimizer for one level's parameters, e.g. `(p) => new Adam(p, { lr: 1e-2 })`. */
  readonly optimizer: (params: Parameter[]) => Stepper;
  /** Passes over the batches per level. */
  readonly epochs: number;
  /** Reconstruction loss (default `mseLoss`). */
  readonly loss?: (reconstruction: Tensor, target: Tensor) => Tensor;
}

/** One level's mean reconstruction loss of its own input, before and after its training. */
export interface LevelResult {
  readonly level: number;
  readonly before: number;
  readonly after: number;
}

/**
 * Greedy layer-wise pre-training (Bengio et al. 2007): level 1 learns to reconstruct the
 * data, level 2 the codes of level 1 (computed without gradients, level 1 fixed), and so
 * on, each level trained alone as a shallow autoencoder made of its encoder and its mirrored
 * decoder layer. If the autoencoder has input noise, each level is trained as a denoising
 * autoencoder on noisy codes (stacked denoising autoencoder). Fine-tune end to end afterwards.
 *
 * @param batches - the data: one [N, F] tensor, or a list of batches.
 * @returns each level's loss before and after its training.
 *
 * @example
 * const ae = stackedAutoencoder({ inFeatures: 784, hidden: [256, 64] });
 * await pretrainLayerwise(ae, batches, { epochs: 5, optimizer: (p) => new Adam(p, { lr: 1e-3 }) });
 */
export async function pretrainLayerwise(
  ae: DenseAutoencoder,
  batches: Tensor | readonly Tensor[],
  opts: LayerwisePretrainOptions,
): Promise<LevelResult[]> {
  const { epochs, optimizer, loss = mseLoss } = opts;
  positiveInt('pretrainLayerwise', 'epochs', epochs);
  const data = Array.isArray(batches) ? (batches as readonly Tensor[]) : [batches as Tensor];
  if (data.length === 0) throw new ModelConfigError('pretrainLayerwise', 'no batches', 'Pass a tensor or a non-empty list of batches.');
  const wasTraining = ae.training;
  const results: LevelResult[] = [];
  let inputs: readonly Tensor[] = data;
  for (let i = 1; i <= ae.depth; i++) {
    const { encoder, decoder } = ae.level(i);
    const meanLoss = async () => {
      encoder.eval();
      decoder.eval();
      const losses = inputs.map((h) => noGrad(() => tidy(() => loss(decoder.call(encoder.call(h)), h))));
      const values = await Promise.all(losses.map((l) => l.item()));
      dispose(losses);
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    const before = await meanLoss();
    encoder.train();
    decoder.train();
    const opt = optimizer([...encoder.parameters(), ...decoder.parameters()]);
    const noise = ae.noise;
    noise?.train();
    for (let e = 0; e < epochs; e++) {
      for (const h of inputs) {
        tidy(() => {
          const input = noise === undefined ? h : noise.call(h);
          loss(decoder.call(encoder.call(input)), h).backward();
          opt.step();
          opt.zeroGrad();
        });
      }
    }
    results.push({ level: i, before, after: await meanLoss() });
    encoder.eval();
    const next = inputs.map((h) => noGrad(() => encoder.call(h)));
    if (inputs !== data) dispose(inputs);
    inputs = next;
  }
  if (inputs !== data) dispose(inputs);
  if (wasTraining) ae.train();
  else ae.eval();
  return results;
}
