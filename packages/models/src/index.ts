/**
 * @packageDocumentation
 * Tessera model zoo: factories for classic networks, built from @tessera/layers.
 */
export { ModelConfigError } from './errors.js';
export { mlp, type MLPOptions, type MLPActivation } from './mlp.js';
export { mnistCnn, type MnistCnnOptions } from './mnist-cnn.js';
export {
  resnet,
  ResNet,
  ResidualBlock,
  RESNET_SPECS,
  type ResNetName,
  type ResNetOptions,
  type ResNetSpec,
  type BlockKind,
} from './resnet.js';
export { vgg, VGG_CONFIGS, type VGGConfig, type VGGOptions } from './vgg.js';
export { vggMini, type VGGMiniOptions } from './vgg-mini.js';
export { alexnet, type AlexNetOptions } from './alexnet.js';
export { lenet5, type LeNet5Options } from './lenet.js';
export { LENET5_C3_TABLE, PartialConv2d, Subsampling2d, ScaledTanh, EuclideanRBF, lecun1998Uniform } from './lenet1998.js';
export { SequenceClassifier, lstmRegressor, parityDataset, type SequenceModelOptions } from './sequence.js';
export { replaceHead, freezeBackbone, fineTuneGroups, headName, inHead, summary, type HasFcHead } from './transfer.js';
export { DenseAutoencoder, type DenseAutoencoderOptions } from './autoencoder.js';
export { lecun1989, UntiedBiasConv2d, type LeCun1989Net, type LeCun1989Options } from './lecun1989.js';
export {
  googlenet,
  GoogLeNet,
  Inception,
  InceptionAux,
  BasicConv2d,
  INCEPTION_TABLE,
  type GoogLeNetOptions,
  type GoogLeNetOutputs,
  type InceptionWidths,
} from './googlenet.js';
export { stackedAutoencoder, type AutoencoderActivation } from './autoencoder.js';
export { pretrainLayerwise, type LayerwisePretrainOptions, type LevelResult, type Stepper } from './pretrain.js';
export {
  RegularizedAutoencoder,
  SparseAutoencoder,
  ContractiveAutoencoder,
  type ShallowAutoencoderOptions,
  type SparseAutoencoderOptions,
  type ContractiveAutoencoderOptions,
} from './regularized-autoencoder.js';
export { ConvAutoencoder, type ConvAutoencoderOptions } from './conv-autoencoder.js';
export { registerZoo, zooNames } from './register.js';
export * from './text/index.js';
export {
  registerModel,
  modelNames,
  modelDescriptor,
  modelDescriptors,
  buildModel,
  buildTextModel,
  imageModelDescriptor,
  textModelDescriptor,
  isTextModel,
  modelTask,
  MODEL_TASKS,
  type ModelTask,
  type TextTask,
  type TextMetric,
  type TextTokenizer,
  type TextModelDescriptor,
  type TextModelBuildOptions,
  type AnyModelDescriptor,
  type ModelDescriptor,
  type ModelBuildOptions,
  type ImageShape,
} from './model-registry.js';
