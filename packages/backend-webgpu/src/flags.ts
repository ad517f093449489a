/**
 * WebGPU enum bit values, spelled out because Node (Dawn) does not define the
 * `GPUBufferUsage` / `GPUMapMode` / `GPUShaderStage` globals unless asked to.
 * Values are fixed by the WebGPU specification.
 */
export const BufferUsage = {
  MAP_READ: 0x1,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
} as const;

/** `GPUMapMode.READ`. */
export const MAP_READ = 0x1;

/** `GPUShaderStage.COMPUTE`. */
export const STAGE_COMPUTE = 0x4;
