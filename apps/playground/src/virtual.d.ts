/** Provided by build/mnist-sample.ts. */
declare module 'virtual:mnist-sample' {
  /** Folder of the gzipped IDX files, relative to the page. */
  export const sampleDir: string;
  /** Size and SHA-256 of each file. */
  export const checksums: Record<string, { size: number; sha256: string }>;
}
