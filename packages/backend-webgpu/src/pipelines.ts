import { STAGE_COMPUTE } from './flags.js';

/** A kernel's shader, compiled once per `key` (op, dtypes, rank, variant). */
export interface ShaderSpec {
  /** Cache key: everything the WGSL text depends on. */
  readonly key: string;
  /** Builds the WGSL (called only on a cache miss). */
  readonly code: () => string;
  /** Number of read-only storage inputs (bindings after the outputs). */
  readonly inputs: number;
  /**
   * Number of read-write outputs (bindings 1…; default 1). A kernel with several passes
   * its outputs after the first ahead of its inputs in `GpuContext.dispatch`.
   */
  readonly outputs?: number;
}

/** Identifies a layout (and keys bind groups made for it): inputs, plus outputs beyond the first. */
export const layoutTag = (spec: ShaderSpec): number => spec.inputs + 1000 * ((spec.outputs ?? 1) - 1);

/** A pipeline layout and its one bind group layout. */
interface Layout {
  readonly group: GPUBindGroupLayout;
  readonly pipeline: GPUPipelineLayout;
}

/**
 * Compiled compute pipelines by key, and the explicit layouts they share: params
 * (uniform, dynamic offset: one slot per dispatch) at binding 0, the output (storage) at 1, `inputs` read-only storage buffers
 * from 2. Layouts are per input count, so kernels never depend on `layout: 'auto'`
 * dropping unused bindings.
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly pending = new Map<string, Promise<GPUComputePipeline>>();
  private readonly layouts = new Map<number, Layout>();

  constructor(private readonly device: GPUDevice) {}

  /** The layout for kernels with `inputs` read-only inputs after `outputs` read-write outputs. */
  layout(inputs: number, outputs = 1): Layout {
    const tag = layoutTag({ key: '', code: () => '', inputs, outputs });
    let l = this.layouts.get(tag);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: STAGE_COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
      ];
      for (let k = 0; k < outputs; k++) entries.push({ binding: k + 1, visibility: STAGE_COMPUTE, buffer: { type: 'storage' } });
      for (let k = 0; k < inputs; k++) {
        entries.push({ binding: k + 1 + outputs, visibility: STAGE_COMPUTE, buffer: { type: 'read-only-storage' } });
      }
      const group = this.device.createBindGroupLayout({ entries });
      l = { group, pipeline: this.device.createPipelineLayout({ bindGroupLayouts: [group] }) };
      this.layouts.set(tag, l);
    }
    return l;
  }

  private descriptor(spec: ShaderSpec): GPUComputePipelineDescriptor {
    const module = this.device.createShaderModule({ code: spec.code(), label: spec.key });
    return { layout: this.layout(spec.inputs, spec.outputs).pipeline, compute: { module, entryPoint: 'main' }, label: spec.key };
  }

  /** The pipeline of a shader, compiled (synchronously) on first use. */
  get(spec: ShaderSpec): GPUComputePipeline {
    let p = this.pipelines.get(spec.key);
    if (!p) {
      p = this.device.createComputePipeline(this.descriptor(spec));
      this.pipelines.set(spec.key, p);
    }
    return p;
  }

  /** Compiles a shader in the background (`createComputePipelineAsync`). */
  precompile(spec: ShaderSpec): Promise<void> {
    if (this.pipelines.has(spec.key)) return Promise.resolve();
    let pending = this.pending.get(spec.key);
    if (!pending) {
      pending = this.device.createComputePipelineAsync(this.descriptor(spec));
      this.pending.set(spec.key, pending);
    }
    return pending.then((p) => {
      if (!this.pipelines.has(spec.key)) this.pipelines.set(spec.key, p);
      this.pending.delete(spec.key);
    });
  }

  /** Number of compiled pipelines. */
  get size(): number {
    return this.pipelines.size;
  }
}
