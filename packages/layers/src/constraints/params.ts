import type { Parameter, Tensor } from '@tessera/core';
import { type AnyModule, Module } from '../module.js';

/** Where penalties and constraints look for parameters: a module (all its parameters) or a list. */
export type ParamSource<T extends Tensor = Parameter> = AnyModule | T | Iterable<T>;

/** The tensors of a source, each once, in order. */
export function tensorsOf<T extends Tensor>(src: ParamSource<T>): T[] {
  if (src instanceof Module) return src.parameters() as Tensor[] as T[];
  if (Symbol.iterator in (src as object)) return [...new Set(src as Iterable<T>)];
  return [src as T];
}
