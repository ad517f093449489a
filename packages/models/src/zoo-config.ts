import { type AnyModule, describeModule } from '@tessera/layers';

/** The package that registers the zoo's names (shown when a loader has not registered them). */
export const ZOO_PACKAGE = '@tessera/models';

/**
 * Records that `model` was built by the zoo's `name` with `args`, so its config reads
 * `{ type: 'resnet', from: '@tessera/models', args: ['resnet18', { numClasses: 10 }] }`
 * and `registerZoo()` can rebuild it. In a class's constructor pass the class as `owner`
 * (a subclass that does not describe itself is then not saved as it). Returns the model.
 */
export function describeZoo<M extends AnyModule>(
  model: M,
  name: string,
  args: readonly unknown[],
  owner?: abstract new (...args: never[]) => unknown,
): M {
  return describeModule(model, name, args, { from: ZOO_PACKAGE, owner });
}
