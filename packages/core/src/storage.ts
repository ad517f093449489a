import type { BackendImpl, DataId } from './backend.js';

/**
 * One backend buffer and how many tensor handles (user tensors, views, autograd saved
 * values) point at it. The buffer is freed when the count reaches zero.
 */
export class Storage {
  refs = 0;
  constructor(
    readonly dataId: DataId,
    readonly backend: BackendImpl,
    readonly bytes: number,
  ) {
    stats(backend.name).storages++;
    stats(backend.name).bytes += bytes;
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) {
      const s = stats(this.backend.name);
      s.storages--;
      s.bytes -= this.bytes;
      this.backend.free(this.dataId);
    }
  }
}

/** Live counts per backend. */
export interface BackendStats {
  tensors: number;
  storages: number;
  bytes: number;
}

const perBackend = new Map<string, BackendStats>();

/** The mutable counters of one backend (created on first use). */
export function stats(backend: string): BackendStats {
  let s = perBackend.get(backend);
  if (!s) {
    s = { tensors: 0, storages: 0, bytes: 0 };
    perBackend.set(backend, s);
  }
  return s;
}

/** All backends' counters. */
export function allStats(): ReadonlyMap<string, BackendStats> {
  return perBackend;
}
