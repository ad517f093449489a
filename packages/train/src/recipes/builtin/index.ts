import type { Recipe } from '../recipe.js';
import { DECK004 } from './deck004.js';
import { FASHION_MNIST } from './fashion-mnist.js';
import { MNIST_SAMPLE } from './mnist-sample.js';

/** The recipes `@tessera/train` registers, one file each. */
export const BUILTIN_RECIPES: readonly Recipe[] = [FASHION_MNIST, MNIST_SAMPLE, DECK004];
