import { type AnyModule, type JsonValue, registerModule } from '@tessera/layers';
import { alexnet } from './alexnet.js';
import { DenseAutoencoder } from './autoencoder.js';
import { ConvAutoencoder } from './conv-autoencoder.js';
import { googlenet } from './googlenet.js';
import { lecun1989 } from './lecun1989.js';
import { lenet5 } from './lenet.js';
import { mlp } from './mlp.js';
import { mnistCnn } from './mnist-cnn.js';
import { ContractiveAutoencoder, SparseAutoencoder } from './regularized-autoencoder.js';
import { resnet } from './resnet.js';
import { SequenceClassifier } from './sequence.js';
import { CharGPT, LSTMAttentionSeq2Seq, TransformerSeq2Seq } from './text/index.js';
import { vgg } from './vgg.js';
import { vggMini } from './vgg-mini.js';
import { ZOO_PACKAGE } from './zoo-config.js';

type Build = (...args: never[]) => AnyModule;
const construct = (C: new (opts: never) => AnyModule): Build => (opts: never) => new C(opts);

/** The zoo by the names its models' configs carry. */
const ZOO: Readonly<Record<string, Build>> = {
  mlp,
  mnistCnn,
  lenet5,
  alexnet,
  vgg,
  vggMini,
  resnet,
  googlenet,
  lecun1989,
  DenseAutoencoder: construct(DenseAutoencoder),
  ConvAutoencoder: construct(ConvAutoencoder),
  SparseAutoencoder: construct(SparseAutoencoder),
  ContractiveAutoencoder: construct(ContractiveAutoencoder),
  SequenceClassifier: construct(SequenceClassifier),
  CharGPT: construct(CharGPT),
  TransformerSeq2Seq: construct(TransformerSeq2Seq),
  LSTMAttentionSeq2Seq: construct(LSTMAttentionSeq2Seq),
};

/** Names of the zoo's models, as their configs' `type` says (`'resnet'`, `'vgg'`, …). */
export function zooNames(): string[] {
  return Object.keys(ZOO).sort();
}

/**
 * Registers every zoo model into `@tessera/layers`' module registry, so `loadModel` can
 * rebuild a zoo model from its file without being told the architecture. Explicit (no
 * import side effect) and idempotent; call it once before loading.
 *
 * @example
 * registerZoo();
 * const net = loadModel(await saveModel(resnet('resnet20', { numClasses: 100 })));
 */
export function registerZoo(): void {
  for (const [name, build] of Object.entries(ZOO)) {
    registerModule(name, { fromConfig: (args: readonly JsonValue[]) => build(...(args as never[])), package: ZOO_PACKAGE });
  }
}
