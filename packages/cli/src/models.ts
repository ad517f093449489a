import type { Layer } from '@tessera/layers';
import { modelDescriptor, modelNames as registeredModels, type ImageShape } from '@tessera/models';
import { CliError } from './errors.js';

export type { ImageShape } from '@tessera/models';

/** A model the CLI can build by name: a view of @tessera/models' registry (`registerModel`). */
export interface ModelSpec {
  readonly name: string;
  readonly description: string;
  /** Input image shape `[C, H, W]` the model is made for; undefined: any (the MLP flattens). */
  readonly inputShape?: ImageShape;
  /** Builds the model for `numClasses` outputs on images of `inputShape`. */
  build(numClasses: number, inputShape: ImageShape): Layer;
}

/** Names of the models `--model` accepts: every registered model. */
export function modelNames(): string[] {
  return registeredModels();
}

/** The model spec for a name; unknown names list the valid ones. */
export function modelSpec(name: string): ModelSpec {
  if (!registeredModels().includes(name)) throw new CliError(`unknown model '${name}'; valid models: ${modelNames().join(', ')}.`);
  const m = modelDescriptor(name);
  return {
    name: m.name,
    description: m.description,
    inputShape: m.inputShape,
    build: (numClasses, inputShape) => m.build({ numClasses, inputShape }),
  };
}
