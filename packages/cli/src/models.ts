import type { Layer } from '@tessera/layers';
import { imageModelDescriptor, modelNames as registeredModels, type ImageShape } from '@tessera/models';
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

/** Names of the image classifiers (`registerModel` without a text task): what `--model` accepts for image data. */
export function modelNames(): string[] {
  return registeredModels('image-classification');
}

/** Every registered model name, image and text (text models train in their own loop: `tessera train --model <text model>`). */
export function allModelNames(): string[] {
  return registeredModels();
}

/** The model spec for a name; unknown names list the valid ones. */
export function modelSpec(name: string): ModelSpec {
  if (!modelNames().includes(name)) {
    const text = registeredModels().includes(name) ? ` ('${name}' is a text model: tessera train --model ${name} --help)` : '';
    throw new CliError(`unknown image model '${name}'${text}; valid models: ${modelNames().join(', ')}.`);
  }
  const m = imageModelDescriptor(name);
  return {
    name: m.name,
    description: m.description,
    inputShape: m.inputShape,
    build: (numClasses, inputShape) => m.build({ numClasses, inputShape }),
  };
}
