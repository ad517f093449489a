import { type Tensor, noGrad, tensor, tidy } from '@tessera/core';
import { normalize } from '@tessera/datasets';
import { type CommandSpec, parseCommand, usage } from '../args.js';
import { BACKENDS, setupBackend } from '../backend.js';
import { CliError } from '../errors.js';
import { prepareImage, readImage } from '../image.js';
import type { Io } from '../io.js';
import { MODEL_INFO_OPTIONS, openModel, resolveFeed } from '../model-file.js';

/** `tessera predict` options. */
export const predictSpec: CommandSpec = {
  name: 'predict',
  summary:
    'Classify PNG and JPEG images with any model file (a run, a checkpoint, a saveModel file or an ONNX file); ' +
      'prints the top classes with probabilities.',
  positionals: '[model] <image.png|.jpg …>',
  options: {
    checkpoint: {
      type: 'string',
      help: 'the model: run directory, .safetensors checkpoint or model file, or .onnx file (or give it as the first argument)',
    },
    top: { type: 'number', default: 3, integer: true, min: 1, help: 'how many classes to show' },
    classes: { type: 'string', help: 'comma-separated class names (default: the run\'s, else the class indices)' },
    ...MODEL_INFO_OPTIONS,
    backend: { type: 'string', default: 'auto', help: 'backend', choices: () => BACKENDS },
  },
};

/** One image's prediction. */
export interface Prediction {
  readonly file: string;
  readonly top: { readonly label: string; readonly index: number; readonly probability: number }[];
  readonly inverted: boolean;
}

/** Splits the positionals into the model (`--checkpoint`, or a first argument that is not a PNG or JPEG) and the images. */
function modelAndImages(checkpoint: string | undefined, positionals: readonly string[]): { model: string; images: readonly string[] } {
  if (checkpoint !== undefined) return { model: checkpoint, images: positionals };
  const [first, ...rest] = positionals;
  if (first === undefined || /\.(png|jpe?g)$/i.test(first)) {
    throw new CliError(
      `tessera predict: give the model first (a run directory, .safetensors or .onnx file) or as --checkpoint.\n\n${usage(predictSpec)}`,
    );
  }
  return { model: first, images: rest };
}

/** Runs `tessera predict`. */
export async function predictCommand(argv: readonly string[], io: Io): Promise<Prediction[]> {
  const { values: a, positionals } = parseCommand(predictSpec, argv);
  const { model, images } = modelAndImages(a.checkpoint as string | undefined, positionals);
  if (images.length === 0) throw new CliError(`tessera predict: give at least one PNG or JPEG file.\n\n${usage(predictSpec)}`);
  await setupBackend(a.backend as string, io.err);
  const opened = await openModel(model);
  const { inputShape, mean, std } = resolveFeed(opened, a, 'predict');
  const classes = (a.classes as string | undefined)?.split(',') ?? opened.info.classes ?? [];
  const net = opened.net;
  net.eval();
  const results: Prediction[] = [];
  for (const f of images) {
    // A model trained on an image folder sees each image as ImageFolder read it.
    const folder = opened.info.imageFolder !== undefined;
    const { image, inverted } = folder
      ? prepareImage(readImage(f, { alpha: 'drop' }), inputShape, { resize: 'center-crop', invertLight: false })
      : prepareImage(readImage(f), inputShape);
    const probs = noGrad(() =>
      tidy((): Tensor => {
        const x = normalize(tensor(image.data, { shape: [1, ...image.shape] }), mean, std);
        return net.call(x).reshape([1, -1]).softmax(1);
      }),
    );
    const p = Array.from((await probs.data()) as Float32Array);
    probs.dispose();
    const top = p
      .map((probability, index) => ({ index, probability, label: String(classes[index] ?? index) }))
      .sort((x, y) => y.probability - x.probability)
      .slice(0, a.top as number);
    results.push({ file: f, top, inverted });
    io.out(
      `${f}${inverted ? ' (inverted: dark on light)' : ''}: ` +
        `${top.map((t) => `${t.label} ${(t.probability * 100).toFixed(1)}%`).join(', ')}`,
    );
  }
  net.dispose();
  return results;
}
