import type { AnyKernel, BackendImpl } from './backend.js';
import type { OpDef } from './op.js';

/** The core API version plugins declare they were built against. */
export const CORE_API_VERSION = 1;

/** Fields every plugin has. */
export interface PluginBase {
  /** Plugin name, used in messages. */
  readonly name: string;
  /** The core API version the plugin was built for (`CORE_API_VERSION` at its build). */
  readonly coreApi: number;
}

/** A backend plugin: `use(cpu())`, then `await init()` picks the best one that starts. */
export interface BackendPlugin extends PluginBase {
  readonly kind: 'backend';
  /** Higher wins when `init()` chooses a default backend. */
  readonly priority: number;
  /** Starts the backend (may fail: no adapter, no device). */
  create(): Promise<BackendImpl>;
  /** Synchronous start, for backends that can (lets ops run without `await init()`). */
  createSync?(): BackendImpl;
}

/** Adds kernels to a backend (by name), e.g. for a custom op or a faster kernel. */
export interface KernelsPlugin extends PluginBase {
  readonly kind: 'kernels';
  /** The backend these kernels are for. */
  readonly backend: string;
  readonly kernels: Readonly<Record<string, AnyKernel>>;
}

/** Adds op definitions (custom ops); pair it with a kernels plugin per backend. */
export interface OpsPlugin extends PluginBase {
  readonly kind: 'ops';
  readonly ops: readonly OpDef<never>[];
}

/** A bundle of plugins installed together. */
export interface BundlePlugin extends PluginBase {
  readonly kind: 'bundle';
  readonly plugins: readonly Plugin[];
}

/** Anything `use()` accepts. */
export type Plugin = BackendPlugin | KernelsPlugin | OpsPlugin | BundlePlugin;
